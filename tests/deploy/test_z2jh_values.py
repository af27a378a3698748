"""The deployment files agree with the code and with what was measured: the Zero to JupyterHub
values (``deploy/z2jh/values.yaml``) start each student on ntkviz's single-user server and the
dashboard, and size a student by the session measured on the local hub
(``benchmarks/results_jupyterhub.md``); the local hub's proxy is pinned and installed by the
Makefile; the deployment page says the same numbers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from ntkviz.serve import singleuser

ROOT = Path(__file__).resolve().parents[2]
VALUES = yaml.safe_load((ROOT / "deploy" / "z2jh" / "values.yaml").read_text())
RESULTS = (ROOT / "benchmarks" / "results_jupyterhub.md").read_text()
DOC = (ROOT / "docs" / "deploy.md").read_text()
CLASS = 300


def _measured() -> dict[str, int]:
    """The per-student figure of the benchmark: session, server and kernel MB."""
    found = re.search(r"Per-student session with the dashboard drawn: \*\*(\d+) MB\*\* resident "
                      r".*?server (\d+) MB, kernel (\d+) MB", RESULTS, flags=re.S)
    assert found, "benchmarks/results_jupyterhub.md has no per-student session figure"
    return dict(zip(("session", "server", "kernel"), map(int, found.groups())))


def _mb(quantity: str) -> int:
    """A JupyterHub byte quantity ("500M", "3G") in MB."""
    number, unit = re.fullmatch(r"(\d+)([MG])", str(quantity)).groups()
    return int(number) * (1024 if unit == "G" else 1)


def _options(cmd: list[str]) -> dict[str, int]:
    return {a.split("=")[0]: int(a.split("=")[1]) for a in cmd if a.startswith("--")}


def test_each_student_starts_on_the_dashboard_with_ntkviz_s_server():
    user = VALUES["singleuser"]
    assert user["defaultUrl"] == singleuser.DEFAULT_URL
    assert user["cmd"][:3] == ["python", "-m", "ntkviz.serve.singleuser"]
    assert set(_options(user["cmd"])) == {"--max-kernels", "--kernel-memory-mb"}


def test_memory_comes_from_the_measured_session():
    measured, user = _measured(), VALUES["singleuser"]
    guarantee, limit = _mb(user["memory"]["guarantee"]), _mb(user["memory"]["limit"])
    # reserved: the session as measured, rounded up by less than 100 MB
    assert measured["session"] <= guarantee < measured["session"] + 100
    assert f"{measured['session']} MB" in (ROOT / "deploy/z2jh/values.yaml").read_text()
    # the most a student's server holds: the server and its bounded kernels
    assert singleuser.SERVER_MB >= measured["server"]
    options = _options(user["cmd"])
    assert limit == singleuser.SERVER_MB + options["--max-kernels"] * options["--kernel-memory-mb"]
    cpu = user["cpu"]
    assert 0 < cpu["guarantee"] <= cpu["limit"]


def test_a_class_of_300_arriving_together_is_provided_for():
    hub, scheduling = VALUES["hub"], VALUES["scheduling"]
    assert hub["concurrentSpawnLimit"] >= CLASS and hub["activeServerLimit"] >= CLASS
    assert scheduling["userScheduler"]["enabled"]
    placeholders = scheduling["userPlaceholder"]
    assert placeholders["enabled"] and 0 < placeholders["replicas"] <= CLASS
    assert scheduling["podPriority"]["enabled"], "placeholders need priorities to give way"
    assert VALUES["prePuller"]["hook"]["enabled"] and VALUES["prePuller"]["continuous"]["enabled"]
    cull = VALUES["cull"]
    assert cull["enabled"] and not cull["users"] and cull["every"] < cull["timeout"]


def test_the_proxy_is_pinned_and_installed_by_the_makefile():
    folder = ROOT / "deploy" / "jupyterhub"
    wanted = json.loads((folder / "package.json").read_text())["dependencies"]
    locked = json.loads((folder / "package-lock.json").read_text())["packages"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted["configurable-http-proxy"]), "pin one version"
    assert locked["node_modules/configurable-http-proxy"]["version"] == \
        wanted["configurable-http-proxy"]
    makefile = (ROOT / "Makefile").read_text()
    assert "npm ci --prefix deploy/jupyterhub" in makefile
    assert re.search(r"^install-dev:.*\$\(HUB_PROXY\)", makefile, flags=re.M)
    assert "deploy/jupyterhub/node_modules/" in (ROOT / ".gitignore").read_text()


@pytest.mark.parametrize("needed", ["make hub", "deploy/z2jh/values.yaml", "ntkviz serve",
                                    "Binder", "--class-size"])
def test_the_deployment_page_covers_the_three_ways(needed):
    assert needed in DOC


def test_the_deployment_page_quotes_the_measured_figures():
    measured, user = _measured(), VALUES["singleuser"]
    assert f"**{measured['session']} MB**" in DOC
    assert f"{_mb(user['memory']['guarantee'])} MB guaranteed" in DOC
    assert f"{_mb(user['memory']['limit'])} MB limit" in DOC
    assert "docs/deploy.md" in (ROOT / "README.md").read_text()

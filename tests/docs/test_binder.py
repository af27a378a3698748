"""The Binder files work: build the environment from ``binder/`` the way repo2docker does.

Binder itself cannot be reached from here, so the test repeats repo2docker's Python build pack
by hand: copy the repository, make a Python 3.11 environment (``binder/runtime.txt``), run
``pip install --no-cache-dir -r binder/requirements.txt`` from the repository root, then
``binder/postBuild``. It then starts a Jupyter server from that environment, as Binder does,
and requests the two pages the README badges open: the Voila dashboard (rendered, so every
explorer's first state is computed) and JupyterLab.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
DASHBOARD_URLPATH = "voila/render/notebooks/dashboard.ipynb"


def _requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_binder_uses_the_tested_lock_and_python():
    assert _requirement_lines(BINDER / "requirements.txt") == ["-r ../requirements/runtime.lock"]
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "set -euo pipefail" in post_build.read_text()
    # `make test` installs the same runtime lock (plus test tools on top of it)
    assert "requirements/runtime.lock" in (ROOT / "Makefile").read_text()
    assert "-r runtime.in" in (ROOT / "requirements" / "dev.in").read_text()


def test_readme_badges_open_voila_and_lab():
    readme = (ROOT / "README.md").read_text()
    badges = re.findall(r"\(https://mybinder\.org/v2/gh/([^)\s]+)\)", readme)
    assert any("urlpath=voila%2Frender%2Fnotebooks%2Fdashboard.ipynb" in b for b in badges), badges
    assert any("urlpath=lab" in b for b in badges), badges


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.mark.binder
def test_environment_builds_from_binder_files_and_serves_both_badges(tmp_path):
    repo = tmp_path / "repo"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    # Only what the repository holds goes in: no generated files, no local virtual environment.
    assert not (repo / ".venv").exists() and (repo / "binder" / "postBuild").exists()

    python = shutil.which("python3.11") or sys.executable
    env_dir = tmp_path / "env"
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["HOME"] = str(tmp_path / "home")
    log = open(tmp_path / "build.log", "w")
    steps = [
        [str(bin_dir / "python"), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
         "-r", "binder/requirements.txt"],
        ["bash", "binder/postBuild"],
    ]
    for step in steps:
        result = subprocess.run(step, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
        assert result.returncode == 0, f"{' '.join(step)} failed; see {log.name}:\n" + Path(log.name).read_text()[-3000:]

    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "jupyter"), "server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         # Binder runs as an ordinary user; CI containers here run as root
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _ = _get(f"{base}/api/status", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, "jupyter server exited; see build.log"
            assert time.monotonic() < deadline, "jupyter server did not start within 120 s"
            time.sleep(1)
        status, page = _get(f"{base}/{DASHBOARD_URLPATH}", timeout=600)
        assert status == 200, page[-2000:]
        assert "application/vnd.jupyter.widget-view+json" in page  # the explorers rendered as widgets
        assert "Traceback" not in page and "There was an error when executing cell" not in page
        status, page = _get(f"{base}/lab", timeout=120)
        assert status == 200 and "JupyterLab" in page
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

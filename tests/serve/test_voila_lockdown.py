"""The served dashboard exposes nothing else (classroom hardening): Voila started as by
``make dashboard`` answers the dashboard at ``/`` and refuses the file browser, other notebooks,
raw files, the contents, kernels, sessions and terminal APIs, and JupyterLab; URL parameters do
not run code."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, voila_server

MARKER = "neural kernels and symmetry learning"   # the dashboard's heading (HTML-escaped dash before it)

REFUSED = (
    "tree", "tree/notebooks", "voila/tree", "voila/tree/notebooks",
    "voila/render/notebooks/01_circle_toy.ipynb", "notebooks/01_circle_toy.ipynb",
    "files/README.md", "voila/files/README.md", "voila/files/ntkviz/cli.py", "edit/README.md",
    "api/contents", "api/contents/README.md", "api/kernels", "api/sessions", "api/kernelspecs",
    "api/terminals", "terminals/1", "terminals/websocket/1", "lab", "lab/tree/README.md",
    "notebooks", "static/../README.md",
)


@pytest.fixture(scope="module")
def server():
    with voila_server(ARTIFACTS / "voila_lockdown.log") as url:
        yield url


def _get(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_the_dashboard_is_served(server):
    status, page = _get(server)
    assert status == 200 and MARKER in page


@pytest.mark.parametrize("path", REFUSED)
def test_everything_else_is_refused(server, path):
    status, _ = _get(server + path)
    assert status in (403, 404), f"/{path} answered {status}"


@pytest.mark.parametrize("path", ("api/kernels", "api/sessions", "api/contents/x.ipynb",
                                  "api/terminals"))
def test_nothing_can_be_started_or_written(server, path):
    status, _ = _get(server + path, method="POST", data=b"{}")
    assert status in (403, 404, 405), f"POST /{path} answered {status}"


def test_url_parameters_do_not_run_code(server, tmp_path: Path):
    target = tmp_path / "written-by-a-url"
    payload = urllib.request.quote(f"__import__('pathlib').Path('{target}').touch()")
    status, page = _get(f"{server}?code={payload}&exec={payload}&cell={payload}")
    assert status == 200 and MARKER in page   # the same dashboard, parameters ignored
    assert not target.exists()

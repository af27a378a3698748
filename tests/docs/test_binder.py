"""The Binder files work: build the environment from ``binder/`` the way repo2docker does.

Binder itself cannot be reached from here, so the test repeats repo2docker's Python build pack
by hand (``tests/binder_support.py``: pip from ``binder/requirements.txt``, then
``binder/postBuild``), checks that the build filled JAX's persistent compilation cache in the
image, starts a Jupyter server through ``binder/start`` as the container does, and opens the two
pages the README badges open: the Voila dashboard, in headless Chromium, where a visitor's first
moves on the orbit tab must load every XLA program from that cache (none compiled), and
JupyterLab. Timings are printed, never asserted (``benchmarks/bench_binder.py`` measures them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from binder_support import (
    DASHBOARD_URLPATH,
    add_compile_log,
    build,
    first_moves,
    get,
    jupyter_server,
    read_compile_log,
)
from browser_support import ARTIFACTS, free_port, launch_chromium, needs_chromium, open_dashboard

from ntkviz.widgets.plot import CARTESIAN_JS, CARTESIAN_TRACES

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


def _requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_binder_uses_the_tested_lock_and_python():
    assert _requirement_lines(BINDER / "requirements.txt") == ["-r ../requirements/runtime.lock"]
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "set -euo pipefail" in post_build.read_text()
    commands = [line for line in post_build.read_text().splitlines() if line and line[0] != "#"]
    assert "python -m compileall -q ntkviz" in commands and "ntkviz warm-cache" in commands
    start = BINDER / "start"
    assert os.access(start, os.X_OK)
    lines = [line for line in start.read_text().splitlines() if line.strip()]
    assert lines[0] == "#!/bin/bash" and lines[-1] == 'exec "$@"'  # repo2docker's contract
    assert "ntkviz kernel-env" in start.read_text()  # the values of ntkviz serve, not a copy
    # `make test` installs the same runtime lock (plus test tools on top of it)
    assert "requirements/runtime.lock" in (ROOT / "Makefile").read_text()
    assert "-r runtime.in" in (ROOT / "requirements" / "dev.in").read_text()


def test_readme_badges_open_voila_and_lab():
    readme = (ROOT / "README.md").read_text()
    badges = re.findall(r"\(https://mybinder\.org/v2/gh/([^)\s]+)\)", readme)
    assert any("urlpath=voila%2Frender%2Fnotebooks%2Fdashboard.ipynb" in b for b in badges), badges
    assert any("urlpath=lab" in b for b in badges), badges


def _kernel_environment(server_pid: int) -> list[dict[str, str]]:
    """The environment of each kernel the server ``server_pid`` started (from /proc)."""
    from ntkviz.serve.client import kernel_pids

    found = []
    for pid in kernel_pids(server_pid).values():
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        found.append(dict(item.decode().split("=", 1) for item in raw if b"=" in item))
    return found


@pytest.mark.binder
@pytest.mark.browser
@needs_chromium
def test_environment_builds_from_binder_files_and_serves_both_badges(tmp_path):
    binder = build(tmp_path)
    print("\nBinder build: " + ", ".join(f"{k} {v:.0f} s" for k, v in binder.step_seconds.items()))
    # Only what the repository holds goes in: no generated files, no local virtual environment.
    assert not (binder.repo / ".venv").exists() and (binder.repo / "binder" / "start").exists()
    # postBuild compiled the package's bytecode and filled the compilation cache in the image
    assert (binder.repo / "ntkviz" / "widgets" / "__pycache__").is_dir()
    entries = list(binder.cache_dir.glob("*-cache"))
    assert len(entries) >= 3, f"postBuild left {len(entries)} programs in {binder.cache_dir}"
    assert list(binder.cache_dir.glob("ntkviz-*-jax-*-warmed-up")), "no warmed-up marker"
    # with the opening pair's kernel matrices, which kernel-env points the kernels at
    shared = binder.cache_dir.parent / "grams"
    assert list(shared.glob("ntkviz-*-gcnn-ntk-rotate-N8-*.npy")), f"no shared kernel matrices in {shared}"
    # and installed plotly's cartesian bundle, which the figures bring to the page
    assert (binder.repo / CARTESIAN_JS.relative_to(ROOT)).is_file()

    env = dict(binder.env)
    compile_log = add_compile_log(env, tmp_path)
    port = free_port()
    server_log = tmp_path / "server.log"
    with jupyter_server(binder, port, server_log, env=env) as server:
        base = f"http://127.0.0.1:{port}"
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = None
            try:
                page = open_dashboard(browser, f"{base}/{DASHBOARD_URLPATH}")
                moves = first_moves(page)
                text = page.inner_text("body")
                served = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces)")
                assert set(served) == CARTESIAN_TRACES
                assert "Traceback" not in text and "There was an error when executing cell" not in text
                print(f"first render {page.first_render_seconds:.1f} s; " +
                      "; ".join(f"{label} {seconds:.2f} s" for label, seconds in moves))
                kernels = _kernel_environment(server.pid)  # while the page holds its kernel
            except Exception:
                if page is not None:
                    ARTIFACTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / "binder_dashboard_failed.png"), full_page=True)
                raise
            finally:
                browser.close()
        status, page_html = get(f"{base}/lab", timeout=120)
        assert status == 200 and "JupyterLab" in page_html

    # binder/start gave the page's kernel the cache postBuild filled ...
    assert len(kernels) == 1, f"{len(kernels)} kernels; see {server_log}"
    assert kernels[0].get("JAX_COMPILATION_CACHE_DIR") == str(binder.cache_dir)
    assert kernels[0].get("OPENBLAS_NUM_THREADS") == "1"
    # ... and every XLA program the first moves needed came from it: none was compiled on the
    # interactive path (the kernel's main thread, which handles the page's messages)
    records = read_compile_log(compile_log)
    moves = [r for r in records if r["thread"] == "MainThread"]
    compiled = [r["program"] for r in moves if not r["from_cache"]]
    assert not compiled, f"compiled on the interactive path: {compiled}"
    # the CNN flatten kernel at N = 10 and 11 (not shared): loaded; the group and GAP CNNs at
    # N = 8–10 on the opening pair read the matrices postBuild shared, needing no program
    assert {r["program"] for r in moves}, records
    assert {r["cache_dir"] for r in records} == {str(binder.cache_dir)}
    background = [(r["thread"], r["program"]) for r in records if not r["from_cache"]]
    print(f"{len(moves)} programs of the moves loaded from the cache; compiled in background "
          f"threads: {background or 'none'}")

"""The numbered notebooks in JupyterLab, in headless Chromium: Run All Cells runs every cell
without an error, every plotly figure is drawn (the explorer's figure widget included), and a
slider of the explorer changes its figure.

JupyterLab runs as ``make lab`` runs it, on a temporary copy of the notebooks
(``tests/lab_support.py``); each notebook opens in a fresh page and its kernel is shut down
after it. The last test stops the server with a kernel running and checks that nothing is left
behind, in the process table or in the repository. Skipped only when CI is unset and no
Chromium is installed; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import time

import pytest
from browser_support import ARTIFACTS, BROWSER, ROOT, launch_chromium
from lab_support import (
    NOTEBOOKS,
    cell_errors,
    figure_signature,
    lab_server,
    move_slider,
    open_notebook,
    run_all_cells,
    screenshot,
    wait_for_figures,
)

from ntkviz.serve.process import alive

pytestmark = [*BROWSER, pytest.mark.slow]


#: The notebooks opened (about 15-25 s each on 2 cores; benchmarks/bench_jupyterlab.py times
#: every numbered notebook).
TESTED = ("01_circle_toy", "02_mnist_orbits", "05_equivariant_vs_plain")


def _repository_notebooks() -> dict[str, str]:
    """Every file under notebooks/ (hidden ones too) → its SHA-256."""
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((ROOT / "notebooks").rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def repository_before():
    return _repository_notebooks()


@pytest.fixture(scope="module")
def lab(repository_before):
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(lab_server(ARTIFACTS / "jupyterlab.log"))
        server.stop = stack.close
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.parametrize("name", TESTED)
def test_notebook_runs_draws_its_figures_and_follows_a_slider(lab, browser, name):
    explorer = NOTEBOOKS[name]
    page = open_notebook(browser, lab, name)
    try:
        start = time.monotonic()
        cells = run_all_cells(page)
        figures = wait_for_figures(page, explorer.root)
        drawn = time.monotonic() - start
        assert all(f["traces"] > 0 and f["drawn"] for f in figures), figures
        assert any(f["widget"] for f in figures), "no explorer figure was drawn"
        before = figure_signature(page, explorer.root)
        seconds = move_slider(page, explorer)
        assert figure_signature(page, explorer.root) != before
        assert all(f["traces"] > 0 and f["drawn"] for f in wait_for_figures(page, explorer.root))
        assert cell_errors(page) == []
        screenshot(page, explorer.root, name)
        print(f"\n{name}: open {page.open_seconds:.1f} s, {cells} cells run and {len(figures)} "
              f"figures drawn {drawn:.1f} s after Run All, slider → figure {seconds * 1e3:.0f} ms")
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"jupyterlab_{name}_failed.png"))
        raise
    finally:
        page.close()
        lab.shut_down_kernels()


def test_the_server_stops_with_its_kernels_and_the_repository_is_untouched(lab, repository_before):
    session = lab.api("sessions", method="POST", body={
        "path": "01_circle_toy.ipynb", "type": "notebook", "name": "01_circle_toy.ipynb",
        "kernel": {"name": "python3"}})
    assert session["kernel"]["id"]
    deadline = time.monotonic() + 60
    while not lab.kernel_pids():
        assert time.monotonic() < deadline, "the kernel did not start"
        time.sleep(0.2)
    kernels = set(lab.kernels_seen)
    lab.stop()
    assert lab.left_behind == [], "processes left running after JupyterLab stopped"
    assert not any(alive(pid) for pid in kernels)
    assert _repository_notebooks() == repository_before

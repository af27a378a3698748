"""The numbered notebooks in JupyterLab, in headless Chromium: open, Run All Cells, figures drawn,
slider → figure (writes benchmarks/results_jupyterlab.md).

Run: ``.venv/bin/python benchmarks/bench_jupyterlab.py [01_circle_toy …]``. Starts JupyterLab
as ``make lab`` does, on a temporary copy of the notebooks (``tests/lab_support.py``, the
helpers of ``tests/serve/test_jupyterlab.py``), and opens each numbered notebook in a fresh
page, runs all cells from the Run menu and waits for every plotly figure to be drawn; where
the notebook's explorer has a slider (``lab_support.NOTEBOOKS``), presses its key ``MOVES``
times (alternating with the opposite key, so the slider stays in range), each timed on the
page clock from the key press to new trace data in the figure. Each notebook's kernel is shut
down before the next one opens.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARTIFACTS, launch_chromium  # noqa: E402
from lab_support import (  # noqa: E402
    NOTEBOOKS,
    cell_errors,
    lab_server,
    move_slider,
    open_notebook,
    run_all_cells,
    screenshot,
    wait_for_figures,
)

MOVES = 6
OPPOSITE = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}


def measure(browser, server, name: str) -> str:
    """One table row for notebook ``name``."""
    explorer = NOTEBOOKS[name]
    root = explorer and explorer.root
    page = open_notebook(browser, server, name)
    try:
        start = time.monotonic()
        cells = run_all_cells(page)
        ran = time.monotonic() - start
        figures = wait_for_figures(page, root)
        drawn = time.monotonic() - start
        moves = []
        for i in range(MOVES if explorer and explorer.slider else 0):
            key = explorer.key if i % 2 == 0 else OPPOSITE[explorer.key]
            moves.append(move_slider(page, dataclasses.replace(explorer, key=key)))
        screenshot(page, root, name)
        assert not cell_errors(page)
    finally:
        page.close()
        server.shut_down_kernels()
    widgets = sum(f["widget"] for f in figures)
    slider = (f"{explorer.slider.removeprefix('ntkviz-')} | {moves[0] * 1e3:.0f} ms | "
              f"{statistics.median(moves) * 1e3:.0f} ms | {max(moves) * 1e3:.0f} ms"
              if moves else "— | — | — | —")
    return (f"| {name} | {cells} | {page.open_seconds:.1f} s | {ran:.1f} s | {drawn:.1f} s | "
            f"{len(figures)} ({widgets}) | {slider} |")


def main(selected: list[str]) -> int:
    import jupyterlab
    from playwright.sync_api import sync_playwright

    # a fresh persistent JAX compilation cache, as on a first run (the notebooks share it)
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ntkviz-bench-cache-")
    names = [n for n in NOTEBOOKS if not selected or n in selected]
    rows, load = [], [os.getloadavg()[0]]
    start = time.monotonic()
    with lab_server(ARTIFACTS / "jupyterlab_bench.log") as server, sync_playwright() as p:
        started = time.monotonic() - start
        browser = launch_chromium(p)
        for name in names:
            rows.append(measure(browser, server, name))
            load.append(os.getloadavg()[0])
            print(rows[-1], flush=True)
        version = browser.version
        browser.close()
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    table = [
        f"Headless Debian Chromium {version} on JupyterLab {jupyterlab.__version__} started as by",
        "`make lab` (temporary copy of the notebooks, the kernels' environment of `ntkviz serve`,",
        "a fresh JAX compilation cache), one notebook at a time, each in a fresh page: open = page",
        "request → kernel idle; Run All = Run → Run All Cells → every cell run and the kernel",
        "idle; figures = Run All → every plotly figure drawn (the explorer's included); slider =",
        "key press on the explorer's slider handle → new trace data in its figure, on the page",
        f"clock ({MOVES} presses alternating with the opposite key: the first is a new setting,",
        "later ones may be cached). Every notebook ran without an error output and drew all its",
        "figures; every slider press changed the explorer's figure.",
        "",
        "| notebook | code cells | open | Run All | figures | plotly figures (in widgets) "
        "| slider | first move | move p50 | move max |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"* server start (port open): {started:.1f} s",
        "* 03: its explorer shows shifts with N = 7 of 14×14 digits, where N ± 1 is refused with a",
        "  message (no slider timed); 07, 08: no explorer; 10: the slider selects an untrained",
        "  setting, which clears the curves (the timed change).",
        f"* machine: {os.cpu_count()} cores shared with other work; 1-minute load average "
        f"{min(load):.1f}–{max(load):.1f} while measured (times vary by ~2× with the load).",
    ]
    if not selected:
        (Path(__file__).parent / "results_jupyterlab.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

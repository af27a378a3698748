"""A visitor's first render with a preheated kernel, by the plotly.js the page loads: plotly's
cartesian bundle (what ``make install`` gives the page) against plotly.py's full bundle
(what a page gets without npm). Writes benchmarks/results_first_render.md.

Run: ``.venv/bin/python benchmarks/bench_first_render.py [--visitors 8]``. One Voila server
started as by ``make dashboard``; one cold visitor first (not counted), then visitors that
alternate between the two bundles, the template's ``static/plotly.min.js`` replaced between
visits (the server reads it at each request; each visitor is a fresh browser context, so no
HTTP cache). The visitors come once the first kernel's warm-up is done, each once Voila's pool
is full again and the machine has been quiet for 5 s (``machine.wait_for_quiet``).
Timed as ``browser_support.open_dashboard``: page request → the first figure drawn; with the
page's load event from the Navigation Timing entry.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARTIFACTS, launch_chromium, open_dashboard, voila_server  # noqa: E402
from machine import speed_probe_ms, wait_for_pool_fills, wait_for_quiet, wait_for_warm_up  # noqa: E402

from ntkviz.serve.template import TEMPLATE, template_root  # noqa: E402
from ntkviz.widgets.plot import CARTESIAN_JS, PLOTLY_JS, plotly_js  # noqa: E402

BUNDLES = {"cartesian bundle (1.5 MB)": CARTESIAN_JS, "full bundle (4.8 MB)": PLOTLY_JS}


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=8, help="timed visitors, alternating")
    args = parser.parse_args()
    if plotly_js() != CARTESIAN_JS:
        print("the cartesian bundle is not installed: run `make install` (npm ci --prefix web)")
        return 1
    from playwright.sync_api import sync_playwright

    static = template_root() / "voila" / "templates" / TEMPLATE / "static" / "plotly.min.js"
    renders = {name: [] for name in BUNDLES}
    loads = {name: [] for name in BUNDLES}
    probes = [speed_probe_ms()]
    try:
        log = ARTIFACTS / "bench_first_render_voila.log"
        with voila_server(log) as url, sync_playwright() as p:
            browser = launch_chromium(p)
            open_dashboard(browser, url).context.close()   # the cold start, not counted
            wait_for_warm_up()
            for visitor in range(args.visitors):
                name = list(BUNDLES)[visitor % 2]
                shutil.copyfile(BUNDLES[name], static)
                wait_for_pool_fills(log, visitor + 2)
                wait_for_quiet()
                page = open_dashboard(browser, url)
                timing = json.loads(page.evaluate(
                    "JSON.stringify(performance.getEntriesByType('navigation')[0].toJSON())"))
                renders[name].append(page.first_render_seconds)
                loads[name].append(timing["loadEventEnd"] / 1e3)
                print(f"{name}: first render {page.first_render_seconds:.2f} s, load event "
                      f"{loads[name][-1]:.2f} s", flush=True)
                page.context.close()
            browser.close()
    finally:
        shutil.copyfile(CARTESIAN_JS, static)
    probes.append(speed_probe_ms())
    rows = ["| plotly.js on the page | visitors | first render, median (min–max) | load event |",
            "|---|---|---|---|"]
    rows += [f"| {name} | {len(renders[name])} | {_summary(renders[name])} | {_summary(loads[name])} |"
             for name in BUNDLES]
    text = "\n".join([
        "A visitor's first render with a preheated kernel (page request → first figure drawn), in",
        "headless Debian Chromium on the Voila dashboard served as by `make dashboard`, by the",
        "plotly.js the page loads; visitors alternate between the two, after the server's warm-up,",
        "each once Voila's pool is full again and the machine has been quiet for 5 s.",
        "",
        *rows,
        "",
        "* The page runs plotly.js before Voila's own scripts can go on (one main thread): the",
        "  load event comes later by the difference in evaluating the two bundles.",
        f"* machine speed probe (`benchmarks/machine.py`, a fixed Python loop) before / after: "
        f"{probes[0]:.0f} / {probes[1]:.0f} ms.",
    ])
    (ROOT / "benchmarks" / "results_first_render.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Slider move → updated figure in the Voila dashboard, in headless Chromium
(writes benchmarks/results_dashboard.md).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py``. Starts Voila exactly as
``make dashboard`` does, opens the page in Debian's Chromium, and for each scenario presses a
slider key ``MOVES`` times; each move is timed on the page's clock from the key press to the
last plotly redraw it caused (``tests/browser_support.timed_move``). Also reports the first
render (page request → first figure drawn) and, per tab, the time to open it.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    ARTIFACTS,
    data_value,
    launch_chromium,
    open_dashboard,
    press,
    select_tab,
    timed_move,
    voila_server,
    wait_for_value,
)
from machine import speed_probe_ms, wait_for_pool_fills, wait_for_quiet, wait_for_warm_up  # noqa: E402

MOVES = 20


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]


def _choose(root: str, css: str, label: str):
    """A setup step: pick ``label`` in the dropdown with class ``css`` under ``root``, then wait
    for the readout's architecture to change."""
    return _then_wait(lambda page: page.locator(f"{root} .{css} select").first.select_option(label=label),
                      "architecture")


def _type(root: str, css: str, value: str, setting: str):
    """A setup step: type ``value`` into the number box with class ``css`` under ``root``, then
    wait for the readout's ``setting`` to change."""
    def step(page):
        box = page.locator(f"{root} .{css} input").first
        box.fill(value)
        box.press("Enter")
    return _then_wait(step, setting)


def _then_wait(step, setting: str):
    def run(page, readout: str):
        spec = readout.split("@")[0] + "@" + setting
        before = data_value(page, spec)
        step(page)
        wait_for_value(page, spec, "v !== a", before, timeout_ms=120_000)
    return run


def _keys(*runs):
    """Key sequence from (key, count) runs, e.g. _keys(("ArrowRight", 4), ("ArrowLeft", 8))."""
    return [key for key, count in runs for _ in range(count)]


def scenarios():
    """(tab title, root CSS, label, slider CSS, keys, readout spec, setup or None)."""
    from ntkviz.experiments.architectures import ARCHITECTURES

    circle, orbit = ".ntkviz-circle-explorer", ".ntkviz-orbit-explorer"
    accuracy, width = ".ntkviz-accuracy-explorer", ".ntkviz-width-explorer"
    equivariant, dynamics = ".ntkviz-equivariant-explorer", ".ntkviz-dynamics-explorer"
    augmentation = ".ntkviz-augmentation-explorer"
    arch = lambda key: _choose(orbit, "ntkviz-architecture", ARCHITECTURES[key].label)  # noqa: E731
    return [
        ("Circle toy model", circle, "circle: δ slider", "ntkviz-delta", _keys(("ArrowRight", MOVES)), "ntkviz-eps", None),
        ("Circle toy model", circle, "circle: N slider (N 8 → 28)", "ntkviz-N", _keys(("ArrowRight", MOVES)), "ntkviz-eps", None),
        ("Circle toy model", circle, "circle: ℓ slider", "ntkviz-length-scale", _keys(("ArrowLeft", MOVES)), "ntkviz-eps", None),
        ("Orbits of two digits", orbit, "orbits, MLP (1 layer), 28×28: N 8 → 28", "ntkviz-N",
         _keys(("ArrowRight", MOVES)), "ntkviz-setting@n", None),
        ("Orbits of two digits", orbit, "orbits, CNN GAP, 14×14: N 28 → 8", "ntkviz-N",
         _keys(("ArrowLeft", MOVES)), "ntkviz-setting@n", arch("cnn_gap")),
        ("Orbits of two digits", orbit, "orbits, C4 group CNN, 14×14: N 8 → 28 (opening pair: shared matrices)",
         "ntkviz-N", _keys(("ArrowRight", MOVES)), "ntkviz-setting@n", arch("gcnn")),
        ("Orbits of two digits", orbit, "orbits, C4 group CNN, 14×14, sample A 1 (computed live): N 28 → 8",
         "ntkviz-N", _keys(("ArrowLeft", MOVES)), "ntkviz-setting@n", _type(orbit, "ntkviz-sample-a", "1", "a")),
        ("Equivariant vs plain", accuracy, "equivariant vs plain: N over its grid", "ntkviz-N",
         _keys(("ArrowRight", 4), ("ArrowLeft", 8), ("ArrowRight", 8)), "ntkviz-setting@n", None),
        ("Finite width", width, "finite width: width over its grid", "ntkviz-width",
         _keys(("ArrowLeft", 5), ("ArrowRight", 7), ("ArrowLeft", 7), ("ArrowRight", 1)), "ntkviz-setting@width", None),
        ("Equivariant kernels", equivariant, "equivariant kernels: n_train over its grid",
         "ntkviz-n-train", _keys(("ArrowLeft", 4), ("ArrowRight", 4), ("ArrowLeft", 4), ("ArrowRight", 4),
                                 ("ArrowLeft", 4)), "ntkviz-setting@nTrain", None),
        ("Training dynamics", dynamics, "training dynamics: time t (closed form + stored networks)",
         "ntkviz-time", _keys(("ArrowRight", 11), ("ArrowLeft", 9)), "ntkviz-setting@t", None),
        ("Training dynamics", dynamics, "training dynamics: width over its grid", "ntkviz-width",
         _keys(("ArrowRight", 1), ("ArrowLeft", 3), ("ArrowRight", 3), ("ArrowLeft", 3), ("ArrowRight", 3),
               ("ArrowLeft", 3), ("ArrowRight", 3), ("ArrowLeft", 1)), "ntkviz-setting@width", None),
        # last: depths 1 and 3 have no shipped runs, so the explorer warms up their training
        # in the background, as it does for a visitor
        ("Augmentation", augmentation, "augmentation: depth 0–3 (stored runs at 0 and 2)", "ntkviz-depth",
         _keys(("ArrowLeft", 2), ("ArrowRight", 3), ("ArrowLeft", 3), ("ArrowRight", 3), ("ArrowLeft", 3),
               ("ArrowRight", 3), ("ArrowLeft", 1), ("ArrowRight", 1), ("ArrowLeft", 1)),
         "ntkviz-setting@depth", None),
    ]


def _time_survey(page) -> float:
    """Seconds from clicking "Run survey" (128 pairs, the orbit tab's setting) to its readout."""
    from ntkviz.experiments.architectures import ARCHITECTURES

    orbit, root = ".ntkviz-orbit-explorer", ".ntkviz-survey-explorer"
    select_tab(page, "Orbits of two digits", f"{orbit} .js-plotly-plot .main-svg")
    if data_value(page, "ntkviz-setting@a") != "3,0":
        _type(orbit, "ntkviz-sample-a", "0", "a")(page, "ntkviz-setting")
    page.locator(f"{orbit} .ntkviz-architecture select").first.select_option(label=ARCHITECTURES["mlp1"].label)
    wait_for_value(page, "ntkviz-setting@architecture", "v === 'mlp1'", timeout_ms=120_000)
    while data_value(page, "ntkviz-setting@n") != "8":
        before = data_value(page, "ntkviz-setting@n")
        press(page, "ntkviz-N", "ArrowLeft" if int(before) > 8 else "ArrowRight")
        wait_for_value(page, "ntkviz-setting@n", "v !== a", before, timeout_ms=120_000)
    select_tab(page, "Pair survey", f"{root} .js-plotly-plot .main-svg")
    t0 = page.evaluate("performance.now()")
    page.locator(f"{root} .ntkviz-run-survey").first.click()
    # (the tab opens on the shipped survey of this setting, so the readout does not change:
    # the progress bar turns from running to done)
    page.wait_for_selector(f"{root} .progress-bar-info", timeout=120_000)
    page.wait_for_selector(f"{root} .progress-bar-success", timeout=300_000)
    return (page.evaluate("performance.now()") - t0) / 1e3


def main() -> int:
    from playwright.sync_api import sync_playwright

    rows, notes = [], []
    probes = [speed_probe_ms()]
    log = ARTIFACTS / "voila_bench.log"
    with voila_server(log) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        cold = open_dashboard(browser, url)
        notes.append(f"first render right after Voila starts (kernel start + dashboard): {cold.first_render_seconds:.1f} s")
        # The first kernel warms up in the background (compiles the orbit kernels and shares the
        # opening pair's kernel matrices: ~40 s of one core) and Voila heats its next kernel;
        # a class is served after that (`ntkviz warm-cache` before the lesson does the warm-up):
        # measure once both are done, as a quiet server would be.
        wait_for_warm_up()
        wait_for_pool_fills(log, 2)   # (the cold visitor's kernel replaced)
        wait_for_quiet()
        page = open_dashboard(browser, url)
        notes.append(f"first render with a preheated kernel waiting: {page.first_render_seconds:.1f} s")
        cold.close()
        wait_for_pool_fills(log, 3)   # (this page's kernel replaced: no heating during the moves)
        wait_for_quiet()
        opened, survey = set(), None
        for title, root, label, slider, keys, readout, setup in scenarios():
            if title == "Augmentation" and survey is None:
                # (before the augmentation tab, which leaves training warm-ups running)
                seconds = _time_survey(page)
                survey = (f"| pair survey, 128 pairs, MLP (1 layer), rotate, N = 8 (button → readout) | 1 | "
                          f"{seconds * 1e3:.0f} ms | — |")
                print(survey, flush=True)
            if title not in opened:
                start = time.monotonic()
                select_tab(page, title, f"{root} .js-plotly-plot .main-svg")
                notes.append(f"open tab “{title}” (builds its explorer): {time.monotonic() - start:.2f} s")
                opened.add(title)
            if setup is not None:
                setup(page, readout)
            times = [timed_move(page, root, lambda k=key: press(page, slider, k), readout) for key in keys]
            p50, p95 = _percentiles(times)
            rows.append(f"| {label} | {len(times)} | {p50 * 1e3:.0f} ms | {p95 * 1e3:.0f} ms |")
            print(rows[-1], flush=True)
        rows.append(survey)
        browser.close()
    probes.append(speed_probe_ms())
    table = [
        "Headless Debian Chromium on the Voila dashboard served as by `make dashboard`; each move",
        "timed on the page clock from the key press to the last plotly redraw it caused (every",
        "move is a setting not computed before in that session, except on the precomputed tabs).",
        "",
        "| control | moves | p50 | p95 |",
        "|---|---|---|---|",
        *rows,
        "",
        *[f"* {n}" for n in notes],
        f"* machine speed probe (`benchmarks/machine.py`, a fixed Python loop) before / after: "
        f"{probes[0]:.0f} / {probes[1]:.0f} ms",
    ]
    (Path(__file__).parent / "results_dashboard.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())

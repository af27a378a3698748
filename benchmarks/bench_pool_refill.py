"""A visitor's first render with a preheated kernel, by when Voila refills its pool: 1 s after
the kernel is taken (Voila's default) against ``POOL_FILL_DELAY`` (what ``ntkviz serve``
sets). Writes benchmarks/results_pool_refill.md.

Run: ``.venv/bin/python benchmarks/bench_pool_refill.py [--visitors 4] [--rounds 2]``. Per round
and delay, a Voila server started as by ``make dashboard`` with only the fill delay changed;
one cold visitor (not counted), then ``--visitors`` visitors, each once the pool is full again
and the machine has been quiet for 5 s (``machine.wait_for_quiet``). Timed as
``browser_support.open_dashboard``: page request → the first figure drawn.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARTIFACTS, free_port, launch_chromium, open_dashboard  # noqa: E402
from machine import speed_probe_ms, wait_for_pool_fills, wait_for_quiet, wait_for_warm_up  # noqa: E402

from ntkviz.serve import command  # noqa: E402


def _serve(delay: float, log: Path):
    """Voila as ``make dashboard`` starts it, refilling its pool ``delay`` s after a take."""
    port = free_port()
    args = [a for a in command.voila_command(port, command.dashboard_path())
            if not a.startswith("--VoilaKernelManager.fill_delay=")]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        process = subprocess.Popen([*args, f"--VoilaKernelManager.fill_delay={delay}"], cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, env=command.voila_environment())
    return process, f"http://127.0.0.1:{port}/"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=4, help="timed visitors per server")
    parser.add_argument("--rounds", type=int, default=2, help="servers per delay, alternating")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    delays = (1, command.POOL_FILL_DELAY)
    renders = {delay: [] for delay in delays}
    probes = [speed_probe_ms()]
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for _ in range(args.rounds):
            for delay in delays:
                log = ARTIFACTS / f"bench_pool_refill_{delay}.log"
                process, url = _serve(delay, log)
                try:
                    wait_for_pool_fills(log, 1)
                    open_dashboard(browser, url).context.close()   # the cold start, not counted
                    wait_for_warm_up()
                    for visitor in range(args.visitors):
                        wait_for_pool_fills(log, visitor + 2)
                        wait_for_quiet()
                        page = open_dashboard(browser, url)
                        renders[delay].append(page.first_render_seconds)
                        print(f"fill delay {delay} s: first render {page.first_render_seconds:.2f} s", flush=True)
                        page.context.close()
                finally:
                    process.terminate()
                    process.wait(timeout=30)
        browser.close()
    probes.append(speed_probe_ms())
    rows = ["| pool refilled | visitors | first render, median (min–max) |", "|---|---|---|"]
    rows += [f"| {delay} s after a kernel is taken{' (Voila default)' if delay == 1 else ' (ntkviz serve)'} | "
             f"{len(times)} | {statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f}) |"
             for delay, times in renders.items()]
    text = "\n".join([
        "A visitor's first render with a preheated kernel (page request → first figure drawn), in",
        "headless Debian Chromium on the Voila dashboard served as by `make dashboard`, by when",
        "Voila starts the kernel that replaces the one the visitor took; servers alternate,",
        f"{args.rounds} per delay, each visitor once the pool is full and the machine quiet.",
        "",
        *rows,
        "",
        "* The replacement kernel imports JAX and executes the dashboard (seconds of a core); started",
        "  1 s after the visitor arrived, it competes with the visitor's page for the 2 cores.",
        f"* machine speed probe (`benchmarks/machine.py`, a fixed Python loop) before / after: "
        f"{probes[0]:.0f} / {probes[1]:.0f} ms.",
    ])
    (ROOT / "benchmarks" / "results_pool_refill.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

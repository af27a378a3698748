"""A Binder visitor's first render and first moves, with the compilation cache binder/postBuild
fills and without it (writes benchmarks/results_binder.md).

Run: ``.venv/bin/python benchmarks/bench_binder.py [--runs 3]``. Builds the Binder environment
once as ``tests/docs/test_binder.py`` does (``tests/binder_support.build``: pip from
``binder/requirements.txt``, then ``binder/postBuild``), then, alternating the two setups, starts
a fresh Jupyter server per run (a fresh kernel, as each Binder visitor gets) and in headless
Debian Chromium times the first render (page request → first figure: kernel start + dashboard),
opening the orbit tab and ``binder_support.FIRST_MOVES`` (click or key press → last figure
redraw, ``browser_support.timed_move``), right after the page appears, as an eager visitor
would. The kernel's XLA programs are counted by ``binder_support.COMPILE_LOG``.

* postBuild cache: the server started through ``binder/start``, as the image starts it now;
* empty cache: the same, with ``JAX_COMPILATION_CACHE_DIR`` an empty folder (no postBuild
  cache): the kernel compiles in its own background warm-up and on the moves;
* before: started without ``binder/start``, as Binder served the dashboard before it existed:
  no persistent cache and OpenBLAS's default threads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from binder_support import (  # noqa: E402
    DASHBOARD_URLPATH,
    add_compile_log,
    build,
    first_moves,
    jupyter_server,
    read_compile_log,
)
from browser_support import free_port, launch_chromium, open_dashboard  # noqa: E402

from ntkviz.serve.client import kernel_pids  # noqa: E402

SETUPS = ("postBuild cache", "empty cache", "before")


def _visit(binder, pristine: Path, folder: Path, setup: str, playwright) -> dict:
    """One visitor on a fresh server set up as ``setup``, the image's cache restored from
    ``pristine``: {"first render": s, <move label>: s, ..., "cpu": s, "compiled": {thread:
    count}, "loaded": count}."""
    env = dict(binder.env)
    if setup == "empty cache":  # binder/start keeps a value already set
        env["JAX_COMPILATION_CACHE_DIR"] = str(folder / "empty-cache")
    # each visitor gets the image's cache as built (kernels add what they compile to it)
    shutil.rmtree(binder.cache_dir)
    shutil.copytree(pristine, binder.cache_dir)
    through_start = setup != "before"
    log = add_compile_log(env, folder)
    port = free_port()
    with jupyter_server(binder, port, folder / "server.log", through_start=through_start,
                        env=env) as server:
        browser = launch_chromium(playwright)
        try:
            page = open_dashboard(browser, f"http://127.0.0.1:{port}/{DASHBOARD_URLPATH}")
            times = {"first render (kernel start + dashboard)": page.first_render_seconds}
            times.update(first_moves(page))
            times["cpu"] = sum(_cpu_seconds(pid) for pid in kernel_pids(server.pid).values())
        finally:
            browser.close()
    records = read_compile_log(log)
    compiled: dict[str, int] = {}
    for record in records:
        if not record["from_cache"]:
            compiled[record["thread"]] = compiled.get(record["thread"], 0) + 1
    times["compiled"] = compiled
    times["loaded"] = sum(r["from_cache"] for r in records)
    return times


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _most(visits: list[dict]) -> dict[str, int]:
    """The most programs each background thread compiled in one of ``visits``."""
    most: dict[str, int] = {}
    for visit in visits:
        for thread, count in visit["compiled"].items():
            if thread != "MainThread":
                most[thread] = max(most.get(thread, 0), count)
    return most


def _code_state(source: Path) -> str:
    """The commit of the work tree ``source``, and whether the tree differed from it."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=source, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "no commit"
    return f"{head}" + (" with uncommitted changes" if git("status", "--porcelain") else "")


def _cell(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="visitors per setup (default 3)")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="git work tree to build from (default: this repository's)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    if not (args.source / "binder" / "postBuild").is_file():
        parser.error(f"--source must be a work tree of this project, got {args.source}")
    from playwright.sync_api import sync_playwright

    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="ntkviz-bench-binder-") as tmp:
        start = time.monotonic()
        binder = build(Path(tmp), args.source)
        build_seconds = time.monotonic() - start
        warm_cache = [line.strip() for line in binder.log.read_text().splitlines()
                      if line.startswith(("Compiled ", "  orbit kernels"))]
        pristine = Path(tmp) / "cache-as-built"
        shutil.copytree(binder.cache_dir, pristine)
        entries = list(binder.cache_dir.glob("*-cache"))
        cache = f"{len(entries)} programs, {sum(f.stat().st_size for f in entries) / 2**20:.1f} MB"
        results: dict[str, list[dict]] = {name: [] for name in SETUPS}
        with sync_playwright() as p:
            for run in range(args.runs):
                for name in SETUPS:
                    folder = Path(tmp) / f"run-{run}-{name.replace(' ', '-')}"
                    folder.mkdir()
                    results[name].append(_visit(binder, pristine, folder, name, p))
                    load.append(os.getloadavg()[0])
                    print(name, {k: v if isinstance(v, (dict, int)) else round(v, 2)
                                 for k, v in results[name][-1].items()}, flush=True)
    labels = [k for k in results[SETUPS[0]][0] if k not in ("compiled", "loaded", "cpu")]
    names = list(SETUPS)
    rows = [f"| {label} | " + " | ".join(_cell([r[label] for r in results[n]]) for n in names) + " |"
            for label in labels]
    moves = labels[2:]
    rows.append("| the six moves, summed | " + " | ".join(
        _cell([sum(r[m] for m in moves) for r in results[n]]) for n in names) + " |")
    rows.append("| CPU time of the kernel, from its start to the last move | " + " | ".join(
        _cell([r["cpu"] for r in results[n]]) for n in names) + " |")

    def programs(n: str, thread: str | None) -> str:
        counts = [sum(c for t, c in r["compiled"].items() if thread is None or t == thread)
                  for r in results[n]]
        return "–".join(map(str, sorted({min(counts), max(counts)})))

    rows.append("| XLA programs compiled on the interactive path (kernel main thread) | " +
                " | ".join(programs(n, "MainThread") for n in names) + " |")
    rows.append("| XLA programs compiled in all (background threads included) | " +
                " | ".join(programs(n, None) for n in names) + " |")
    rows.append("| XLA programs loaded from the persistent cache | " + " | ".join(
        "–".join(map(str, sorted({min(c), max(c)}))) for c in
        ([r["loaded"] for r in results[n]] for n in names)) + " |")
    table = [
        "A Binder visitor's first render and first moves on the orbit tab, in headless Debian",
        "Chromium, on the environment built from `binder/` as repo2docker builds it",
        "(`tests/binder_support.py`); a fresh Jupyter server and kernel per visitor, the three setups",
        f"alternating, {args.runs} visitors each: median (min–max). Each move is timed from the click",
        "or key press to the last figure redraw it caused, made at once after the page appeared.",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        *rows,
        "",
        "* postBuild cache: the server started through `binder/start`, which gives kernels the",
        "  compilation cache `ntkviz warm-cache` filled in postBuild (marked as warmed up, so the",
        "  kernel runs no warm-up of its own) and one BLAS thread; empty cache: the same with an",
        "  empty cache folder, so the kernel compiles in its background warm-up and",
        "  on the moves; before: the server started as before `binder/start` existed (no",
        "  persistent cache, OpenBLAS's default threads), the kernel compiling as with an empty",
        "  cache.",
        f"* build: {build_seconds:.0f} s in all (" + ", ".join(
            f"{k} {v:.0f} s" for k, v in binder.step_seconds.items()) + f"); the cache in the image: "
        f"{cache}.",
        *[f"  `ntkviz warm-cache`: {line}" for line in warm_cache],
        "* compiled outside the main thread (most in a visit, by thread): " + "; ".join(
            f"{n}: " + (", ".join(f"{t} {c}" for t, c in _most(results[n]).items()) or "none")
            for n in names) + ".",
        f"* code: {_code_state(args.source)}.",
        f"* machine: 2 cores shared with other work; 1-minute load average {min(load):.1f}–"
        f"{max(load):.1f} during the run, so single moves are noisy.",
    ]
    (Path(__file__).parent / "results_binder.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A class of students on one Voila server: kernel start, slider response under load,
memory per session → benchmarks/results_classroom.md.

Voila is started exactly as ``ntkviz serve`` starts it (``ntkviz.serve.voila_command``, default
limits unless given) on a free loopback port. ``--sessions`` visitors (default 30) open the
dashboard at the same moment (or spread over ``--arrival-seconds``), each a
``ntkviz.serve.DashboardSession``: it requests the page, connects the kernel websocket as the
page does, reads the widget states and moves the circle
explorer's δ slider by sending widget updates, timing until the last widget update the move
caused (the figure's). One real Chromium page then opens the dashboard on the loaded server and
moves the same slider. Then one session opens every tab, for the peak memory of a kernel.

    python benchmarks/bench_classroom.py [--sessions 30] [--moves 8] [--max-kernels 40]
        [--arrival-seconds 120]   # arrivals spread over two minutes instead of all at once
        [--class-size 30]         # that many pages rendered ahead (ntkviz serve --class-size)
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import free_port  # noqa: E402

from ntkviz import serve  # noqa: E402
from ntkviz.serve import DashboardSession, PageRefused, kernel_pids  # noqa: E402

OUT = Path(__file__).resolve().parent / "results_classroom.md"


def _status(pid: int, key: str) -> float:
    """A ``/proc/<pid>/status`` memory field in MB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _used_mb() -> float:
    info = {line.split(":")[0]: int(line.split()[1]) for line in
            Path("/proc/meminfo").read_text().splitlines()}
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


def _pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


async def _tour(session: DashboardSession) -> float:
    """Open every tab of the dashboard (the kernel builds each explorer); seconds taken."""
    tab = session.find("ntkviz-dashboard")
    count = len(session.states[tab]["state"]["children"])
    start = time.monotonic()
    for index in range(1, count):
        await session.move(tab, index, set(session.states) | {tab}, timeout=240, settle=3.0,
                           trait="selected_index")
    return time.monotonic() - start


def _chromium_check(url: str) -> str:
    from browser_support import launch_chromium, open_dashboard, press, timed_move
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = open_dashboard(browser, url)
            first = page.first_render_seconds
            root = ".ntkviz-circle-explorer"
            readout = "ntkviz-eps"
            move = timed_move(page, root, lambda: press(page, "ntkviz-delta", "ArrowRight"), readout)
            return f"first render {first:.1f} s, δ move → figures redrawn {1e3 * move:.0f} ms"
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--moves", type=int, default=8)
    parser.add_argument("--arrival-seconds", type=float, default=0.0,
                        help="spread the arrivals evenly over this many seconds (0: all at once)")
    parser.add_argument("--class-size", type=int, default=serve.CLASS_SIZE)
    parser.add_argument("--max-kernels", type=int, default=None,
                        help="default: as ntkviz serve (25, or the class size + 1 if larger)")
    parser.add_argument("--kernel-memory-mb", type=int, default=serve.KERNEL_MEMORY_MB)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    if args.max_kernels is None:
        args.max_kernels = serve.command.default_max_kernels(args.class_size)

    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    used_before = _used_mb()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = ROOT / "tests" / "artifacts" / "bench_classroom.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = serve.voila_command(port, serve.dashboard_path(), class_size=args.class_size,
                                  max_kernels=args.max_kernels,
                                  kernel_memory_mb=args.kernel_memory_mb)
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  env=serve.voila_environment())
    import socket

    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            break
        except OSError:
            time.sleep(0.5)
    # Let the pool of preheated kernels fill (as before a lesson) so the numbers are those of a
    # class arriving at a ready server.
    pool_start = time.monotonic()
    deadline = pool_start + 180 + 20 * args.class_size
    ready = serve.classroom.READY_MESSAGE % args.class_size
    while time.monotonic() < deadline and ready not in log_path.read_text():
        time.sleep(1)
    pool_seconds = time.monotonic() - pool_start
    pool_rss = [_status(p, "VmRSS") for p in kernel_pids(server.pid).values()]
    pool_used = _used_mb()
    time.sleep(5)
    try:
        async def scenario():
            gate = asyncio.Event()
            start = time.monotonic()
            opened = []

            async def visitor(i):
                await asyncio.sleep(i * args.arrival_seconds / args.sessions)
                try:
                    session = await DashboardSession.open(url, timeout=900)
                except PageRefused as refused:
                    return {"refused": refused.status}
                opened.append(session)
                await gate.wait()
                slider = session.find("ntkviz-delta")
                watch = set(session.states) - {slider}
                times = []
                current = session.states[slider]["state"].get("value")
                for k in range(args.moves):
                    value = round(0.3 + 0.05 * ((i + 7 * k) % 40), 2)
                    if value == current:  # no change, no update: it would only time out
                        value = round(value + 0.05, 2)
                    current = value
                    try:
                        times.append(await session.move(slider, value, watch, timeout=300))
                    except (TimeoutError, ConnectionError):   # counted, not fatal
                        times.append(float("inf"))
                    await asyncio.sleep(0.5)
                return {"session": session, "moves": times}

            tasks = [asyncio.ensure_future(visitor(i)) for i in range(args.sessions)]
            while len(opened) + sum(1 for t in tasks if t.done()) < args.sessions:
                await asyncio.sleep(0.2)
            all_open = time.monotonic() - start
            pids = kernel_pids(server.pid)
            rss_open = {k: _status(p, "VmRSS") for k, p in pids.items()}
            used_open = _used_mb()
            gate.set()
            results = await asyncio.gather(*tasks)
            pids = kernel_pids(server.pid)
            rss_after = {k: _status(p, "VmRSS") for k, p in pids.items()}
            peak_after = {k: _status(p, "VmHWM") for k, p in pids.items()}
            used_after = _used_mb()
            sessions = [r["session"] for r in results if "session" in r]
            tour = None
            if sessions:
                tour_session = sessions[0]
                try:
                    tour_seconds = await asyncio.wait_for(_tour(tour_session), 240)
                except (TimeoutError, ConnectionError, asyncio.TimeoutError) as error:
                    print("tour failed:", error, flush=True)
                    tour_seconds = float("nan")
                tour_pid = kernel_pids(server.pid).get(tour_session.kernel_id)
                tour = (tour_seconds, _status(tour_pid, "VmRSS") if tour_pid else 0.0,
                        _status(tour_pid, "VmHWM") if tour_pid else 0.0)
            return dict(results=results, all_open=all_open, rss_open=rss_open,
                        used_open=used_open, rss_after=rss_after, peak_after=peak_after,
                        used_after=used_after, sessions=sessions, tour=tour)

        loop = asyncio.new_event_loop()
        data = loop.run_until_complete(scenario())
        uptime_loaded = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        browser = "not run"
        if not args.no_browser:
            try:
                browser = _chromium_check(url)
            except Exception as error:   # reported, not hidden
                browser = f"FAILED: {error!r}"[:300]
        server_rss = _status(server.pid, "VmRSS")
        server_peak = _status(server.pid, "VmHWM")
        async def close_all():
            await asyncio.gather(*(s.close() for s in data["sessions"]))

        loop.run_until_complete(close_all())
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()

    results = data["results"]
    opened = [r["session"] for r in results if "session" in r]
    refused = [r for r in results if "refused" in r]
    page = [s.page_seconds for s in opened]
    ready = [s.ready_seconds for s in opened]
    moves = [t for r in results if "moves" in r for t in r["moves"]]
    rss_open = list(data["rss_open"].values())
    rss_after = list(data["rss_after"].values())
    peaks = list(data["peak_after"].values())
    n_kernels = len(rss_after)

    def row(name, values, unit="s", scale=1.0, digits=1):
        f = f"{{:.{digits}f}}"
        return (f"| {name} | {f.format(scale * _pct(values, 50))} {unit} | "
                f"{f.format(scale * _pct(values, 95))} {unit} | {f.format(scale * max(values))} {unit} |")

    arrival = ("at the same moment" if not args.arrival_seconds else
               f"one every {args.arrival_seconds / args.sessions:.1f} s (over {args.arrival_seconds:g} s)")
    lines = [
        f"{args.sessions} visitors open the dashboard {arrival} on one Voila server started as "
        f"`ntkviz serve` starts it (loopback, `--class-size {args.class_size}`: "
        f"{args.class_size} page(s) rendered ahead in preheated kernels, `--max-kernels "
        f"{args.max_kernels}`, `--kernel-memory-mb {args.kernel_memory_mb}`), each through "
        "`ntkviz.serve.DashboardSession` (page request, kernel websocket with the browser's "
        f"v1 protocol, widget states, δ-slider updates); then every session moves δ {args.moves} "
        "times (0.5 s apart), all at once. Machine: 2 cores, "
        f"{round(int(Path('/proc/meminfo').read_text().split()[1]) / 2**20)} GB.",
        "",
        f"* before: `{uptime_before}`; under load: `{uptime_loaded}`",
        f"* before the class: {len(pool_rss)} pages rendered ahead in {pool_seconds:.0f} s, "
        f"each kernel {_pct(pool_rss, 50):.0f} MB resident (p50; max {max(pool_rss, default=0):.0f}"
        f" MB), machine memory in use {pool_used - used_before:+.0f} MB",
        f"* sessions opened: {len(opened)} of {args.sessions} ({len(refused)} refused with 503); "
        f"all open after {data['all_open']:.0f} s from the first arrival",
        "",
        "| measure | p50 | p95 | max |",
        "|---|---|---|---|",
        row("page request → page complete (kernel started, notebook run)", page),
        row("page request → kernel ready (widget states over the websocket)", ready),
        row("δ slider move → last widget update (figure), all sessions moving", moves, "ms", 1e3, 0),
        row("kernel resident memory, all sessions open", rss_open, "MB", 1, 0),
        row("kernel resident memory after the moves", rss_after, "MB", 1, 0),
        row("kernel peak resident memory (VmHWM) after the moves", peaks, "MB", 1, 0),
        "",
        f"* kernel processes: {n_kernels} (sessions + preheated kernels); their resident "
        f"memory in total {sum(rss_after):.0f} MB",
        f"* Voila server process: {server_rss:.0f} MB resident (peak {server_peak:.0f} MB)",
        f"* machine memory in use: {data['used_open'] - used_before:+.0f} MB with all sessions open, "
        f"{data['used_after'] - used_before:+.0f} MB after the moves "
        f"(before the server: {used_before:.0f} MB)",
        f"* one real Chromium page on the loaded server: {browser}",
    ]
    if data["tour"]:
        seconds, rss, peak = data["tour"]
        lines.append(f"* one session then opened every tab ({seconds:.0f} s under this load): its "
                     f"kernel {rss:.0f} MB resident, peak {peak:.0f} MB")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

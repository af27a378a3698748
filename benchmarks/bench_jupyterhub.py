"""Students logging in to the local course hub together: time to a rendered dashboard, memory
and CPU per student → benchmarks/results_jupyterhub.md.

The hub is ``deploy/jupyterhub/jupyterhub_config.py`` with its default limits, on free loopback
ports with a fresh state folder and a fresh JAX compilation cache (``tests/hub_support.py``,
as the test starts it). ``--students`` students (default 3) log in at the same moment through
the hub's login page, each in a Chromium context of their own, and are timed from the click on
"Sign in" to the dashboard's first figure (the hub starts their server, which opens on the
dashboard). Then, with their pages open, the resident memory and CPU time of each student's
Jupyter server and dashboard kernel are read from ``/proc``. A second group of students does
the same once the compilation cache is warm. Last, one server is started and never visited.

    python benchmarks/bench_jupyterhub.py [--students 3] [--groups 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
# a fresh compilation cache: the first group arrives as on a new machine
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ntkviz-bench-hub-cache-")

from browser_support import ARTIFACTS  # noqa: E402
from hub_support import course_hub, launch_chromium, student_opens_dashboard  # noqa: E402

from ntkviz.serve import command, singleuser  # noqa: E402
from ntkviz.serve import process as serve_process  # noqa: E402

OUT = Path(__file__).resolve().parent / "results_jupyterhub.md"
_TICK = os.sysconf("SC_CLK_TCK")


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _measure(hub, user: str) -> dict:
    """Memory (MB) and CPU seconds of ``user``'s server and its dashboard kernel."""
    server = hub.server(user)["state"]["pid"]
    kernels = [pid for pid, argv in serve_process.children(server).items()
               if b"ntkviz.serve.launcher" in argv]
    assert len(kernels) == 1, f"{user}: kernels {kernels}"
    kernel = kernels[0]
    return {"server_mb": _status_mb(server, "VmRSS"), "kernel_mb": _status_mb(kernel, "VmRSS"),
            "kernel_peak_mb": _status_mb(kernel, "VmHWM"),
            "server_peak_mb": _status_mb(server, "VmHWM"),
            "cpu_s": _cpu_seconds(server) + _cpu_seconds(kernel)}


def _session_pids(hub, user: str) -> list[int]:
    server = hub.server(user)["state"]["pid"]
    return [server, *serve_process.children(server)]


async def _settle(hub, students: list[str], quiet: float = 0.05, limit: float = 240) -> float:
    """Wait until the students' servers and kernels are idle (less than ``quiet`` s of CPU per
    second, three seconds in a row): the dashboards' background work is done. Seconds waited."""
    start, calm = time.monotonic(), 0
    pids = [pid for s in students for pid in _session_pids(hub, s)]
    before = sum(map(_cpu_seconds, pids))
    while calm < 3 and time.monotonic() - start < limit:
        await asyncio.sleep(1)
        now = sum(map(_cpu_seconds, pids))
        calm = calm + 1 if now - before < quiet * len(students) else 0
        before = now
    return time.monotonic() - start


async def _group(hub, students: list[str]) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            opened = await asyncio.gather(*(student_opens_dashboard(browser, hub.url, s)
                                            for s in students))
            settled = await _settle(hub, students)
            found = []
            for student, result in zip(students, opened):
                found.append({"user": student, "seconds": result["seconds"],
                              "server_seconds": result["server_seconds"],
                              "settled": settled, **_measure(hub, student)})
            return found
        finally:
            await browser.close()


def _row(label: str, values: list[float], unit: str, digits: int = 0) -> str:
    show = lambda v: f"{v:.{digits}f} {unit}"  # noqa: E731
    return (f"| {label} | {show(statistics.median(values))} | {show(min(values))} | "
            f"{show(max(values))} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--groups", type=int, default=2)
    args = parser.parse_args(argv)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    groups = []
    with tempfile.TemporaryDirectory(prefix="ntkviz-bench-hub-") as folder:
        with course_hub(Path(folder), ARTIFACTS / "bench_jupyterhub.log") as hub:
            for g in range(args.groups):
                students = [f"student{g}{i}" for i in range(args.students)]
                for student in students:
                    hub.api("POST", f"/users/{student}")
                groups.append(asyncio.run(_group(hub, students)))
                print(f"group {g + 1}:", [round(s["seconds"], 1) for s in groups[-1]], flush=True)
            uptime_loaded = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
            hub.api("POST", "/users/alone")
            alone = asyncio.run(_group(hub, ["alone"]))[0]
            idle = hub.spawn("unvisited")["state"]["pid"]
            time.sleep(3)
            idle_mb = _status_mb(idle, "VmRSS")
            infrastructure = {argv[0].rsplit("/", 1)[-1] + " " + " ".join(argv[1:3]):
                              _status_mb(pid, "VmRSS") for pid, argv in hub.processes().items()
                              if "singleuser" not in " ".join(argv)
                              and "launcher" not in " ".join(argv)}
            hub_mb = _status_mb(hub.process.pid, "VmRSS")
    later = [s for group in groups[1:] for s in group] or groups[0]
    session = lambda s: s["server_mb"] + s["kernel_mb"]  # noqa: E731
    peak = lambda s: s["server_peak_mb"] + s["kernel_peak_mb"]  # noqa: E731
    proxy_mb = sum(mb for name, mb in infrastructure.items() if "configurable-http-proxy" in name)
    culler_mb = sum(mb for name, mb in infrastructure.items() if "idle_culler" in name)
    cores, memory = os.cpu_count(), _status_mb_total()
    lines = [
        f"The local course hub (`deploy/jupyterhub`, `make hub`) with its default limits "
        f"({singleuser.MAX_KERNELS} kernels per student, {command.KERNEL_MEMORY_MB} MB per "
        f"kernel), on loopback; {args.groups} groups of {args.students} students, one group after "
        "the other, each logging in at the same moment through the hub's login page in headless "
        "Chromium (`benchmarks/bench_jupyterhub.py`, the harness of "
        "`tests/serve/test_jupyterhub.py`). Timed from the click on \"Sign in\" to the browser "
        "reaching the student's own server (the hub started it) and to the dashboard's first "
        "figure (the server's Voila ran the dashboard in a new kernel). The first group finds "
        "an empty JAX compilation cache: one of its kernels compiles the orbit kernels in the "
        "background for everyone (the warm-up; ~30 s of CPU), the others load them. Memory and "
        "CPU are read from `/proc` with the pages open, once the group's servers and kernels are "
        "idle (the dashboard builds its other tabs in the background), before the next group "
        "logs in. Last, one student logs in alone. The browsers "
        "run on the same cores as the hub here (in class, each runs on a student's computer): "
        "Chromium drawing the dashboard takes a good part of the time to the first figure. "
        f"Machine: {cores} cores, {memory / 1024:.0f} GB.",
        "",
        f"* before: `{uptime_before}`; after the groups: `{uptime_loaded}`",
        "",
        "| measure | p50 | min | max |",
        "|---|---|---|---|",
    ]
    for g, group in enumerate(groups):
        label = f"group {g + 1} ({'empty' if g == 0 else 'warm'} cache)"
        lines += [
            _row(f"{label}: login → own server", [s["server_seconds"] for s in group], "s", 1),
            _row(f"{label}: login → first figure", [s["seconds"] for s in group], "s", 1),
            _row(f"{label}: session (server + kernel) resident", [session(s) for s in group], "MB"),
            _row(f"{label}: CPU time of the session, server start included",
                 [s["cpu_s"] for s in group], "s", 1),
        ]
    lines += [
        _row("one student alone (warm cache): login → own server", [alone["server_seconds"]],
             "s", 1),
        _row("one student alone (warm cache): login → first figure", [alone["seconds"]], "s", 1),
        _row("after the last figure: the group's sessions idle again",
             [group[0]["settled"] for group in groups], "s", 0),
        _row("student's Jupyter server, resident (all groups)",
             [s["server_mb"] for group in groups for s in group], "MB"),
        _row("dashboard kernel, resident (groups after the first)",
             [s["kernel_mb"] for s in later], "MB"),
        _row("session, peak resident (VmHWM of both; groups after the first)",
             [peak(s) for s in later], "MB"),
        "",
        f"Per-student session with the dashboard drawn: **{max(map(session, later)):.0f} MB** "
        f"resident (the largest of the {len(later)} students arriving at a warm cache: server "
        f"{max(s['server_mb'] for s in later):.0f} MB, kernel "
        f"{max(s['kernel_mb'] for s in later):.0f} MB at most; peak "
        f"{max(map(peak, later)):.0f} MB). The first group's sessions: "
        f"{min(map(session, groups[0])):.0f}–{max(map(session, groups[0])):.0f} MB (one of them "
        "also compiled the orbit kernels for everyone).",
        "",
        f"* a server started and never visited (no kernel): {idle_mb:.0f} MB",
        f"* the hub: {hub_mb:.0f} MB; configurable-http-proxy {proxy_mb:.0f} MB; the idle culler "
        f"{culler_mb:.0f} MB",
        "",
    ]
    text = "\n".join(lines)
    OUT.write_text(text)
    print(text)
    return 0


def _status_mb_total() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    sys.exit(main())

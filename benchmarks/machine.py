"""The state of the machine around a browser benchmark: a speed probe, a wait for quiet, a wait
for the served kernels' warm-up.

The test machine is a 2-core virtual machine whose speed changes between runs (measured on
one day: ``speed_probe_ms`` 86-160 ms, one plotly redraw of the circle figure in an empty page
56 ms at one hour and 86-88 ms at another); the browser benchmarks print
``speed_probe_ms()`` with their results, so that runs taken at different speeds can be told
apart, and visit a server only once it is quiet (``wait_for_quiet``), never while the server's
background work (the warm-up of its first kernel, the next preheated kernel) still runs.
"""

from __future__ import annotations

import statistics
import time

__all__ = ["speed_probe_ms", "wait_for_pool_fills", "wait_for_quiet", "wait_for_warm_up"]


def speed_probe_ms(repeats: int = 5) -> float:
    """Median milliseconds of a fixed pure-Python loop (one core; about 90 ms at a fast hour)."""
    def once() -> float:
        start = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i
        return time.perf_counter() - start
    return statistics.median(once() for _ in range(repeats)) * 1e3


def _cpu_times() -> tuple[int, int]:
    """(all, idle) jiffies of every core since boot (Linux ``/proc/stat``)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[3] + values[4]


def wait_for_quiet(seconds: int = 5, busy_below: float = 0.1, timeout: float = 180.0) -> float:
    """Wait until the machine's cores were less than ``busy_below`` busy for ``seconds``
    seconds in a row (or ``timeout`` passed); returns the seconds waited."""
    start = time.monotonic()
    calm = 0
    while calm < seconds and time.monotonic() - start < timeout:
        before = _cpu_times()
        time.sleep(1)
        after = _cpu_times()
        busy = 1 - (after[1] - before[1]) / max(after[0] - before[0], 1)
        calm = calm + 1 if busy < busy_below else 0
    return time.monotonic() - start


def wait_for_warm_up(timeout: float = 300.0) -> None:
    """Until the served kernels' warm-up has marked their compilation cache as done."""
    from ntkviz.serve import command
    from ntkviz.widgets import dashboard

    marker = dashboard.warmed_up_marker(command.jax_cache_dir())
    deadline = time.monotonic() + timeout
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(1)
    if not marker.exists():
        print(f"(the warm-up did not finish within {timeout:.0f} s: {marker.name} is missing; "
              "measuring anyway)", flush=True)


def wait_for_pool_fills(log, count: int, timeout: float = 300.0) -> None:
    """Until Voila's log ``log`` says ``count`` times that its pool of preheated kernels is full
    (once at the start, then once after each visitor took a kernel and it was replaced)."""
    from pathlib import Path

    deadline = time.monotonic() + timeout
    while Path(log).read_text(errors="replace").count("Kernel pool of") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"Voila's pool was not filled {count} times within {timeout:.0f} s; see {log}")
        time.sleep(1)

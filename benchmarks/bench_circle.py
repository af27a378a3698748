"""Time the circle explorer (writes benchmarks/results_circle.md).

Run: ``.venv/bin/python benchmarks/bench_circle.py``. Three measurements per slider:

* core: ``circle_state`` plus both ε sweeps at a setting never seen before (caches cleared);
* explorer: ``CircleExplorer.set`` — core plus rebuilding and swapping every figure trace —
  as a slider move does it in the kernel (without the browser round trip);
each over 40 distinct moves, median and 95th percentile.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from ntkviz.experiments import circle
from ntkviz.widgets import CircleExplorer

ROOT = Path(__file__).resolve().parents[1]
MOVES = 40


def clear_caches() -> None:
    for name in dir(circle):
        cache_clear = getattr(getattr(circle, name), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1e3, ordered[int(0.95 * (len(ordered) - 1))] * 1e3


def moves(name: str) -> list[dict]:
    if name == "δ":
        return [{"delta": float(d)} for d in np.linspace(0.05, 3.0, MOVES)]
    if name == "N":
        return [{"N": int(n)} for n in np.linspace(2, 64, MOVES).round()]
    return [{"length_scale": float(l)} for l in np.geomspace(0.06, 4.9, MOVES)]


def main() -> None:
    rows = []
    for name in ("δ", "N", "ℓ"):
        explorer = CircleExplorer()
        core, full = [], []
        for move in moves(name):
            setting = {"N": explorer.state.N, "delta": explorer.state.delta,
                       "length_scale": explorer.state.length_scale} | move
            clear_caches()
            start = time.perf_counter()
            explorer.compute(**setting)   # circle_state and both ε sweeps
            core.append(time.perf_counter() - start)
            clear_caches()
            start = time.perf_counter()
            assert explorer.set(**move)
            full.append(time.perf_counter() - start)
        for label, times in (("core (state + sweeps)", core), ("explorer.set (core + figures)", full)):
            p50, p95 = percentiles(times)
            rows.append(f"| {name} slider | {label} | {p50:.1f} ms | {p95:.1f} ms |")
            print(rows[-1], flush=True)
    header = ["| control | what is timed | p50 | p95 |", "|---|---|---|---|"]
    (ROOT / "benchmarks" / "results_circle.md").write_text("\n".join(header + rows) + "\n")


if __name__ == "__main__":
    main()

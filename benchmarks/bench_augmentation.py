"""Time the augmentation explorer and its training (writes benchmarks/results_augmentation.md).

Run: ``.venv/bin/python benchmarks/bench_augmentation.py`` (once; ~1 min on 2 shared cores).

* explorer: construction (plotly's FigureWidget import excluded: a first explorer is built
  before timing) and ``AugmentationExplorer.set`` moves between shipped settings (strategy,
  initialisation, group, depth) and to an untrained setting (learning rate) — the redraw a
  control move costs in the kernel, without the browser round trip; median and 95th percentile;
* training (float64, plain GD, default sizes: 500 digits, 60 epochs of 5 steps): runs whose
  network shape is new (compile + train); ``warm_up`` of another shape (what the explorer runs
  in a background thread) and runs of that shape afterwards; the time until the first epoch is
  streamed, and per epoch.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from ntkviz.experiments import augmentation as aug
from ntkviz.widgets import AugmentationExplorer

ROOT = Path(__file__).resolve().parents[1]


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1e3, ordered[int(0.95 * (len(ordered) - 1))] * 1e3


def main() -> None:
    rows = []
    AugmentationExplorer()                                 # imports plotly's FigureWidget
    start = time.perf_counter()
    explorer = AugmentationExplorer()
    build = time.perf_counter() - start
    rows.append(f"| explorer | construction (shipped runs drawn) | {build * 1e3:.0f} ms | |")

    moves = {
        "strategy / init": [dict(strategy=s, init=i) for s, i in
                            [("nominal", "generic"), ("augmented", "equivariant"),
                             ("equivariant", "equivariant"), ("nominal", "equivariant"),
                             ("augmented", "generic")] * 4],
        "group / depth": [dict(action=a, depth=d) for a, d in
                          [("shift", 2), ("shift", 0), ("rot90", 0), ("rot90", 2)] * 5],
        "learning rate (untrained)": [dict(learning_rate=lr) for lr in
                                      [0.03, 0.05, 0.2, 0.3, 0.1] * 4],
    }
    for name, settings in moves.items():
        times = []
        for setting in settings:
            start = time.perf_counter()
            assert explorer.set(**setting)
            times.append(time.perf_counter() - start)
        p50, p95 = percentiles(times)
        rows.append(f"| explorer.set | {name} | {p50:.1f} ms | {p95:.1f} ms |")
        print(rows[-1], flush=True)

    def timed_train(config):
        first = []
        start = time.perf_counter()
        run = aug.train(config, callback=lambda r: first.append(time.perf_counter())
                        if not first else None)
        assert run.complete
        total = time.perf_counter() - start
        return total, first[0] - start, (total - (first[0] - start)) / (config.epochs - 1)

    slots = (("augmented", "equivariant"), ("nominal", "generic"), ("equivariant", "equivariant"))
    for strategy, init in slots:                  # depth 3: a shape nobody compiled yet
        config = aug.AugmentConfig(strategy=strategy, init=init, learning_rate=0.03, depth=3)
        total, first, per_epoch = timed_train(config)
        rows.append(f"| train {strategy}, {init} init (depth 3, 60 epochs) | new shape: compile "
                    f"+ train | {total * 1e3:.0f} ms | first epoch after {first * 1e3:.0f} ms; "
                    f"{per_epoch * 1e3:.1f} ms/epoch |")
        print(rows[-1], flush=True)
    start = time.perf_counter()
    aug.warm_up(aug.AugmentConfig(depth=1))      # what the explorer does in the background
    rows.append(f"| warm_up (depth 1, three strategies) | background compile | "
                f"{(time.perf_counter() - start) * 1e3:.0f} ms | |")
    print(rows[-1], flush=True)
    for strategy, init in slots:
        config = aug.AugmentConfig(strategy=strategy, init=init, learning_rate=0.03, depth=1)
        total, first, per_epoch = timed_train(config)
        rows.append(f"| train {strategy}, {init} init (depth 1, 60 epochs) | after warm_up | "
                    f"{total * 1e3:.0f} ms | first epoch after {first * 1e3:.0f} ms; "
                    f"{per_epoch * 1e3:.1f} ms/epoch |")
        print(rows[-1], flush=True)

    header = ["| what | setting | time (p50) | p95 / notes |", "|---|---|---|---|"]
    notes = ["", "Depths 1 and 3 are not shipped, so every run above is really trained; the first run",
             "of a strategy at a new network shape compiles (one jitted epoch, one metrics function).",
             "Regenerating data/results/augmentation.npz (20 runs, 12 compilations) took ~65 s.",
             f"Load average while measured (2 cores shared): {os.getloadavg()[0]:.1f}; timings",
             "vary by ~2× with the load of the other users."]
    (ROOT / "benchmarks" / "results_augmentation.md").write_text("\n".join(header + rows + notes) + "\n")


if __name__ == "__main__":
    main()

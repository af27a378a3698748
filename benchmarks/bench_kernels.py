"""Time the analytic kernels on bundled MNIST digits (writes benchmarks/results_kernels.md).

Run: ``.venv/bin/python benchmarks/bench_kernels.py``. Each row is the median wall time of
``kernel.nngp_ntk(x)`` (the full Gram matrix, ``x2=None``) after one warm-up call that
compiles; the first-call time (compile included) is reported separately.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from ntkviz import datasets, kernels

ROOT = Path(__file__).resolve().parents[1]


def digits(n: int, side: int) -> np.ndarray:
    images, _ = datasets.load_mnist()
    x = images[:n].astype(np.float64) / 255.0
    if side == 14:
        x = datasets.pool2(x)
    return datasets.normalize(x)[..., None]


CASES = [
    ("MLP depth 1", kernels.mlp(depth=1), 64, 28, 20),
    ("MLP depth 5", kernels.mlp(depth=5), 256, 28, 20),
    ("CNN flatten depth 1", kernels.cnn(depth=1, readout="flatten"), 64, 28, 7),
    ("CNN flatten depth 2", kernels.cnn(depth=2, readout="flatten"), 64, 28, 5),
    ("CNN GAP depth 1", kernels.cnn(depth=1, readout="gap"), 16, 28, 3),
    ("CNN GAP depth 1", kernels.cnn(depth=1, readout="gap"), 32, 14, 5),
    ("CNN GAP depth 2", kernels.cnn(depth=2, readout="gap"), 16, 14, 5),
    ("C4 group CNN depth 1", kernels.gcnn(depth=1), 8, 14, 5),
    ("C4 group CNN depth 2", kernels.gcnn(depth=2), 8, 14, 3),
    ("orbit-averaged MLP (rot90, N = 4)", kernels.orbit_average(kernels.mlp(), "rot90", 4), 64, 28, 7),
]


def main() -> None:
    rows = []
    for label, kernel, n, side, repeats in CASES:
        x = digits(n, side)
        start = time.perf_counter()
        kernel.nngp_ntk(x)
        first = time.perf_counter() - start
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            kernel.nngp_ntk(x)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        pairs = n * (n + 1) // 2
        rows.append(f"| {label} | {n} × {side}×{side} | {median * 1e3:.1f} ms | {first * 1e3:.0f} ms | {median / pairs * 1e6:.1f} µs |")
        print(rows[-1], flush=True)
    header = [
        "| kernel (NNGP + NTK, x2 = None) | images | median | first call (compiles) | per image pair |",
        "|---|---|---|---|---|",
    ]
    (ROOT / "benchmarks" / "results_kernels.md").write_text("\n".join(header + rows) + "\n")


if __name__ == "__main__":
    main()

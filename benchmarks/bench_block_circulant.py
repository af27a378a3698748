"""Dense vs block-circulant exact GP on the multi-class experiment (writes
benchmarks/results_block_circulant.md and the log-log plot benchmarks/block_circulant.html).

Run: ``.venv/bin/python benchmarks/bench_block_circulant.py`` (a few minutes on 2 cores).

Setting (issue 4, item 4): 10 MNIST classes × S seeds per class (the first S test images of each
class), each seed expanded into its orbit under N cyclic x-shifts, MLP NTK (depth 1), relative
ridge λ = 1e-10 · tr(K) as in ``ntkviz.gp``. Two exact actions:

* N = 32: the 28×28 digit zero-padded to a 28×32 canvas (2 blank columns each side) and rolled
  by 1 pixel per element — the digit wraps around a 32-pixel-wide cylinder;
* N = 28: the 28×28 digit rolled by 1 pixel per element (no padding).

Targets: 10 one-hot columns. "Leave an angle out": for each class c, the unshifted (g = 0)
copies of its S seeds are left out and predicted by the model trained on every other point; the
accuracy is the fraction predicted as class c, averaged over the 10 classes.

Per S: block path = ``first_block_row`` (one M × MN kernel call) + ``solve`` (N/2+1 Hermitian
M×M factorisations) + the 10 leave-outs; dense path (only when MN ≤ 6000) = the full MN×MN
kernel + one dense Cholesky + the same leave-out identity on it. Peak memory is the tracemalloc
peak of each path (numpy and Python allocations; XLA's own buffers inside the kernel call are
not seen by tracemalloc). Timings: fastest of 3 runs up to 3200 points, single runs above (they
take seconds; a single-run kernel time includes JAX compiling for a new padded shape). The block
"solve" includes the N/2+1 factorisations; the leave-outs reuse them (cached per ridge), as the
dense leave-outs reuse the dense Cholesky factor. A last section reports the error of the block
path on block-circularised kernels of *interpolated* rotations (not an exact action).
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import numpy as np
import scipy.linalg

from ntkviz import block_circulant as bcm
from ntkviz import datasets, gp
from ntkviz.kernels import mlp

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (1, 3, 10, 30, 100)
CLASSES = 10
DENSE_LIMIT = 6000
KERNEL = mlp(depth=1)


def seeds(S: int) -> tuple[np.ndarray, np.ndarray]:
    """The first S test images of every class, class-major: (10·S, 28, 28) and their labels."""
    images, labels = datasets.load_mnist()
    chosen = np.concatenate([np.flatnonzero(labels == c)[:S] for c in range(CLASSES)])
    return images[chosen].astype(float), labels[chosen].astype(int)


def make_orbits(images: np.ndarray, N: int, action: str = "shift") -> np.ndarray:
    if action == "shift" and N == 32:
        images = np.pad(images, ((0, 0), (0, 0), (2, 2)))
    return np.stack([datasets.orbit(image, N, action) for image in images])


def angle_sets(classes: np.ndarray) -> list[np.ndarray]:
    """Element-major indices of the g = 0 copies of each class's seeds."""
    M = classes.size
    return [bcm.point_index(0, np.flatnonzero(classes == c), M) for c in range(CLASSES)]


def accuracy(predictions: list[np.ndarray]) -> float:
    return float(np.mean([np.mean(p.argmax(axis=1) == c) for c, p in enumerate(predictions)]))


def measure(function, repeats: int):
    """(result, fastest seconds of ``repeats`` calls, tracemalloc peak in MB above the start)."""
    best, peak = np.inf, 0.0
    for _ in range(repeats):
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        peak = max(peak, (tracemalloc.get_traced_memory()[1] - base) / 2**20)
    return result, best, peak


def block_path(orbits, Y, sets, repeats):
    timings = {}
    C, timings["kernel"], mem_k = measure(lambda: bcm.first_block_row(KERNEL, orbits), repeats)

    def solve():  # a fresh object each time: no cached factorisation
        bc = bcm.BlockCirculantKernel(C)
        return bc, bc.solve(Y)

    (bc, _), timings["solve"], mem_s = measure(solve, repeats)
    predictions, timings["leave-out"], mem_l = measure(
        lambda: [bcm.leave_out_predictions(bc, Y, S) for S in sets], repeats
    )
    return predictions, timings, max(mem_k, mem_s, mem_l)


def dense_leave_out(factor, K, Y, S):
    """The same identity on the dense Cholesky factor of A = K + λI."""
    E = np.zeros((K.shape[0], S.size))
    E[S, np.arange(S.size)] = 1.0
    solved = scipy.linalg.cho_solve(factor, np.hstack([Y, E]), check_finite=False)
    inv_SS = solved[S, Y.shape[1]:]
    return Y[S] - np.linalg.solve(0.5 * (inv_SS + inv_SS.T), solved[S, : Y.shape[1]])


def dense_path(orbits, Y, sets, repeats):
    timings = {}
    X = bcm.element_major(orbits)
    K, timings["kernel"], mem_k = measure(lambda: KERNEL(X), repeats)
    shift = gp.DEFAULT_RIDGE * np.trace(K)

    def solve():
        A = K + shift * np.eye(K.shape[0])
        factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
        return factor, scipy.linalg.cho_solve(factor, Y, check_finite=False)

    (factor, _), timings["solve"], mem_s = measure(solve, repeats)
    predictions, timings["leave-out"], mem_l = measure(
        lambda: [dense_leave_out(factor, K, Y, S) for S in sets], repeats
    )
    return predictions, timings, max(mem_k, mem_s, mem_l)


def interpolated_rotations(rows: list[str]) -> None:
    """Block path on the block-circularised kernel of interpolated rotations vs the dense solve."""
    rows += [
        "",
        "### Interpolated rotations (not an exact action): "
        "block path on the block-circularised kernel",
        "",
        "Orbits under `rotate` (bilinear, 28×28), MLP NTK depth 1, the dense Gram matrix K over "
        "all points; `block_row_average` gives the nearest block-circulant K̃. Deviation = "
        "‖K − K̃‖_F/‖K‖_F; Δŷ = max |ŷ_block(K̃) − ŷ_dense(K)| over the 10 leave-an-angle-out sets "
        "(one-hot targets); accuracies of both.",
        "",
        "| N | seeds/class | points | deviation | max Δŷ | accuracy dense K | accuracy block K̃ |",
        "|---|---|---|---|---|---|---|",
    ]
    for N, S in ((8, 3), (16, 3), (16, 10)):
        images, classes = seeds(S)
        orbits = make_orbits(images, N, "rotate")
        M = classes.size
        Y = np.eye(CLASSES)[np.tile(classes, N)]
        sets = angle_sets(classes)
        K = KERNEL(bcm.element_major(orbits))
        shift = gp.DEFAULT_RIDGE * np.trace(K)
        factor = scipy.linalg.cho_factor(K + shift * np.eye(K.shape[0]), lower=True)
        dense = [dense_leave_out(factor, K, Y, s) for s in sets]
        bc = bcm.BlockCirculantKernel.from_gram(K, M, N, exact=False)
        block = [bcm.leave_out_predictions(bc, Y, s) for s in sets]
        deviation = bcm.block_circulant_deviation(K, M, N)
        delta = max(float(np.abs(a - b).max()) for a, b in zip(block, dense))
        rows.append(
            f"| {N} | {S} | {M * N} | {deviation:.2e} | {delta:.2e} | "
            f"{accuracy(dense):.3f} | {accuracy(block):.3f} |"
        )
        print(rows[-1], flush=True)


def extrapolation(records: list[dict]) -> str:
    """What the dense path would cost at the largest block-only size (n³ solve, n² memory)."""
    def largest(path):
        chosen = [r for r in records if r["path"] == path and r["N"] == 32]
        return max(chosen, key=lambda r: r["points"])

    dense, block = largest("dense"), largest("block")
    n = block["points"]
    gram_gib = 8 * n**2 / 2**30
    return (
        f"Dense at {n} points, extrapolated from {dense['points']}: Cholesky ≈ "
        f"{dense['solve'] * (n / dense['points']) ** 3:.0f} s (n³), "
        f"Gram matrix {gram_gib:.1f} GiB; "
        f"the block path needs the {n // 32}×{n} first block row ({gram_gib / 32:.2f} GiB) "
        f"and took {block['total']:.1f} s in total."
    )


def plot(records: list[dict]) -> None:
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:  # the table is the result; the plot is a convenience
        return
    titles = ("wall time (kernel + solve + leave-outs)", "peak memory (tracemalloc)")
    figure = make_subplots(rows=1, cols=2, subplot_titles=titles)
    styles = {("block", 32): ("#1f77b4", "solid"), ("dense", 32): ("#d62728", "solid"),
              ("block", 28): ("#1f77b4", "dot"), ("dense", 28): ("#d62728", "dot")}
    for (path, N), (color, dash) in styles.items():
        chosen = [r for r in records if r["path"] == path and r["N"] == N]
        if not chosen:
            continue
        x = [r["points"] for r in chosen]
        hover = [f"{r['S']} seeds/class, {r['points']} points" for r in chosen]
        for col, key in ((1, "total"), (2, "memory")):
            figure.add_trace(
                go.Scatter(
                    x=x, y=[r[key] for r in chosen], mode="lines+markers",
                    name=f"{path}, N = {N}", legendgroup=f"{path}{N}", showlegend=col == 1,
                    text=hover, line={"color": color, "dash": dash},
                ),
                row=1, col=col,
            )
    figure.update_xaxes(type="log", title_text="points M·N (10 classes × S seeds × N shifts)")
    figure.update_yaxes(type="log", title_text="seconds", row=1, col=1)
    figure.update_yaxes(type="log", title_text="MB", row=1, col=2)
    figure.update_layout(
        title="Exact GP on whole shift orbits: dense vs block-circulant (MLP NTK)",
        width=1100, height=450,
    )
    figure.write_html(ROOT / "benchmarks" / "block_circulant.html", include_plotlyjs="cdn")


def main() -> None:
    tracemalloc.start()
    KERNEL(np.ones((2, 28, 32)))  # load JAX once, outside the timings
    header = [
        "10 MNIST classes × S seeds/class × N cyclic x-shifts (N = 32: 28×32 zero-padded canvas; "
        "N = 28: plain 28×28), MLP NTK depth 1, ridge 1e-10·tr(K), 10 one-hot targets; "
        "leave-an-angle-out = the unshifted copies of one class, for each of the 10 classes. "
        "Fastest of 3 runs up to 3200 "
        "points, single runs above; peak MB = tracemalloc (numpy; not XLA buffers); dense only up "
        f"to {DENSE_LIMIT} points. Δŷ = max |block − dense| over all leave-out predictions.",
        "",
        "| N | seeds/class | points | path | kernel | solve | 10 leave-outs | total | peak MB "
        "| accuracy | max Δŷ |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows, records = [], []
    for N in (32, 28):
        for S in SEEDS:
            images, classes = seeds(S)
            orbits = make_orbits(images, N)
            M = classes.size
            Y = np.eye(CLASSES)[np.tile(classes, N)]  # element-major: point g·M + m has class of m
            sets = angle_sets(classes)
            repeats = 3 if M * N <= 3200 else 1  # small cases: fastest of 3 (a shared machine)
            results = {}
            block, t_block, m_block = block_path(orbits, Y, sets, repeats)
            results["block"] = (block, t_block, m_block)
            if M * N <= DENSE_LIMIT:
                dense, t_dense, m_dense = dense_path(orbits, Y, sets, repeats)
                results["dense"] = (dense, t_dense, m_dense)
                delta = max(float(np.abs(a - b).max()) for a, b in zip(block, dense))
            for path, (predictions, timings, memory) in results.items():
                total = sum(timings.values())
                shown = f"{delta:.1e}" if "dense" in results else "—"
                rows.append(
                    f"| {N} | {S} | {M * N} | {path} | {timings['kernel']:.2f} s | "
                    f"{timings['solve']:.2f} s | {timings['leave-out']:.2f} s | {total:.2f} s | "
                    f"{memory:.0f} | {accuracy(predictions):.3f} | {shown} |"
                )
                records.append({
                    "path": path, "N": N, "S": S, "points": M * N, "total": total,
                    "memory": memory, "solve": timings["solve"],
                })
                print(rows[-1], flush=True)
            del orbits
    rows += ["", extrapolation(records)]
    interpolated_rotations(rows)
    (ROOT / "benchmarks" / "results_block_circulant.md").write_text("\n".join(header + rows) + "\n")
    plot(records)


if __name__ == "__main__":
    main()

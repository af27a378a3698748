"""Worker of ``bench_vs_nt.py``: times one implementation (ntkviz or neural-tangents) on request.

Run by the driver as ``python _vs_nt_worker.py --impl ntkviz|nt --inputs FILE.npz --out DIR``
(ntkviz in the main environment, neural-tangents in its own). It reads one JSON request per
line on stdin and answers one JSON line on stdout, prefixed with ``@@`` (anything else a
library prints is ignored):

* ``{"op": "prepare", "case": ID}``: build the computation, run it once (compiles; for
  neural-tangents' batched pooled kernels: once per candidate batch size, keeping the fastest),
  save the matrix to ``DIR/<impl>-<ID>.npy``; answers ``{"compile": s, "note": ...}``;
* ``{"op": "time", "case": ID}``: one timed run of the prepared computation, ``{"seconds": s}``;
* ``{"op": "quit"}``.

Both sides compute in float64 (neural-tangents under ``jax_enable_x64``) and return the full
Gram matrix of the inputs (``x2=None``) as a numpy array. Case identifiers are
``<arch>-<side>-N<N>``, arch one of :data:`ARCHS`; the inputs file holds ``x<side>_N<N>``
arrays of shape (2N, side, side, 1) and, for the empirical NTKs, the shared initial
parameters ``<arch>-<side>-W<layer>`` / ``-b<layer>`` drawn by ntkviz.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

#: Architecture keys: analytic NTKs (full Gram matrix, x2 = None) and empirical NTKs (width 512).
ARCHS = {
    "mlp1": "MLP depth 1 (ReLU), analytic NTK",
    "mlp5": "MLP depth 5 (ReLU), analytic NTK",
    "cnn_flatten": "CNN depth 1, 3×3 circular, flatten, analytic NTK",
    "cnn_gap": "CNN depth 1, 3×3 circular, GAP, analytic NTK",
    "emp_mlp2": "empirical NTK, MLP 2 × 512 (ReLU)",
    "emp_cnn_flatten": "empirical NTK, CNN 512 channels 3×3 circular, flatten",
}
EMPIRICAL = {"emp_mlp2": ("mlp", 2), "emp_cnn_flatten": ("cnn", 1)}
WIDTH = 512
#: Candidate batch sizes for neural-tangents' nt.batch on pooled (pixel-pair) readouts.
NT_BATCH_SIZES = (4, 8, 16)
#: Above this many pixel-pair entries (n² P²) neural-tangents' pooled kernel is timed on one
#: block and scaled (a full 128 × 28×28 GAP run would take about 20 minutes here).
BLOCK_MODE_ENTRIES = 10_000_000
#: The setting neural-tangents was fastest with at the first (smallest) size of each
#: (architecture, image side): later sizes reuse it instead of searching again.
CHOSEN: dict[tuple[str, int], int] = {}


def parse_case(case: str) -> tuple[str, int, int]:
    arch, side, n = case.rsplit("-", 2)
    return arch, int(side), int(n.removeprefix("N"))


def emit(payload: dict) -> None:
    sys.stdout.write("@@" + json.dumps(payload) + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- ntkviz


def ntkviz_runner(arch: str, x: np.ndarray, params: list | None):
    from ntkviz import kernels

    if arch in EMPIRICAL:
        from ntkviz.kernels import empirical_ntk

        kind, depth = EMPIRICAL[arch]
        net = kernels.mlp(depth=depth) if kind == "mlp" else kernels.cnn(depth=depth, readout="flatten")
        return lambda: empirical_ntk(net, x, width=WIDTH, seed=0), "ntkviz.kernels.empirical_ntk(seed=0)"
    kernel = {
        "mlp1": lambda: kernels.mlp(depth=1),
        "mlp5": lambda: kernels.mlp(depth=5),
        "cnn_flatten": lambda: kernels.cnn(depth=1, readout="flatten"),
        "cnn_gap": lambda: kernels.cnn(depth=1, readout="gap"),
    }[arch]()
    return lambda: kernel.ntk(x), ""


# --------------------------------------------------------------------------- neural-tangents


def nt_network(arch: str):
    from neural_tangents import stax

    def dense(width):
        return stax.Dense(width, W_std=1.0, b_std=1.0, parameterization="ntk")

    def conv(width):
        return stax.Conv(width, (3, 3), padding="CIRCULAR", W_std=1.0, b_std=1.0, parameterization="ntk")

    if arch in ("mlp1", "mlp5"):
        depth = 1 if arch == "mlp1" else 5
        return stax.serial(*[dense(WIDTH), stax.Relu()] * depth, dense(1))
    if arch == "emp_mlp2":
        return stax.serial(*[dense(WIDTH), stax.Relu()] * 2, dense(1))
    if arch in ("cnn_flatten", "emp_cnn_flatten"):
        return stax.serial(conv(WIDTH), stax.Relu(), stax.Flatten(), dense(1))
    return stax.serial(conv(WIDTH), stax.Relu(), stax.GlobalAvgPool(), dense(1))


def nt_params(arch: str, params: list):
    """ntkviz's initial parameters in neural-tangents' layout (same network, same numbers)."""
    import jax.numpy as jnp

    if arch == "emp_mlp2":
        (W0, b0), (W1, b1), (W2, b2) = params
        return [(jnp.asarray(W0), jnp.asarray(b0)), (), (jnp.asarray(W1), jnp.asarray(b1)), (),
                (jnp.asarray(W2), jnp.asarray(b2))]
    (W0, b0), (W1, b1) = params
    # ntkviz's first-layer patch rows are ordered (dy, dx) with C = 1: NT's HWIO filter.
    return [(jnp.asarray(W0.reshape(3, 3, 1, -1)), jnp.asarray(b0)), (), (), (jnp.asarray(W1), jnp.asarray(b1))]


def nt_runner(arch: str, x: np.ndarray, params: list | None):
    import jax
    import neural_tangents as nt

    # MLPs take the flattened images (the same inputs ntkviz's MLP flattens itself). Numpy
    # arrays go straight into the compiled function, as for ntkviz (its fastest input path).
    xj = x.reshape(len(x), -1) if arch in ("mlp1", "mlp5", "emp_mlp2") else x
    _, apply_fn, kernel_fn = nt_network(arch)
    if arch in EMPIRICAL:
        p = nt_params(arch, params)
        best, failed = None, []
        key = (arch, x.shape[1])
        for implementation in (CHOSEN[key],) if key in CHOSEN else (1, 2, 3):
            fn = jax.jit(nt.empirical_ntk_fn(apply_fn, trace_axes=(), vmap_axes=0, implementation=implementation))

            def run(fn=fn):
                return np.asarray(fn(xj, None, p)).reshape(len(x), len(x))

            start = time.perf_counter()
            try:
                run()
            except Exception as error:  # noqa: BLE001 — reported in the table, not hidden
                failed.append(f"{implementation} fails: {type(error).__name__}")
                continue
            first = time.perf_counter() - start
            start = time.perf_counter()
            run()
            again = time.perf_counter() - start
            if best is None or again < best[0]:
                best = (again, run, implementation, first)
        tried = "best at the smallest N" if key in CHOSEN else "best of 1/2/3"
        tried += f"; {', '.join(failed)}" if failed else ""
        CHOSEN[key] = best[2]
        return best[1], f"implementation={best[2]} ({tried})", best[3]
    jitted = jax.jit(kernel_fn, static_argnames="get")
    if arch != "cnn_gap":
        return lambda: np.asarray(jitted(xj, None, get="ntk")), "", None
    # The pixel-pair covariance of all pairs (n² P² entries) does not fit: nt.batch, and the
    # fastest batch size tried. Where even that takes too long for this benchmark, one
    # off-diagonal batch × batch block is timed and scaled by the number of blocks nt.batch
    # would compute ((n / batch)², it computes all of them) — see BLOCK_MODE_ENTRIES.
    n, pixels = len(x), x.shape[1] * x.shape[2]
    block_mode = n * n * pixels * pixels > BLOCK_MODE_ENTRIES
    best = None
    key = (arch, x.shape[1], block_mode)
    sizes = NT_BATCH_SIZES if not block_mode else NT_BATCH_SIZES[:2]  # a 16 × 16 block of 28² takes minutes
    for size in (CHOSEN[key],) if key in CHOSEN else sizes:
        if n % size or (block_mode and 2 * size > n):
            continue
        if block_mode:
            xa, xb = x[:size], x[size:2 * size]

            def run(xa=xa, xb=xb):
                return np.asarray(jitted(xa, xb, get="ntk"))
        else:
            batched = nt.batch(jitted, batch_size=size, store_on_device=False)

            def run(batched=batched):
                return np.asarray(batched(xj, None, get="ntk"))

        start = time.perf_counter()
        run()
        first = time.perf_counter() - start
        start = time.perf_counter()
        run()
        scale = (n / size) ** 2 if block_mode else 1.0
        again = (time.perf_counter() - start) * scale
        if best is None or again < best[0]:
            best = (again, run, size, first, scale)
    _, run, size, first, scale = best
    searched = "best at the smallest N" if key in CHOSEN else f"best of {sizes}"
    CHOSEN[key] = size
    if block_mode:
        note = (f"nt.batch(batch_size={size}) estimated: one {size}×{size} block timed × {int(scale)} blocks "
                f"({searched})")
        # First call of the whole matrix ≈ the first block (compiles) + the remaining blocks.
        return ScaledRun(run, scale, size, n), note, first + best[0] * (1 - 1 / scale)
    return run, f"nt.batch(batch_size={size}, {searched})", first


class ScaledRun:
    """One off-diagonal block [0:b, b:2b] of the Gram matrix, its time scaled to the whole."""

    def __init__(self, run, scale, size, n):
        self.run, self.scale, self.size, self.n = run, scale, size, n

    def __call__(self):
        full = np.full((self.n, self.n), np.nan)
        full[:self.size, self.size:2 * self.size] = self.run()
        return full


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=("ntkviz", "nt"), required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.impl == "nt":
        import jax

        jax.config.update("jax_enable_x64", True)
    data = np.load(args.inputs)
    prepared = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "quit":
            break
        case = request["case"]
        if request["op"] == "prepare":
            arch, side, N = parse_case(case)
            x = data[f"x{side}_N{N}"]
            params = None
            if arch in EMPIRICAL:
                layers = 3 if arch == "emp_mlp2" else 2
                params = [(data[f"{arch}-{side}-W{i}"], data[f"{arch}-{side}-b{i}"]) for i in range(layers)]
            start = time.perf_counter()
            if args.impl == "ntkviz":
                run, note = ntkviz_runner(arch, x, params)
                result = run()
                compile_seconds = time.perf_counter() - start
            else:
                run, note, compile_seconds = nt_runner(arch, x, params)
                result = run()
                if compile_seconds is None:
                    compile_seconds = time.perf_counter() - start
            np.save(f"{args.out}/{args.impl}-{case}.npy", np.asarray(result, dtype=np.float64))
            prepared[case] = run
            emit({"compile": compile_seconds, "note": note})
        elif request["op"] == "time":
            run, loops = prepared[case], int(request.get("loops", 1))
            start = time.perf_counter()
            for _ in range(loops):
                run()
            emit({"seconds": (time.perf_counter() - start) / loops * getattr(run, "scale", 1.0)})
    return 0


if __name__ == "__main__":
    sys.exit(main())

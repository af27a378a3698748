"""ntkviz against neural-tangents on the same inputs in the same run (writes results_vs_nt.md).

Run: ``.venv/bin/python benchmarks/bench_vs_nt.py [--quick]``. The neural-tangents interpreter
is ``$NTKVIZ_NT_PYTHON``, else ``.venv-nt/bin/python``, else ``/tmp/ntenv/bin/python``.

The inputs (rotated-MNIST pair datasets: the orbits of two digits of different classes under N
rotations, interleaved, 2N images; 28×28 and 2×2-pooled 14×14) are built once here and saved to
a temporary .npz. One worker process per implementation (``_vs_nt_worker.py``) loads them,
compiles each computation once (timed separately), and then the repeats alternate — ntkviz,
neural-tangents, ntkviz, … — so that load from other users hits both alike. Each row reports
the medians, their ratio and the largest difference between the two matrices relative to the
largest entry (a benchmark of different answers would mean nothing). Also: import time in fresh
interpreters and the installed size of an environment with only each package's runtime stack.
Writes benchmarks/results_vs_nt.md (+ the rows as results_vs_nt.json) and the log-log plot
benchmarks/vs_nt.png (+ .html); ``--replot`` redraws the plot from the json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ntkviz import datasets

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
sys.path.insert(0, str(HERE))

import _vs_nt_worker as worker  # noqa: E402

NT_PINS = ("neural-tangents==0.6.5", "jax==0.4.30", "jaxlib==0.4.30", "numpy==1.26.4",
           "tensorflow-cpu==2.16.2", "tf2jax==0.3.6")
#: The rows of the last run (for ``--replot``), written with results_vs_nt.md.
RECORDS = HERE / "results_vs_nt.json"
#: Wall-clock budget per row for the alternating repeats (both implementations together).
ROW_BUDGET_SECONDS = 4.0
MIN_REPEATS, MAX_REPEATS = 3, 15
#: Calls faster than this are repeated in a loop of about this long per timed repeat.
LOOP_SECONDS, MAX_LOOPS = 0.005, 1000


def nt_python() -> str:
    for candidate in (os.environ.get("NTKVIZ_NT_PYTHON"), str(ROOT / ".venv-nt" / "bin" / "python"),
                      "/tmp/ntenv/bin/python"):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("no neural-tangents interpreter: set NTKVIZ_NT_PYTHON (or create .venv-nt)")


def cases(quick: bool) -> list[str]:
    """Cheap rows first, then the pixel-pair and empirical rows by increasing size (the run
    writes its table after every row, so an interrupted run still leaves its numbers)."""
    Ns = (8, 16) if quick else (8, 16, 32, 64)
    cheap, heavy = [], []
    for arch in ("mlp1", "mlp5", "cnn_flatten", "emp_mlp2", "cnn_gap", "emp_cnn_flatten"):
        for side in (14, 28):
            if quick and arch in ("mlp5", "emp_cnn_flatten"):
                continue
            for N in Ns:
                if arch == "emp_cnn_flatten" and (side == 28 or N > 16):
                    continue  # neural-tangents needs ~7 s for 16 images already
                case = f"{arch}-{side}-N{N}"
                (heavy if arch in ("cnn_gap", "emp_cnn_flatten") else cheap).append(case)
    heavy.sort(key=lambda c: (worker.parse_case(c)[2] * worker.parse_case(c)[1] ** 2, c))
    return cheap + heavy


def two_digits() -> tuple[np.ndarray, np.ndarray]:
    """The first test digit and the first one of another class, as float images in [0, 1]."""
    images, labels = datasets.load_mnist()
    other = int(np.argmax(labels != labels[0]))
    return images[0].astype(np.float64) / 255.0, images[other].astype(np.float64) / 255.0


def build_inputs(path: Path, case_list: list[str]) -> None:
    from ntkviz import kernels
    from ntkviz.kernels._x64 import enable_x64
    from ntkviz.kernels.finite_width import init_params

    a, b = two_digits()
    arrays = {}
    for case in case_list:
        arch, side, N = worker.parse_case(case)
        key = f"x{side}_N{N}"
        if key not in arrays:
            da, db = (a, b) if side == 28 else datasets.pool2(np.stack([a, b]))
            x, _ = datasets.interleave(datasets.orbit(da, N, "rotate"), datasets.orbit(db, N, "rotate"))
            arrays[key] = x[..., None]
        if arch in worker.EMPIRICAL and f"{arch}-{side}-W0" not in arrays:
            kind, depth = worker.EMPIRICAL[arch]
            net = kernels.mlp(depth=depth) if kind == "mlp" else kernels.cnn(depth=depth, readout="flatten")
            channels, pixels = (side * side, 1) if kind == "mlp" else (1, side * side)
            with enable_x64(True):  # exactly the draw empirical_ntk(seed=0) makes
                params = init_params(net, channels, pixels, worker.WIDTH, seed=0)
            for i, (W, bias) in enumerate(params):
                arrays[f"{arch}-{side}-W{i}"] = np.asarray(W)
                arrays[f"{arch}-{side}-b{i}"] = np.asarray(bias)
    np.savez(path, **arrays)


class Worker:
    def __init__(self, impl: str, python: str, inputs: Path, out: Path):
        self.impl = impl
        self.process = subprocess.Popen(
            [python, str(HERE / "_vs_nt_worker.py"), "--impl", impl, "--inputs", str(inputs), "--out", str(out)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        )

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith("@@"):
                return json.loads(line[2:])
        raise RuntimeError(f"{self.impl} worker died on {request}")

    def close(self) -> None:
        try:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        self.process.wait(timeout=60)


def run_cases(case_list: list[str], python_nt: str, tmp: Path, on_record=None) -> list[dict]:
    inputs = tmp / "inputs.npz"
    build_inputs(inputs, case_list)
    ours = Worker("ntkviz", sys.executable, inputs, tmp)
    theirs = Worker("nt", python_nt, inputs, tmp)
    records = []
    try:
        for case in case_list:
            arch, side, N = worker.parse_case(case)
            prep_ours = ours.ask(op="prepare", case=case)
            prep_theirs = theirs.ask(op="prepare", case=case)
            A = np.load(tmp / f"ntkviz-{case}.npy")
            B = np.load(tmp / f"nt-{case}.npy")
            compared = ~np.isnan(B)  # block-mode rows: the one block neural-tangents computed
            diff = float(np.max(np.abs(A - B)[compared]) / np.max(np.abs(B[compared])))
            t_ours, t_theirs = [ours.ask(op="time", case=case)["seconds"]], [theirs.ask(op="time", case=case)["seconds"]]
            # Sub-millisecond calls are timed in loops of at least LOOP_SECONDS (one clock
            # reading per loop, as timeit does); each repeat is the mean call of its loop.
            loops_ours, loops_theirs = (max(1, min(MAX_LOOPS, int(LOOP_SECONDS / max(t, 1e-9))))
                                        for t in (t_ours[0], t_theirs[0]))
            per_round = t_ours[0] * loops_ours + t_theirs[0] * loops_theirs
            repeats = int(min(MAX_REPEATS, max(MIN_REPEATS, ROW_BUDGET_SECONDS // max(per_round, 1e-9))))
            if loops_ours > 1 or loops_theirs > 1:
                t_ours, t_theirs = [], []  # the single calls only sized the loops
            while len(t_ours) < repeats:
                t_ours.append(ours.ask(op="time", case=case, loops=loops_ours)["seconds"])
                t_theirs.append(theirs.ask(op="time", case=case, loops=loops_theirs)["seconds"])
            record = dict(case=case, arch=arch, side=side, N=N, images=2 * N, repeats=repeats,
                          loops=(loops_ours, loops_theirs),
                          ours=statistics.median(t_ours), theirs=statistics.median(t_theirs),
                          compile_ours=prep_ours["compile"], compile_theirs=prep_theirs["compile"],
                          note=prep_theirs["note"], diff=diff)
            records.append(record)
            if on_record is not None:
                on_record(records)
            print(f"{case:24s} ntkviz {record['ours'] * 1e3:9.2f} ms  NT {record['theirs'] * 1e3:9.2f} ms  "
                  f"ratio {record['ours'] / record['theirs']:.3f}  diff {diff:.1e}  {record['note']}", flush=True)
    finally:
        ours.close()
        theirs.close()
    return records


def fresh_seconds(python: str, code: str, repeats: int = 3) -> float:
    """Median wall time of a fresh interpreter running ``code``, minus an empty interpreter."""
    def run(source: str) -> float:
        start = time.perf_counter()
        subprocess.run([python, "-c", source], check=True, cwd=ROOT, capture_output=True)
        return time.perf_counter() - start

    run(code)  # warm the file-system cache
    baseline = statistics.median(run("pass") for _ in range(repeats))
    return statistics.median(run(code) for _ in range(repeats)) - baseline


FIRST_INPUT = "import numpy as np; x = np.linspace(-1, 1, 8 * 784).reshape(8, 784)\n"
IMPORTS = [
    ("import + first kernel object", "import ntkviz.kernels as k; k.mlp(depth=1)",
     "from neural_tangents import stax; stax.serial(stax.Dense(512), stax.Relu(), stax.Dense(1))"),
    ("import to first MLP NTK (8 × 784, float64)",
     FIRST_INPUT + "import ntkviz.kernels as k; k.mlp(depth=1).ntk(x)",
     FIRST_INPUT + "import jax; jax.config.update('jax_enable_x64', True)\n"
     "from neural_tangents import stax\n"
     "_, _, f = stax.serial(stax.Dense(512, 1.0, 1.0), stax.Relu(), stax.Dense(1, 1.0, 1.0))\n"
     "np.asarray(f(x, None, 'ntk'))"),
]


def import_rows(python_nt: str) -> list[dict]:
    rows = []
    for label, ours, theirs in IMPORTS:
        rows.append(dict(label=label, ours=fresh_seconds(sys.executable, ours), theirs=fresh_seconds(python_nt, theirs)))
        print(label, rows[-1], flush=True)
    return rows


def folder_megabytes(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


NT_ONLY_VENV = Path(os.environ.get("NTKVIZ_NT_ONLY_VENV", "/tmp/ntonly"))


def environment_sizes() -> tuple[float, float]:
    """MB of a fresh venv with ntkviz's runtime.lock (+ ntkviz) and of one with only
    neural-tangents' pinned stack (``NT_PINS``; reused from ``$NTKVIZ_NT_ONLY_VENV`` or
    /tmp/ntonly when it exists, else built here)."""
    uv = str(Path(sys.executable).with_name("uv"))

    def build(venv: Path, *requirements: str) -> None:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *requirements], check=True)

    with tempfile.TemporaryDirectory() as tmp:
        ours = Path(tmp) / "ntkviz"
        build(ours, "-r", str(ROOT / "requirements" / "runtime.lock"))
        subprocess.run([uv, "pip", "install", "-q", "--python", str(ours / "bin" / "python"), "--no-deps", str(ROOT)],
                       check=True)
        theirs = NT_ONLY_VENV
        if not (theirs / "bin" / "python").exists():
            theirs = Path(tmp) / "nt"
            build(theirs, *NT_PINS)
        return folder_megabytes(ours), folder_megabytes(theirs)


def plot(records: list[dict]) -> None:
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:  # the table is the result; the plot is a convenience
        return
    archs = list(dict.fromkeys(r["arch"] for r in records))
    figure = make_subplots(rows=1, cols=len(archs), subplot_titles=[a.replace("_", " ") for a in archs])
    styles = {14: "dot", 28: "solid"}
    colors = {"ntkviz": "#1f77b4", "neural-tangents": "#d62728"}
    for col, arch in enumerate(archs, start=1):
        for side in (14, 28):
            chosen = [r for r in records if r["arch"] == arch and r["side"] == side]
            if not chosen:
                continue
            for impl, key in (("ntkviz", "ours"), ("neural-tangents", "theirs")):
                figure.add_trace(go.Scatter(
                    x=[r["images"] for r in chosen], y=[r[key] for r in chosen], mode="lines+markers",
                    name=f"{impl}, {side}×{side}", legendgroup=f"{impl}{side}", showlegend=col == 1,
                    line={"color": colors[impl], "dash": styles[side]},
                    text=[f"{impl} {arch} {side}×{side}, {r['images']} images: {r[key] * 1e3:.3g} ms" for r in chosen],
                    hoverinfo="text",
                ), row=1, col=col)
    images = sorted({r["images"] for r in records})
    figure.update_xaxes(type="log", title_text="images (2N)", tickvals=images, ticktext=[str(n) for n in images])
    figure.update_yaxes(type="log", title_text="seconds (median)", col=1)
    figure.update_yaxes(type="log", exponentformat="SI")
    figure.update_layout(title="Full Gram-matrix NTK time vs number of images: ntkviz and neural-tangents, float64",
                         width=360 * len(archs), height=460)
    figure.write_html(HERE / "vs_nt.html", include_plotlyjs="cdn")
    figure.write_image(HERE / "vs_nt.png")  # kaleido + system Chromium


def versions(python: str, modules: str) -> str:
    code = f"import importlib.metadata as m; print(', '.join(n + ' ' + m.version(n) for n in {modules!r}))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


NOTES = """Notes.

* Max rel diffs of 1e-10–1e-9 come from entries where cos t = 1 exactly: the Gram diagonal
  (MLP 16 × 14×14: the diagonal differs by 8e-10, every off-diagonal entry by < 4e-16) and,
  for the CNNs, pixel pairs with identical patches (the constant background of two digits).
  There neural-tangents' compiled cos t comes out 1 − 2⁻⁵², which arccos turns into
  t ≈ 2·10⁻⁸; ntkviz snaps t to 0 (the exact value).
* Where ntkviz does not lead: the MLP rows at 16 images and two of the four at 32, where
  neural-tangents needs 30–300 µs: one compiled call on JAX 0.4.30, whose dispatch costs
  ~13 µs (~35 µs on ntkviz's JAX 0.10, which is why ntkviz computes MLP Grams in numpy).
  ntkviz's cost there is fixed overhead: the input checks, the product and ~17 numpy calls
  per layer of 0.5–1 µs each. From 64 images on, every row leads.
* Speed-ups behind the other rows (each tested against the plain computation in
  tests/kernels/test_kernel_speedups.py): MLP — the arc-cosine recursion in numpy up to 2048² entries
  (the variances read off the diagonal, buffers reused), the input product a aᵀ on one BLAS
  thread (two OpenBLAS threads stalled for 12–24 ms at 256 images when the other core was busy;
  XLA's float64 product is 2× slower than one thread); GAP — one pair per orbit of the joint symmetries of the
  square that map the dataset onto itself (K(g·x, g·x') = K(x, x') for circular 3×3 convs;
  rotated orbits with N divisible by 4 have the quarter turns: 4× fewer pairs), besides the
  fast polynomial arccos and row-blocked fusion already in place; empirical NTK — layer-wise
  contractions (Σ_l (D_l D_lᵀ) ∘ (c² F_l F_lᵀ + b²) for dense layers, per-input filter
  gradients for convolutions) instead of full parameter Jacobians, from one forward and one
  backward pass.
"""


def write_results(records, imports, sizes, python_nt, quick, started, load_before, load_after) -> None:
    lines = [
        "ntkviz against neural-tangents, same inputs, same run, two processes on the same machine; "
        "repeats alternate between the two. "
        f"Run: `.venv/bin/python benchmarks/bench_vs_nt.py{' --quick' if quick else ''}` "
        f"({started} UTC, {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with "
        f"other users; load average before / after: {load_before} / {load_after}).",
        "",
        f"* ntkviz: {versions(sys.executable, ('ntkviz', 'jax', 'jaxlib', 'numpy'))}.",
        f"* neural-tangents ({python_nt}): {versions(python_nt, ('neural-tangents', 'jax', 'jaxlib', 'numpy'))}.",
        "* Both float64 (neural-tangents with `jax_enable_x64`), both compiled before timing "
        "(neural-tangents: `jax.jit(kernel_fn, static_argnames='get')`); the first call (compile) "
        "is reported separately from the median of the repeats. Calls under "
        f"{LOOP_SECONDS * 1e3:g} ms are timed in loops of about {LOOP_SECONDS * 1e3:g} ms (at most "
        f"{MAX_LOOPS} calls; column *repeats × calls*): a repeat is the mean call of its loop, "
        "one clock reading per loop, as timeit does.",
        "* Analytic rows: the full NTK Gram matrix of the 2N images, `x2=None` "
        "(ntkviz `kernel.ntk(x)`, neural-tangents `kernel_fn(x, None, 'ntk')`), W_std = b_std = 1, "
        "ReLU, NTK parameterisation; CNNs: one 3×3 circular conv layer, then flatten or global "
        "average pooling, then Dense. MLPs get the flattened images on both sides. The GAP "
        "pixel-pair covariance of all pairs does not fit in memory for neural-tangents, so it "
        "runs under `nt.batch` with the fastest of the batch sizes tried (it computes all n² "
        "blocks). Where n²P² > 10⁷ pixel-pair entries a full neural-tangents run would take up to "
        "~20 minutes here, so one off-diagonal batch × batch block is timed and multiplied by the "
        "(n/batch)² blocks nt.batch computes (marked *estimated*; its max rel diff is over that "
        "block). Timed calls start from numpy inputs and end in a numpy array on both sides.",
        "* Empirical rows: Θ̂ of one finite network of width 512 with the *same* parameters on "
        "both sides (ntkviz's `init_params(seed=0)` handed to neural-tangents), full n × n matrix "
        "of the scalar output: ntkviz `empirical_ntk(arch, x, width=512, seed=0)` against "
        "`jax.jit(nt.empirical_ntk_fn(apply_fn, trace_axes=(), vmap_axes=0, implementation=i))`, "
        "the fastest of i = 1, 2, 3 at the smallest N kept (i = 3 fails on JAX 0.4.30). The "
        "empirical CNN (flatten, one conv of 512 channels) runs at 14×14 and N ≤ 16 only: "
        "neural-tangents needs seconds per call there already.",
        "* max rel diff = max |Θ_ntkviz − Θ_NT| / max |Θ_NT| over the whole matrix.",
        "",
        "| row | images | ntkviz median | NT median | ratio ntkviz/NT | max rel diff | repeats × calls ntkviz / NT | first call ntkviz / NT | NT setting |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def ms(seconds):
        return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.2f} s"

    for r in records:
        lines.append(
            f"| {worker.ARCHS[r['arch']]} | {r['images']} × {r['side']}×{r['side']} | {ms(r['ours'])} | "
            f"{ms(r['theirs'])} | **{r['ours'] / r['theirs']:.3f}** | {r['diff']:.1e} | {r['repeats']} × {r['loops'][0]} / {r['loops'][1]} | "
            f"{ms(r['compile_ours'])} / {ms(r['compile_theirs'])} | {r['note']} |"
        )
    if imports:
        lines += ["", "| start-up (fresh interpreter, minus an empty one; median of 3) | ntkviz | neural-tangents | ratio |",
                  "|---|---|---|---|"]
        for r in imports:
            lines.append(f"| {r['label']} | {ms(r['ours'])} | {ms(r['theirs'])} | **{r['ours'] / r['theirs']:.3f}** |")
    if sizes:
        lines += ["", "| installed size of a fresh venv | ntkviz (runtime.lock + ntkviz) | neural-tangents "
                  f"({', '.join(NT_PINS)}) | ratio |", "|---|---|---|---|",
                  f"| megabytes | {sizes[0]:.0f} MB | {sizes[1]:.0f} MB | **{sizes[0] / sizes[1]:.3f}** |"]
    worst = max(records, key=lambda r: r["ours"] / r["theirs"]) if records else None
    lines += [] if worst is None else ["", f"Rows: {len(records)}; ntkviz faster on {sum(r['ours'] < r['theirs'] for r in records)}; "
              f"worst ratio {worst['ours'] / worst['theirs']:.3f} ({worst['case']})."]
    lines += ["", NOTES]
    (HERE / "results_vs_nt.md").write_text("\n".join(lines) + "\n")
    RECORDS.write_text(json.dumps(records, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 8, 16 and fewer rows; no environment sizes")
    parser.add_argument("--replot", action="store_true",
                        help="only redraw vs_nt.png/.html from the last run's results_vs_nt.json")
    parser.add_argument("--only", default="", help="comma-separated architecture keys (debugging: "
                        "no start-up or size rows)")
    args = parser.parse_args(argv)
    if args.replot:
        plot(json.loads(RECORDS.read_text()))
        return 0
    python_nt = nt_python()
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    load_before = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    case_list = cases(args.quick)
    if args.only:
        case_list = [c for c in case_list if worker.parse_case(c)[0] in args.only.split(",")]
    # Start-up and sizes first (minutes at most); then the rows, the table rewritten after each.
    imports = [] if args.only else import_rows(python_nt)
    sizes = None if args.quick or args.only else environment_sizes()
    print("environment sizes (MB):", sizes, flush=True)

    def write(records, final=False):
        load_after = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        write_results(records, imports, sizes, python_nt, args.quick, started, load_before,
                      load_after if final else f"{load_after} (run in progress)")
        if final:
            plot(records)

    with tempfile.TemporaryDirectory() as tmp:
        records = run_cases(case_list, python_nt, Path(tmp), on_record=write)
    write(records, final=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

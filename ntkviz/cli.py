"""The ``ntkviz`` command: serve the dashboard, check the bundled data, precompute results,
reproduce the papers' figures and claims.

    ntkviz serve [--port 8866] [--max-kernels N] [--kernel-memory-mb MB]
                 [--cull-idle-timeout S] [--cull-connected-timeout S]
                                   # the Voila dashboard on the bundled data, loopback only
    ntkviz check-data              # verify the bundled MNIST checksums and print a summary
    ntkviz precompute [--only accuracy|width|dynamics|augmentation|equivariant] [--quick] [--out PATH]
                                   # the results the explorers ship with (data/results/*.npz)
    ntkviz reproduce TARGET|all [--quick] [--out DIR] [--report FILE] [--replot] [--resume]
                                   # the papers' figures (JSON + HTML + PNG) and claims report
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .serve.command import (
    CULL_CONNECTED_TIMEOUT,
    CULL_IDLE_TIMEOUT,
    KERNEL_MEMORY_MB,
    MAX_KERNELS,
    dashboard_path,
)

__all__ = ["main", "dashboard_path"]


def _serve(args: argparse.Namespace) -> int:
    from .serve import command, process

    notebook = dashboard_path()
    print(f"Serving the ntkviz dashboard at http://127.0.0.1:{args.port}/ (Ctrl-C stops it): at "
          f"most {args.max_kernels} sessions of at most {args.kernel_memory_mb or 'unbounded'} MB "
          "each", flush=True)
    voila = command.voila_command(args.port, notebook, max_kernels=args.max_kernels,
                                  kernel_memory_mb=args.kernel_memory_mb,
                                  cull_idle_timeout=args.cull_idle_timeout,
                                  cull_connected_timeout=args.cull_connected_timeout)
    return process.run(voila, command.voila_environment())


def _check_data(_: argparse.Namespace) -> int:
    from .datasets import bundled_data_dir, load_mnist

    images, labels = load_mnist()
    print(f"MNIST test set in {bundled_data_dir() / 'mnist'}: {images.shape[0]} digits, checksums OK")
    counts = {digit: int((labels == digit).sum()) for digit in range(10)}
    print("digits per class:", counts)
    return 0


#: The shipped results ``ntkviz precompute`` writes, part → file name in ``data/results``.
_FILES = {"accuracy": "accuracy.npz", "width": "width.npz", "dynamics": "dynamics.npz",
          "augmentation": "augmentation.npz", "equivariant": "equivariant_accuracy.npz"}
PRECOMPUTED = tuple(_FILES)


def _precompute(args: argparse.Namespace) -> int:
    """``--only PART`` runs one part, the default all. ``--out`` is the file of the part run;
    when all run it names the accuracy file and the others go next to it (``_FILES``)."""
    import time

    from tqdm.auto import tqdm

    from .experiments import accuracy, width

    def bar_progress(bar):
        def progress(done: int, total: int, label: str):
            bar.total = total
            bar.n = done
            bar.set_postfix_str(label)
            bar.refresh()

        return progress

    parts = PRECOMPUTED if args.only is None else (args.only,)
    out = Path(args.out) if args.out else None
    if out is not None and args.only is None and out.name in _FILES.values() and out.name != _FILES["accuracy"]:
        print(f"ntkviz precompute: error: --out without --only names the accuracy file, and the "
              f"other results go next to it ({', '.join(_FILES.values())}); choose another name "
              "or use --only", file=sys.stderr)
        return 2

    def path_of(part: str, default: Path) -> Path:
        if out is None:
            return default
        return out if args.only == part or part == "accuracy" else out.with_name(_FILES[part])

    if "accuracy" in parts:
        config = accuracy.QUICK if args.quick else accuracy.Config()
        print(f"Accuracy curves for {config}", flush=True)
        start = time.perf_counter()
        with tqdm(total=1, unit="kernel", desc="kernels") as bar:
            results = accuracy.precompute(config, progress=bar_progress(bar))
        path = accuracy.save_results(results, path_of("accuracy", accuracy.precomputed_path()))
        print(f"Wrote {path} in {time.perf_counter() - start:.1f} s", flush=True)
        r = results[("rotate", "ntk")]
        for key in r.architectures:
            curve = ", ".join(f"N={N}: {a:.3f}" for N, a in zip(r.Ns, r.curve(key)))
            print(f"  rotate, NTK, {key}: {curve}")
    if "width" in parts:
        # --quick: a tiny configuration, which the explorer never reads (not the module's).
        grid = dict(depths=(1,), widths=(16, 32), seeds=(0, 1)) if args.quick else {}
        width_out = path_of("width", width.precomputed_path())
        print("Width sweeps and curves for depths "
              f"{grid.get('depths', width.PRECOMPUTED_DEPTHS)}, activations {width.ACTIVATIONS}, "
              f"widths {grid.get('widths', width.WIDTHS)}, {len(grid.get('seeds', width.SEEDS))} seeds",
              flush=True)
        start = time.perf_counter()
        with tqdm(total=1, unit="network", desc="networks") as bar:
            results = width.precompute(progress=bar_progress(bar), **grid)
        path = width.save_results(results, width_out)
        print(f"Wrote {path} in {time.perf_counter() - start:.1f} s", flush=True)
        for depth in results.depths:
            for activation in results.activations:
                errors = results.entry(depth, activation)[2].mean(axis=1)
                curve = ", ".join(f"n={n}: {e:.3f}" for n, e in zip(results.widths, errors))
                print(f"  depth {depth}, {activation}, mean relative error: {curve}")
    if "dynamics" in parts:
        from .experiments import dynamics

        grid = dict(widths=(16, 64), seeds=(0,)) if args.quick else {}
        print(f"Kernel-regime dynamics: finite networks of widths "
              f"{grid.get('widths', dynamics.WIDTHS)} on {dynamics.DATASETS}", flush=True)
        start = time.perf_counter()
        with tqdm(total=1, unit="network", desc="networks") as bar:
            path = dynamics.precompute(path_of("dynamics", dynamics.precomputed_path()),
                                       progress=bar_progress(bar), **grid)
        print(f"Wrote {path} in {time.perf_counter() - start:.1f} s", flush=True)
    if "augmentation" in parts:
        from .experiments import augmentation

        grid = dict(actions=("rot90",), depths=(0,)) if args.quick else {}
        print("Augmentation vs equivariance: the default runs of actions "
              f"{grid.get('actions', augmentation.ACTIONS)}, depths "
              f"{grid.get('depths', augmentation.PRECOMPUTED_DEPTHS)}", flush=True)
        start = time.perf_counter()
        with tqdm(total=1, unit="run", desc="runs") as bar:
            runs = augmentation.precompute(
                progress=lambda done, total: bar_progress(bar)(done, total, ""), **grid)
        path = augmentation.save_runs(runs, path_of("augmentation",
                                                    augmentation.precomputed_path()))
        print(f"Wrote {path} in {time.perf_counter() - start:.1f} s", flush=True)
    if "equivariant" in parts:
        from .experiments import equivariant_accuracy as eq

        config = eq.QUICK if args.quick else eq.Config()
        print(f"Equivariant kernels: accuracy against n_train for {config}", flush=True)
        start = time.perf_counter()
        with tqdm(total=1, unit="Gram", desc="kernels") as bar:
            result = eq.precompute(config, progress=bar_progress(bar),
                                   with_companions=not args.quick)
        path = eq.save_results(result, path_of("equivariant", eq.precomputed_path()))
        print(f"Wrote {path} in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    """Run the chosen targets, write their JSON/HTML/PNG into ``--out`` and rebuild the report."""
    import dataclasses
    import time
    from collections import Counter

    from tqdm.auto import tqdm

    from .reproduction import base, registry, report

    chosen = tuple(registry.TARGETS) if args.target == "all" else (args.target,)
    out = Path(args.out)
    report_path = Path(args.report) if args.report else out / "reproduction.md"
    png = not args.no_png
    if png:
        problem = report.png_export_problem()
        if problem is not None:
            print(f"ntkviz reproduce: error: {problem}", file=sys.stderr)
            return 2
    found = report.load_results(out) if args.replot or args.resume else {}
    if args.replot:
        missing = [t for t in chosen if t not in found]
        if missing:
            print(f"ntkviz reproduce: error: --replot needs {', '.join(f'{t}.json' for t in missing)}"
                  f" in {out}", file=sys.stderr)
            return 2
        for name in chosen:
            paths = report.write_target(name, found[name], out, png=png)
            print(f"Replotted {', '.join(str(p) for p in paths.values())}", flush=True)
        chosen = ()
    for name in chosen:
        cfg = registry.target(name).config(args.quick)
        kept = found.get(name)
        if kept is not None and kept.get("quick") == bool(args.quick) and \
                kept.get("config") == base.to_json(dataclasses.asdict(cfg)):
            print(f"{name}: kept {out / (name + '.json')} (same configuration; --resume)")
            continue
        print(f"{name} ({'quick' if args.quick else 'full'} run): {cfg}", flush=True)
        start = time.perf_counter()
        with tqdm(total=1, desc=name, unit="part") as bar:
            def progress(done: int, total: int, label: str, bar=bar):
                bar.total = total
                bar.n = done
                bar.set_postfix_str(label)
                bar.refresh()

            data = registry.run(name, args.quick, progress, checkpoints=out / ".runs")
        paths = report.write_target(name, data, out, png=png)
        print(f"Wrote {', '.join(str(p) for p in paths.values())} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    path = report.write_report(out, report_path)
    counts = Counter(v.outcome.verdict for v in report.check(report.load_results(out)) if v.outcome)
    print(f"Wrote {path}: " + ", ".join(f"{counts[v]} {v}" for v in base.VERDICTS), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ntkviz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the Voila dashboard on 127.0.0.1",
        description="Serve the Voila dashboard on 127.0.0.1, safe for a class: every visitor gets "
                    "a kernel of their own; the number of kernels and the memory of each are "
                    "bounded and idle kernels are ended.")
    serve.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    serve.add_argument("--max-kernels", type=int, default=MAX_KERNELS, metavar="N",
                       help="most sessions (kernels, the preheated spare included) at once; a "
                            "further visitor gets an HTTP 503 page 'The server is full' while "
                            f"open sessions go on (default {MAX_KERNELS}; each kernel takes "
                            "about 0.5 GB)")
    serve.add_argument("--kernel-memory-mb", type=int, default=KERNEL_MEMORY_MB, metavar="MB",
                       help="resident memory bound per kernel: a session passing it is ended "
                            "and its page says why (default %(default)s; 0: no bound)")
    serve.add_argument("--cull-idle-timeout", type=int, default=CULL_IDLE_TIMEOUT,
                       metavar="SECONDS",
                       help="end a kernel whose page was closed (no open connection) after this "
                            "many idle seconds (default %(default)s)")
    serve.add_argument("--cull-connected-timeout", type=int, default=CULL_CONNECTED_TIMEOUT,
                       metavar="SECONDS",
                       help="also end a kernel whose page is still open after this many idle "
                            "seconds (default %(default)s, longer than a lesson; 0: never)")
    serve.set_defaults(run=_serve)
    check = commands.add_parser("check-data", help="verify the bundled MNIST checksums")
    check.set_defaults(run=_check_data)
    pre = commands.add_parser("precompute", help="compute the results the explorers ship with "
                                                 "(data/results/*.npz)")
    pre.add_argument("--only", choices=PRECOMPUTED, default=None,
                     help="run one part only (default: all)")
    pre.add_argument("--quick", action="store_true", help="a tiny configuration (seconds), for a smoke test")
    pre.add_argument("--out", default=None,
                     help="output .npz (default: the bundled results file); without --only the "
                          "accuracy file, and the other results go next to it under their "
                          "usual names")
    pre.set_defaults(run=_precompute)
    from .reproduction.registry import TARGETS

    rep = commands.add_parser(
        "reproduce", help="recompute the papers' figures and claims (JSON + HTML + PNG per "
                          "target) and the claims report")
    rep.add_argument("target", choices=(*TARGETS, "all"))
    rep.add_argument("--quick", action="store_true",
                     help="a small configuration (minutes) instead of the full run")
    rep.add_argument("--out", default="reproduction",
                     help="folder for <target>.json/.html/.png (default: ./reproduction)")
    rep.add_argument("--report", default=None,
                     help="Markdown report to (re)write from every JSON in --out "
                          "(default: <out>/reproduction.md)")
    rep.add_argument("--replot", action="store_true",
                     help="compute nothing: redraw the figures and the report from the JSON "
                          "files already in --out")
    rep.add_argument("--resume", action="store_true",
                     help="keep every target whose JSON in --out has the same configuration "
                          "(finished parts of long targets are always kept in <out>/.runs)")
    rep.add_argument("--no-png", action="store_true",
                     help="skip the PNG files (they need Chrome or Chromium)")
    rep.set_defaults(run=_reproduce)
    args = parser.parse_args(argv)
    if args.command == "serve":
        if not 1 <= args.port <= 65535:
            parser.error(f"--port must be in 1..65535, got {args.port}")
        for option, value, least in (("--max-kernels", args.max_kernels, 1),
                                     ("--kernel-memory-mb", args.kernel_memory_mb, 0),
                                     ("--cull-idle-timeout", args.cull_idle_timeout, 1),
                                     ("--cull-connected-timeout", args.cull_connected_timeout, 0)):
            if value < least:
                parser.error(f"{option} must be at least {least}, got {value}")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

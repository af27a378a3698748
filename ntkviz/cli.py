"""The ``ntkviz`` command: serve the dashboard, check the bundled data, precompute results,
reproduce the papers' figures and claims, prepare the compilation cache of dashboard kernels.

    ntkviz serve [--port 8866] [--class-size N] [--max-kernels N] [--kernel-memory-mb MB]
                 [--cull-idle-timeout S] [--cull-connected-timeout S]
                                   # the Voila dashboard on the bundled data, loopback only
    ntkviz check-data              # verify the bundled MNIST checksums and print a summary
    ntkviz precompute [--only accuracy|width|dynamics|augmentation|equivariant|survey] [--quick]
                      [--out PATH]
                                   # the results the explorers ship with (data/results/*.npz)
    ntkviz reproduce TARGET|all [--quick] [--out DIR] [--report FILE] [--replot] [--resume]
                                   # the papers' figures (JSON + HTML + PNG) and claims report
    ntkviz warm-cache [--cache-dir DIR]
                                   # compile what the dashboard compiles ahead into JAX's
                                   # persistent cache (the one served kernels use)
    ntkviz kernel-env              # that cache and one BLAS thread, as shell export lines
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .results import PRECOMPUTED
from .serve.command import (
    CLASS_SIZE,
    CULL_CONNECTED_TIMEOUT,
    CULL_IDLE_TIMEOUT,
    KERNEL_MEMORY_MB,
    MAX_KERNELS,
    check_pool_memory,
    dashboard_path,
    default_max_kernels,
)

__all__ = ["main", "dashboard_path"]


def _serve(args: argparse.Namespace) -> int:
    from .serve import command, process
    from .serve.classroom import READY_MESSAGE

    notebook = dashboard_path()
    print(f"Serving the ntkviz dashboard at http://127.0.0.1:{args.port}/ (Ctrl-C stops it): at "
          f"most {args.max_kernels} sessions of at most {args.kernel_memory_mb or 'unbounded'} MB "
          "each", flush=True)
    if args.class_size > 1:
        print(f"Rendering {args.class_size} pages ahead for the class (about "
              f"{args.class_size * command.POOL_KERNEL_MB / 1024:.1f} GB); the log says "
              f"\"{READY_MESSAGE % args.class_size}\" when the class may arrive", flush=True)
    voila = command.voila_command(args.port, notebook, class_size=args.class_size,
                                  max_kernels=args.max_kernels,
                                  kernel_memory_mb=args.kernel_memory_mb,
                                  cull_idle_timeout=args.cull_idle_timeout,
                                  cull_connected_timeout=args.cull_connected_timeout)
    return process.run(voila, command.voila_environment())


def _check_data(_: argparse.Namespace) -> int:
    from .datasets import bundled_data_dir, load_mnist

    images, labels = load_mnist()
    print(f"MNIST test set in {bundled_data_dir() / 'mnist'}: {images.shape[0]} digits, "
          "checksums OK")
    counts = {digit: int((labels == digit).sum()) for digit in range(10)}
    print("digits per class:", counts)
    return 0


def _bar_progress(bar):
    """``progress(done, total, label)`` that moves a tqdm bar."""
    def progress(done: int, total: int, label: str):
        bar.total = total
        bar.n = done
        bar.set_postfix_str(label)
        bar.refresh()

    return progress


def _precompute(args: argparse.Namespace) -> int:
    """Each results file of ``results.PRECOMPUTED`` (``--only``: one) computed and saved by its
    module's ``precompute``, with a progress bar, then its summary. ``--out``: with ``--only``
    the file, without it the folder that receives every file under its usual name."""
    import time

    from tqdm.auto import tqdm

    from . import results

    parts = tuple(results.PRECOMPUTED) if args.only is None else (args.only,)
    out = Path(args.out) if args.out else None
    if out is not None and args.only is None and out.suffix == ".npz":
        print(f"ntkviz precompute: error: without --only, --out is the folder for every results "
              f"file, got the file name {out}; use --only PART to write one file",
              file=sys.stderr)
        return 2
    for part in parts:
        module = results.precomputed(part)
        path = out if out is None or args.only else out / module.precomputed_path().name
        print(f"{part}: the {'quick' if args.quick else 'shipped'} configuration", flush=True)
        start = time.perf_counter()
        with tqdm(total=1, desc=part) as bar:
            path, summary = module.precompute(_bar_progress(bar), quick=args.quick, path=path)
        print(f"Wrote {path} in {time.perf_counter() - start:.1f} s", flush=True)
        for line in summary:
            print(f"  {line.strip()}", flush=True)
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
            needed = ", ".join(f"{t}.json" for t in missing)
            print(f"ntkviz reproduce: error: --replot needs {needed}"
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
            data = registry.run(name, args.quick, _bar_progress(bar), checkpoints=out / ".runs")
        paths = report.write_target(name, data, out, png=png)
        print(f"Wrote {', '.join(str(p) for p in paths.values())} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    path = report.write_report(out, report_path)
    counts = Counter(v.outcome.verdict for v in report.check(report.load_results(out)) if v.outcome)
    print(f"Wrote {path}: " + ", ".join(f"{counts[v]} {v}" for v in base.VERDICTS), flush=True)
    return 0


def _use_jax_cache(settings: dict[str, str]) -> None:
    """Give this process the ``JAX_*`` settings of ``settings`` (what served kernels get). JAX
    reads them from the environment when imported; if it was imported already, they go through
    ``jax.config`` and the cache is opened anew."""
    import os

    os.environ.update(settings)
    if "jax" not in sys.modules:
        return
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    for name, value in settings.items():
        if name.startswith("JAX_"):
            current = getattr(jax.config, name.lower())
            jax.config.update(name.lower(), (str if current is None else type(current))(value))
    compilation_cache.reset_cache()


def _cache_files(folder: Path) -> tuple[int, int]:
    """(programs, bytes) in the JAX compilation cache ``folder``."""
    files = list(folder.glob("*-cache"))
    return len(files), sum(f.stat().st_size for f in files)


def _warm_cache(args: argparse.Namespace) -> int:
    """Compile every program the dashboard compiles ahead (``widgets.dashboard.warm_up_kernels``)
    into JAX's persistent cache: the folder ``ntkviz serve`` gives its kernels, or
    ``--cache-dir``; print each part and its time."""
    import time

    from .serve import command

    settings = command.kernel_environment()
    if args.cache_dir is not None:
        settings["JAX_COMPILATION_CACHE_DIR"] = str(Path(args.cache_dir).expanduser().absolute())
    folder = Path(settings["JAX_COMPILATION_CACHE_DIR"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        named = "--cache-dir" if args.cache_dir is not None else "the cache folder"
        print(f"ntkviz warm-cache: error: {named} {folder} cannot be made a folder: {error}",
              file=sys.stderr)
        return 2
    _use_jax_cache(settings)
    from .widgets import dashboard

    print(f"Compiling what the dashboard compiles ahead into the JAX cache {folder}", flush=True)
    start, before = time.perf_counter(), _cache_files(folder)[0]

    def report(part: str, seconds: float):
        print(f"  {part}: {seconds:.1f} s ({_cache_files(folder)[0] - before} programs so far)",
              flush=True)

    if not dashboard.warm_up_kernels(report=report):
        print(f"Nothing to do: {dashboard.warmed_up_marker(folder).name} says this cache is "
              "warmed up already (delete the folder to compile afresh)", flush=True)
        return 0
    programs, size = _cache_files(folder)
    if programs == 0:
        dashboard.warmed_up_marker(folder).unlink()
        print(f"ntkviz warm-cache: error: JAX wrote no program to {folder}: its persistent cache "
              "does not work here (see JAX's warnings above)", file=sys.stderr)
        return 1
    print(f"Compiled {programs - before} new programs in {time.perf_counter() - start:.1f} s; the "
          f"cache holds {programs} ({size / 2**20:.1f} MB) and is marked as warmed up "
          f"({dashboard.warmed_up_marker(folder).name})", flush=True)
    from .experiments import grams

    shared = grams.folder()
    if shared is not None and shared.is_dir():
        print(f"Kernel matrices computed on the way, shared in {shared}: "
              f"{len(list(shared.glob('*.npy')))}", flush=True)
    return 0


def _kernel_env(_: argparse.Namespace) -> int:
    """Print ``serve.command.kernel_environment()`` as shell ``export`` lines (for
    ``eval "$(ntkviz kernel-env)"`` before starting a Jupyter server, as Binder's start does)."""
    import shlex

    from .serve import command

    for name, value in command.kernel_environment().items():
        print(f"export {name}={shlex.quote(value)}")
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
    serve.add_argument("--class-size", type=int, default=CLASS_SIZE, metavar="N",
                       help="pages rendered ahead, each in a kernel of its own: N visitors "
                            "arriving together all get a page at once (start the server a few "
                            "minutes before class; about 0.3 GB per page; default %(default)s)")
    serve.add_argument("--max-kernels", type=int, default=None, metavar="N",
                       help="most kernels (sessions and pages rendered ahead) at once; a "
                            "further visitor gets an HTTP 503 page 'The server is full' while "
                            f"open sessions go on (default {MAX_KERNELS}, or the class size + 1 "
                            "if larger; each kernel takes about 0.3-0.5 GB)")
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
    pre.add_argument("--only", choices=tuple(PRECOMPUTED), default=None,
                     help="run one part only (default: all)")
    pre.add_argument("--quick", action="store_true",
                     help="a tiny configuration (seconds), for a smoke test")
    pre.add_argument("--out", default=None,
                     help="with --only, the output .npz; without, the folder for every results "
                          "file under its usual name (default: the bundled data/results)")
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
    warm = commands.add_parser(
        "warm-cache", help="compile what the dashboard compiles ahead into JAX's persistent "
                           "compilation cache",
        description="Compile every program the dashboard compiles ahead (the orbit kernels of "
                    "each shape bucket) into JAX's persistent compilation cache, and mark it "
                    "as warmed up: dashboard kernels using that cache then load the programs "
                    "instead of compiling them, and skip their own warm-up.")
    warm.add_argument("--cache-dir", default=None, metavar="DIR",
                      help="the cache folder (default: $JAX_COMPILATION_CACHE_DIR, else the one "
                           "ntkviz serve gives its kernels, ~/.cache/ntkviz/jax)")
    warm.set_defaults(run=_warm_cache)
    env = commands.add_parser(
        "kernel-env", help="print the environment ntkviz serve gives dashboard kernels, as "
                           "shell export lines",
        description="Print the variables ntkviz serve gives its kernels (the JAX compilation "
                    "cache, one BLAS thread) as shell export lines, for a Jupyter server "
                    "started another way: eval \"$(ntkviz kernel-env)\"")
    env.set_defaults(run=_kernel_env)
    args = parser.parse_args(argv)
    if args.command == "serve":
        if not 1 <= args.port <= 65535:
            parser.error(f"--port must be in 1..65535, got {args.port}")
        if args.max_kernels is None:
            args.max_kernels = default_max_kernels(args.class_size)
        for option, value, least in (("--class-size", args.class_size, 1),
                                     ("--max-kernels", args.max_kernels, 1),
                                     ("--kernel-memory-mb", args.kernel_memory_mb, 0),
                                     ("--cull-idle-timeout", args.cull_idle_timeout, 1),
                                     ("--cull-connected-timeout", args.cull_connected_timeout, 0)):
            if value < least:
                parser.error(f"{option} must be at least {least}, got {value}")
        if args.class_size > args.max_kernels:
            parser.error(f"--class-size ({args.class_size}) must be at most --max-kernels "
                         f"({args.max_kernels}): the pages rendered ahead count as kernels")
        try:
            check_pool_memory(args.class_size)
        except ValueError as error:
            parser.error(str(error).replace("class_size=", "--class-size "))
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

"""Run every ``benchmarks/bench_*.py`` and collect their tables into benchmarks/RESULTS.md.

Each benchmark script writes its own ``results_<name>.md``; this script runs them one after
another (never in parallel: the machine has 2 cores) and stitches the tables together.
``bench_vs_nt.py`` (ntkviz against neural-tangents, ~15 minutes) also needs the
neural-tangents interpreter: ``$NTKVIZ_NT_PYTHON``, ``.venv-nt/bin/python`` or
``/tmp/ntenv/bin/python``; alone: ``.venv/bin/python benchmarks/bench_vs_nt.py [--quick]``.
``run_all.py vs_nt circle`` runs only those; ``run_all.py --collect`` only rebuilds RESULTS.md.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(selected: list[str]) -> int:
    """Run the benchmarks named in ``selected`` (all without names), then stitch RESULTS.md;
    ``--collect`` only stitches the existing results files."""
    collect_only = "--collect" in selected
    selected = [name for name in selected if name != "--collect"]
    scripts = [] if collect_only else sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in selected]
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        start = time.perf_counter()
        if subprocess.call([sys.executable, str(script)], cwd=HERE.parent) != 0:
            failed.append(script.name)
        print(f"   {time.perf_counter() - start:.1f} s", flush=True)
    sections = [
        "# Benchmark results",
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        "regenerate with `make benchmarks` (medians after warm-up; timings are never asserted in tests).",
    ]
    for table in sorted(HERE.glob("results_*.md")):
        sections += ["", f"## {table.stem.removeprefix('results_')}", "", table.read_text().rstrip()]
    (HERE / "RESULTS.md").write_text("\n".join(sections) + "\n")
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Wall time of each ``ntkviz reproduce`` target (writes benchmarks/results_reproduce.md).
The full ``make reproduce`` must stay under 3 hours on 2 cores; this table says where it stands.

Run: ``.venv/bin/python benchmarks/bench_reproduce.py [--full]``.

Default: times ``ntkviz reproduce <target> --quick`` (a fresh process each, PNG included, so the
time is what a user waits, imports and JAX compiles included) and reads the full-run wall times
recorded in the shipped JSON files (``data/results/reproduction``, written by ``make reproduce``;
each JSON holds the compute time of its run, without imports and file writing). ``--full``
reruns the full targets into a temporary folder instead (about an hour on 2 cores).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ntkviz.reproduction.registry import TARGETS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NTKVIZ = Path(sys.executable).with_name("ntkviz")


def timed_run(target: str, quick: bool, out: Path) -> tuple[float, float]:
    """(seconds the command took, compute seconds recorded in its JSON)."""
    command = [str(NTKVIZ), "reproduce", target, "--out", str(out)] + (["--quick"] if quick else [])
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    total = time.perf_counter() - start
    return total, json.loads((out / f"{target}.json").read_text())["wall_time"]


def main(full: bool) -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in TARGETS:
            quick_total, quick_compute = timed_run(target, True, Path(tmp) / "quick")
            if full:
                full_total, full_compute = timed_run(target, False, Path(tmp) / "full")
                full_cell = f"{full_total / 60:.1f} min ({full_compute / 60:.1f} min compute)"
            else:
                shipped = ROOT / "data" / "results" / "reproduction" / f"{target}.json"
                full_compute = json.loads(shipped.read_text())["wall_time"]
                full_cell = f"{full_compute / 60:.1f} min compute (shipped run)"
            rows.append(f"| {target} | {quick_total:.0f} s ({quick_compute:.0f} s compute) | "
                        f"{full_cell} |")
            print(rows[-1], flush=True)
    lines = [
        "`ntkviz reproduce <target>` on this machine: `--quick` timed here as a fresh process "
        "(imports, JAX compiles and the JSON/HTML/PNG files included; compute = the part inside "
        "the experiments); the full run "
        + ("rerun here." if full else "as recorded in the shipped JSON by `make reproduce` "
           "(other work shared the 2 cores during that run, so it is an upper bound)."),
        "",
        "| target | --quick | full run |",
        "|---|---|---|",
        *rows,
    ]
    if not full:
        total = sum(json.loads((ROOT / "data" / "results" / "reproduction" / f"{t}.json")
                               .read_text())["wall_time"] for t in TARGETS)
        lines += ["", f"Full run, all targets: {total / 3600:.2f} h compute (budget: 3 h)."]
    (HERE / "results_reproduce.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main("--full" in sys.argv[1:]))

"""Import time and installed size of the runtime environment.

Run: ``.venv/bin/python benchmarks/bench_env.py`` (writes benchmarks/results_env.md).
The size is measured on a fresh virtual environment built from requirements/runtime.lock
(no test tools), exactly as ``make dashboard`` installs it.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7


def import_seconds(statement: str) -> list[float]:
    """Wall time of a fresh interpreter running ``statement``, minus an empty interpreter."""
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return time.perf_counter() - start

    run(statement)  # warm the file-system cache
    baseline = statistics.median(run("pass") for _ in range(REPEATS))
    return [run(statement) - baseline for _ in range(REPEATS)]


def folder_megabytes(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def runtime_environment_megabytes() -> float:
    uv = Path(sys.executable).with_name("uv")
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run([str(uv), "pip", "install", "-q", "--python", str(python), "-r",
                        str(ROOT / "requirements" / "runtime.lock")], check=True)
        subprocess.run([str(uv), "pip", "install", "-q", "--python", str(python), "--no-deps",
                        str(ROOT)], check=True)
        return folder_megabytes(venv)


def main() -> None:
    rows = []
    for label, statement in [
        ("import ntkviz", "import ntkviz"),
        ("import ntkviz + datasets, spectral, gp", "import ntkviz.datasets, ntkviz.spectral, ntkviz.gp"),
        ("import ntkviz.kernels", "import ntkviz.kernels"),
        ("first use of a JAX kernel (imports JAX)", "import ntkviz.kernels as k; k.mlp"),
        ("import jax (for comparison)", "import jax"),
    ]:
        times = sorted(import_seconds(statement))
        rows.append((label, f"{statistics.median(times) * 1e3:.0f} ms", f"{times[-1] * 1e3:.0f} ms"))
    size = runtime_environment_megabytes() if shutil.which("uv") or Path(sys.executable).with_name("uv").exists() else float("nan")
    lines = [
        "| measurement | median | worst of 7 |",
        "|---|---|---|",
        *[f"| {label} | {median} | {worst} |" for label, median, worst in rows],
        f"| runtime environment size (fresh venv from runtime.lock) | {size:.0f} MB | target < 1000 MB |",
    ]
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "results_env.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

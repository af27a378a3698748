"""The product speaks for itself: no file a user gets cites the team's internal notes, their
labels for the papers ("seed 00x") or an issue number; papers are named by title and arXiv id."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# spelled in pieces so that this file does not match itself
FORBIDDEN = re.compile("|".join(("[Ss]eed " + "00[0-4]", "THE" + "ORY", "[Ii]ssue" + " [0-9]")))


def _product_files():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    return [ROOT / f for f in tracked if f.endswith((".py", ".md", ".ipynb", ".toml", ".txt",
                                                      ".json", ".cfg", ".yaml", ".yml"))
            or f in ("Makefile", "binder/postBuild")]


def test_no_product_file_cites_internal_labels_or_issue_numbers():
    offenders = []
    for path in _product_files():
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


def test_theory_page_cites_all_four_papers():
    text = (ROOT / "docs" / "theory.md").read_text()
    for arxiv in ("2412.11521", "2406.06504", "1806.07572", "2303.13458"):
        assert f"arxiv.org/abs/{arxiv}" in text, arxiv

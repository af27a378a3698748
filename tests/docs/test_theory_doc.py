"""docs/theory.md is the one place the formulas live: every link into it resolves, it cites the
papers, and every numbered notebook ends with a References cell pointing there."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "theory.md"
PAPERS = ("2412.11521", "2406.06504", "1806.07572", "2303.13458")


def _anchors(path: Path) -> set[str]:
    """GitHub-style heading anchors (MyST with heading anchors produces the same slugs)."""
    seen: dict[str, int] = {}
    anchors = set()
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"#{1,6} (.*)", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _product_files():
    for pattern in ("ntkviz/**/*.py", "notebooks/*.ipynb", "docs/*.md", "README.md",
                    "tests/**/*.py", "tests_nt/**/*.py", "benchmarks/**/*.py"):
        yield from ROOT.glob(pattern)


def test_every_link_into_the_theory_page_resolves():
    anchors = {"theory.md": _anchors(PAGE),
               "numerics.md": _anchors(ROOT / "docs" / "numerics.md")}
    links = 0
    broken = []
    for path in _product_files():
        text = path.read_text(encoding="utf-8")
        for page, anchor in re.findall(r"(theory\.md|numerics\.md)#([\w-]+)", text):
            links += 1
            if anchor not in anchors[page]:
                broken.append(f"{path.relative_to(ROOT)}: {page}#{anchor}")
        if path == PAGE:
            for anchor in re.findall(r"\]\(#([\w-]+)\)", text):
                links += 1
                if anchor not in anchors["theory.md"]:
                    broken.append(f"docs/theory.md: #{anchor}")
    assert links > 100
    assert not broken, broken


def test_the_theory_page_cites_the_four_papers():
    text = PAGE.read_text(encoding="utf-8")
    references = text[text.index("## References"):]
    for arxiv in PAPERS:
        assert f"https://arxiv.org/abs/{arxiv}" in references, arxiv
    # every section with formulas says where they come from (not Notation, Numerics, References)
    sections = re.split(r"\n## ", text)[2:-2]
    assert len(sections) > 15
    for section in sections:
        assert "arXiv" in section or "Paper:" in section, section.splitlines()[0]


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_ends_with_references(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    last = "".join(cells[-1]["source"])
    assert cells[-1]["cell_type"] == "markdown" and last.startswith("## References")
    assert re.search(r"https://arxiv\.org/abs/(" + "|".join(PAPERS) + ")", last)
    assert "../docs/theory.md#" in last
    markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "$" in markdown  # the math is typeset

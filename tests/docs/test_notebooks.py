"""Every notebook is committed without outputs and runs headless without an error. The lessons
(the numbered notebooks) run in the website's build (tests/website), which fails on a cell that
raises; the others run here."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
NOT_LESSONS = [p for p in NOTEBOOKS if not p.name[:2].isdigit()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_has_no_stored_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), (
        f"{path.name} has stored outputs: clear them before committing"
    )


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOT_LESSONS, ids=[p.name for p in NOT_LESSONS])
def test_notebook_runs(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on any error
    errors = [o for cell in nb.cells for o in cell.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_circle_toy.ipynb", "dashboard.ipynb"} <= names

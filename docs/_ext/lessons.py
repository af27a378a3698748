"""The lessons of the course website: every numbered notebook, executed at build time.

At ``config-inited`` each ``notebooks/NN_*.ipynb`` runs in a fresh kernel (two at a time) and
its executed copy is written to ``docs/lessons/``, which MyST-NB then renders. A cell that
raises stops the build with the notebook and cell named. Two kinds of output are turned into
static, interactive HTML that needs no server:

* a plotly figure (the ``application/vnd.plotly.v1+json`` output plotly's ``plotly_mimetype``
  renderer gives) becomes a ``<div>`` drawn by ``Plotly.newPlot``;
* an explorer (a widget view) becomes the figures of its ``ntkviz`` plots, read from the widget
  state the execution stores (as they stood at the end of the run), under a line saying where
  its controls are live.

plotly.js and MathJax are copied into the site's ``_static`` so the pages work offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ROOT / "docs" / "lessons"
MATHJAX = ROOT / "docs" / "node_modules" / "mathjax" / "es5"
MATHJAX_PARTS = ("output/chtml/fonts/woff-v2", "input/tex/extensions", "a11y", "ui")
PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PLOT_WIDGET = "ntkviz.widgets.plot.Plot"
#: Seconds one cell may take before the build fails.
CELL_TIMEOUT = 600
#: A lesson opened in JupyterLab on Binder (the repository's Binder environment, binder/).
BINDER_LAB = "https://mybinder.org/v2/gh/ntkviz/ntkviz/HEAD?urlpath=lab%2Ftree%2Fnotebooks%2F{name}"
LIVE_NOTE = ("<p class=\"ntkviz-live-note\">The controls of this explorer are live in JupyterLab "
             "and in the dashboard (see <a href=\"../index.html#launch\">Launch</a>); here "
             "its figures are shown as they stood when the notebook finished.</p>")


def lesson_paths() -> list[Path]:
    """The numbered notebooks, in order (``dashboard.ipynb`` is the dashboard, not a lesson)."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path) -> nbformat.NotebookNode:
    """Run one notebook headless from its own folder; raises naming the failing cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    # (cells get the ids of nbformat 4.5, which the committed notebooks do not carry)
    nb = nbformat.from_dict(nbformat.validator.normalize(nbformat.read(path, as_version=4))[1])
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        raise ExtensionError(f"lesson {path.name} failed to run:\n{error}") from None
    return nb


def figure_html(figure: dict, number: int) -> str:
    """A plotly figure as a div drawn by ``Plotly.newPlot`` once the page, and with it plotly.js
    (loaded at the end of the page by the theme), is read; as wide as the page's column (a
    figure's own fixed width would be cut on a phone), at its own height."""
    layout = {key: value for key, value in figure.get("layout", {}).items() if key != "width"}
    spec = {"data": figure.get("data", []), "layout": {**layout, "autosize": True},
            "config": {"responsive": True}}
    payload = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    div = f"ntkviz-figure-{number}"
    return (f'<div class="ntkviz-figure" id="{div}"></div>\n'
            f'<script>document.addEventListener("DOMContentLoaded", () => '
            f'Plotly.newPlot("{div}", {payload}));</script>')


def _plots_under(model_id: str, state: dict) -> list[dict]:
    """The figures of the ntkviz plots in a widget's tree, in the order they are laid out."""
    model = state.get(model_id, {}).get("state", {})
    if model.get("_anywidget_id") == PLOT_WIDGET and model.get("figure"):
        return [json.loads(model["figure"])]
    children = model.get("children", [])
    refs = [c for c in (children if isinstance(children, list) else [children])
            if isinstance(c, str) and c.startswith("IPY_MODEL_")]
    return [fig for ref in refs for fig in _plots_under(ref.removeprefix("IPY_MODEL_"), state)]


def static_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Turn plotly outputs and explorer views into static HTML (see the module docstring)."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            html = []
            if PLOTLY_MIME in data:
                html.append(figure_html(data[PLOTLY_MIME], count := count + 1))
            elif WIDGET_MIME in data:
                figures = _plots_under(data[WIDGET_MIME]["model_id"], state)
                html += [LIVE_NOTE] if figures else []
                html += [figure_html(fig, count := count + 1) for fig in figures]
            if html:
                output["data"] = {"text/html": "\n".join(html), "text/plain": data.get("text/plain", "")}
    nb.metadata.pop("widgets", None)
    return nb


def site_links(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Links from a notebook to ``../docs/page.md`` point at the page beside ``lessons/``, and a
    launch line under the title opens the lesson itself, live, in JupyterLab on Binder."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\(\.\./docs/", "](../", cell.source)
    launch = (f"\n\n<p class=\"ntkviz-launch\"><a href=\"{BINDER_LAB.format(name=name)}\">Run this "
              "lesson in JupyterLab on Binder</a>, or on your own machine with <code>make lab</code>.</p>")
    title = nb.cells[0]
    if title.cell_type == "markdown" and title.source.startswith("# "):
        head, _, rest = title.source.partition("\n")
        title.source = head + launch + ("\n\n" + rest if rest else "")
    return nb


def write_lessons(app, config) -> None:
    """``config-inited``: execute every lesson into ``docs/lessons/`` (stale copies removed).

    ``-D lessons_execute=0`` keeps the lessons as they are (for a quick look at other pages
    while writing them; ``make docs`` always executes)."""
    if not config.lessons_execute:
        return
    os.environ["PLOTLY_RENDERER"] = "plotly_mimetype"  # kernels inherit it: figures as JSON only
    paths = lesson_paths()
    shutil.rmtree(LESSONS, ignore_errors=True)
    LESSONS.mkdir(parents=True)
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for path, nb in zip(paths, pool.map(execute, paths)):
            nbformat.write(site_links(static_outputs(nb), path.name), LESSONS / path.name)


def copy_libraries(app, exception) -> None:
    """``build-finished``: plotly.js and MathJax into the site's ``_static`` (offline pages)."""
    if exception is not None or app.builder.format != "html":
        return
    import plotly

    static = Path(app.outdir) / "_static"
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", static / "plotly.min.js")
    (static / "mathjax").mkdir(exist_ok=True)
    shutil.copy2(MATHJAX / "tex-mml-chtml.js", static / "mathjax" / "tex-mml-chtml.js")
    for part in MATHJAX_PARTS:  # what tex-mml-chtml.js loads on demand: fonts, extensions, menu
        shutil.copytree(MATHJAX / part, static / "mathjax" / part, dirs_exist_ok=True)


def setup(app):
    if not (MATHJAX / "tex-mml-chtml.js").exists():
        raise ExtensionError(f"MathJax is missing at {MATHJAX}: run `npm ci --prefix docs` (make docs does)")
    app.add_config_value("lessons_execute", True, "env", bool)
    app.connect("config-inited", write_lessons)
    app.connect("build-finished", copy_libraries)
    return {"version": "1", "parallel_read_safe": True}

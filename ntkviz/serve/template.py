"""The Voila page template ``ntkviz``: the lab template without its links to a font CDN, and a
readable page for "server full". ``template_root()`` writes it once to a user cache folder,
with the explorers' plotly.js (``widgets.plot.plotly_js()``) as a static file of the page."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["TEMPLATE", "template_root"]

#: Name of the Voila template ``template_root()`` provides.
TEMPLATE = "ntkviz"

# Voila's lab template links Font Awesome from a CDN; the dashboard uses no icon font, and a
# classroom server must not depend on (or leak visits to) another host. The template below
# extends lab and drops every <link> to an absolute URL from that block. It also loads plotly.js
# from the server with the page (``static/plotly.min.js``, ``widgets.plot.plotly_js()``), in
# parallel and cached by the browser, so the figures need not bring it through the kernel
# (``widgets.plot.PlotlyLibrary`` asks the kernel only when the page has none).
FILES = {
    "conf.json": json.dumps({"base_template": "lab"}) + "\n",
    "index.html.j2": """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}
{{ super() }}
<script id="ntkviz-plotly-page" async onerror="this.dataset.failed = 'yes'"
 src="{{ resources.base_url }}voila/templates/ntkviz/static/plotly.min.js"></script>
{%- endblock html_head_js -%}
{%- block notebook_css -%}
{%- for line in super().split('\\n') -%}
{%- if not ('<link' in line and '://' in line) %}
{{ line }}
{%- endif -%}
{%- endfor %}
{%- endblock notebook_css -%}
""",
    "503.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ntkviz: the server is full</title>
<meta http-equiv="refresh" content="60">
<style>body { font-family: sans-serif; margin: 4em auto; max-width: 40em; color: #222; }
h1 { font-size: 1.4em; }</style></head>
<body class="ntkviz-server-full"><h1>{{ message }}</h1>
<p>Every place on this dashboard server is taken. This page tries again by itself in a
minute; when a place frees up, the dashboard opens here.</p></body></html>
""",
}


def template_root() -> Path:
    """A Jupyter data folder holding ``voila/templates/ntkviz`` (add it to ``JUPYTER_PATH``).

    Written to ``$XDG_CACHE_HOME/ntkviz`` (or ``~/.cache/ntkviz``; a private temporary folder
    when neither is writable) and rewritten only when its content changed.
    """
    from ..widgets.plot import plotly_js

    plotly_js = plotly_js()
    digest = hashlib.sha256(json.dumps([FILES, str(plotly_js), plotly_js.stat().st_size],
                                       sort_keys=True).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ntkviz"
    for base in (cache, None):
        try:
            if base is None:
                base = Path(tempfile.mkdtemp(prefix="ntkviz-voila-"))
            root = base / f"voila-template-{digest}"
            folder = root / "voila" / "templates" / TEMPLATE
            static = folder / "static" / "plotly.min.js"
            if static.is_file() and all((folder / name).is_file() and (folder / name).read_text()
                                        == text for name, text in FILES.items()):
                return root
            static.parent.mkdir(parents=True, exist_ok=True)
            for name, text in FILES.items():
                partial = folder / f".{name}.{os.getpid()}"
                partial.write_text(text)
                partial.replace(folder / name)
            partial = static.with_name(f".plotly.min.js.{os.getpid()}")
            shutil.copyfile(plotly_js, partial)   # (a link out of the template is refused)
            partial.replace(static)
            return root
        except OSError:
            continue
    raise OSError("no writable folder for the Voila template")   # pragma: no cover

"""Sphinx configuration of the ntkviz course website: ``make docs`` builds it, offline, into
``docs/_build/html``.

Sphinx with MyST-NB rather than Jupyter Book: Jupyter Book 1 is a layer over exactly this stack
and Jupyter Book 2 builds with Node (mystmd), neither of which adds anything the site needs,
while plain Sphinx gives autodoc for the API reference, ``-W`` for warnings as errors and one
configuration file. The lessons (the numbered notebooks) are executed at every build by
``_ext/lessons.py``; MyST-NB renders the executed copies.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import ntkviz  # noqa: E402

project = "ntkviz"
author = "the ntkviz developers"
copyright = "2026, the ntkviz developers"
release = version = ntkviz.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "lessons",
]

# Sources: the pages of docs/ and the executed lessons (docs/lessons, written by _ext/lessons.py);
# not the report a test regenerates beside reproduction.md for a moment (_check_reproduction.md).
exclude_patterns = ["_build", "images", "node_modules", "package.json", "package-lock.json",
                    "_check_*"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# MyST: $…$ math as in the notebooks, and heading anchors for links such as theory.md#the-gp.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 4
# The lessons arrive executed (lessons.py); MyST-NB must not run them a second time.
nb_execution_mode = "off"
nb_merge_streams = True

# The API reference: the package's numpy-style docstrings, members in each module's __all__ order.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_class_signature = "separated"
napoleon_google_docstring = False
napoleon_use_rtype = False

# Offline: MathJax and plotly.js are served from the site itself (lessons.py copies them).
mathjax_path = "mathjax/tex-mml-chtml.js"
html_theme = "furo"
html_title = "ntkviz"
html_static_path = ["_static"]
html_css_files = ["ntkviz.css"]
html_js_files = ["plotly.min.js"]
html_copy_source = False

# Types in the docstrings are informal shapes ("(n, n) float64"); napoleon still turns each word
# into a cross-reference, and a word such as "K" names attributes of several classes. Those
# ambiguous lookups are not broken links, so their warnings are left out.
suppress_warnings = ["ref.python"]

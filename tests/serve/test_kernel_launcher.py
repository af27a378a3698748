"""ntkviz.serve.launcher's start-up: what a served dashboard kernel leaves out, and that the
dashboard still builds without it (the memory watchdog is tested in test_server_limits)."""

import subprocess
import sys

from ntkviz.serve import launcher as kernel_launcher

CODE = """
import sys
from ntkviz.serve.launcher import SLOW_UNUSED_MODULES, skip_slow_imports
skip_slow_imports()
import jsonschema
import nbformat
from ntkviz.widgets import Dashboard
Dashboard()
nbformat.validate(nbformat.v4.new_notebook())   # nbformat's validation still works
jsonschema.validate("x", {"type": "string", "format": "iri"},
                    format_checker=jsonschema.FormatChecker())  # the IRI check is only absent
loaded = [m for m in SLOW_UNUSED_MODULES if sys.modules.get(m) is not None]
print("LOADED", loaded)
"""


def test_dashboard_builds_without_the_slow_unused_modules():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "LOADED []" in out.stdout


def test_without_the_switch_plotly_widgets_do_import_them():
    # the reason for the switch: the FigureWidget import chain pulls the module in
    code = "import sys, plotly.graph_objects as go; go.FigureWidget(); " \
           "print('LOADED', [m for m in %r if m in sys.modules])" % (kernel_launcher.SLOW_UNUSED_MODULES,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"LOADED {list(kernel_launcher.SLOW_UNUSED_MODULES)}" in out.stdout

"""Drive the Voila dashboard in Debian's headless Chromium (used by the browser tests and by
``benchmarks/bench_dashboard.py``).

Voila is started with exactly the command of ``make dashboard`` (``ntkviz.serve.voila_command``)
on a free loopback port; Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright (never
a downloaded browser).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ntkviz.serve import command

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: A test that drives Chromium: skipped where there is none, unless CI=true (in CI a missing
#: Chromium is a failure, never a skip). ``BROWSER`` adds the ``browser`` marker.
needs_chromium = pytest.mark.skipif(not os.environ.get("CI") and not Path(CHROMIUM).exists(),
                                    reason=f"no Chromium at {CHROMIUM} (set CI=true to make this a failure)")
BROWSER = [pytest.mark.browser, needs_chromium]
FIRST_RENDER_TIMEOUT_MS = 180_000
UPDATE_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def voila_server(log_path: Path, notebook: Path | None = None):
    """Serve the dashboard like ``make dashboard`` does; yields its URL."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    notebook = notebook or ROOT / "notebooks" / "dashboard.ipynb"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command.voila_command(port, notebook), cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, env=command.voila_environment())
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"voila exited with {process.returncode}; see {log_path}")
                try:  # a TCP connect only: a GET of the page would start a kernel
                    socket.create_connection(("127.0.0.1", port), timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("voila did not start within 120 s")
                    time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/"
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_dashboard(browser, url: str, width: int = 1400, height: int = 1800):
    """A page with the dashboard rendered (the first tab's figure drawn); sets
    ``page.first_render_seconds``."""
    page = browser.new_page(viewport={"width": width, "height": height})
    start = time.monotonic()
    page.goto(url, timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_selector(".ntkviz-dashboard", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_selector(".ntkviz-circle-explorer .js-plotly-plot .main-svg", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.first_render_seconds = time.monotonic() - start
    return page


def select_tab(page, title: str, ready_selector: str, timeout_ms: int = FIRST_RENDER_TIMEOUT_MS):
    """Click the dashboard tab called ``title`` and wait for ``ready_selector`` to be visible."""
    page.locator(".ntkviz-dashboard .lm-TabBar-tab", has_text=title).first.click()
    page.wait_for_selector(ready_selector, state="visible", timeout=timeout_ms)


def press(page, css: str, key: str, times: int = 1):
    """Press ``key`` on the handle of the visible slider with CSS class ``css``."""
    handle = page.locator(f".{css} .noUi-handle >> visible=true").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


_READ = ("const [c, d] = spec.split('@');"
         " const e = [...document.querySelectorAll('.' + c)].find(x => x.offsetParent !== null);"
         " const v = e ? e.dataset[d || 'value'] : null;")


def data_value(page, spec: str) -> str | None:
    """A data attribute of the first visible element: ``"css"`` reads its ``data-value``,
    ``"css@n"`` its ``data-n``."""
    return page.evaluate(f"(spec) => {{ {_READ} return v === undefined ? null : v; }}", spec)


def wait_for_value(page, spec: str, predicate_js: str, arg=None, timeout_ms: int = UPDATE_TIMEOUT_MS):
    """Wait until ``predicate_js`` (a JS expression in ``v``, the value read as in
    ``data_value``, and ``a``) holds."""
    page.wait_for_function(
        f"([spec, a]) => {{ {_READ} if (v === null || v === undefined) return false; return {predicate_js}; }}",
        arg=[spec, arg], timeout=timeout_ms)


def wait_for_number(page, css: str, expected: float, rtol: float = 1e-9, timeout_ms: int = UPDATE_TIMEOUT_MS):
    wait_for_value(page, css, "Math.abs(parseFloat(v) - a) <= %r * Math.max(Math.abs(a), 1e-300)" % rtol,
                   expected, timeout_ms)


_HOOK_PLOTS = """(root) => {
  window.__ntkvizPlotted = window.__ntkvizPlotted || 0;
  document.querySelectorAll(root + ' .js-plotly-plot').forEach(gd => {
    if (!gd.__ntkvizHooked && gd.on) {
      gd.on('plotly_afterplot', () => { window.__ntkvizPlotted = performance.now(); });
      gd.__ntkvizHooked = true;
    }
  });
  return performance.now();
}"""


def timed_move(page, root: str, move, readout_css: str, settle_ms: int = 250,
               timeout_ms: int = UPDATE_TIMEOUT_MS) -> float:
    """Seconds from a control move (``move()``) to the last figure redraw it caused.

    Waits until the readout ``readout_css`` (as in ``data_value``) changed and plotly has
    redrawn a figure under ``root``, then until no redraw happened for ``settle_ms``; times are
    the page's clock.
    """
    before = data_value(page, readout_css)
    t0 = page.evaluate(_HOOK_PLOTS, root)
    move()
    wait_for_value(page, readout_css, "v !== a", before, timeout_ms)
    page.wait_for_function("(t) => window.__ntkvizPlotted > t", arg=t0, timeout=timeout_ms)
    while True:
        last = page.evaluate("() => window.__ntkvizPlotted")
        page.wait_for_timeout(settle_ms)
        if page.evaluate("() => window.__ntkvizPlotted") == last:
            return (last - t0) / 1e3

"""The dashboard on the screens students use: a projector (1280×720), a laptop (1024×768), a
tablet upright (768×1024) and a phone (390×844), every tab.

One served dashboard and one page for the module; the page is resized from screen to screen
(so the figures must follow the page's width). On each screen and tab: nothing wider than the
page, no label, readout, tab name or figure title cut, no two figure titles over each other,
every slider named after its label; on the projector the tab's main panel (``MAIN_PANEL`` of
its explorer) and its controls are in the first screen.
Each view is saved as ``tests/artifacts/viewports/<tab>-<width>x<height>.png``. Skipped only
when CI is unset and no Chromium is installed; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import pytest
from browser_support import (
    ARTIFACTS,
    BROWSER,
    launch_chromium,
    open_dashboard,
    select_tab,
    voila_server,
)
from plotly.subplots import make_subplots

from ntkviz import widgets as w
from ntkviz.widgets.dashboard import default_tabs

pytestmark = BROWSER


PROJECTOR = (1280, 720)
VIEWPORTS = (PROJECTOR, (1024, 768), (768, 1024), (390, 844))
SHOTS = ARTIFACTS / "viewports"
TABS = {t.key: t for t in default_tabs()}
EXPLORERS = {"circle": w.CircleExplorer, "orbit": w.OrbitExplorer, "survey": w.PairSurvey,
             "accuracy": w.AccuracyExplorer, "width": w.WidthExplorer,
             "equivariant": w.EquivariantKernelsExplorer, "dynamics": w.DynamicsExplorer,
             "augmentation": w.AugmentationExplorer}
#: Texts that must never be cut: control labels and readouts, readouts, legends, messages, tab
#: names, buttons and the "What am I looking at?" toggle.
TEXTS = (".widget-label, .widget-readout, .ntkviz-readout, .ntkviz-legend, .ntkviz-message, "
         ".lm-TabBar-tabLabel, .widget-button, .widget-toggle-button, summary")

_LAYOUT = """([root, texts]) => {
  const shown = (e) => e.offsetParent !== null && e.getClientRects().length > 0;
  const name = (e) => (e.className.baseVal ?? e.className) + ' "' + e.textContent.trim().slice(0, 40) + '"';
  const wide = [], cut = [];
  // inside a box that scrolls sideways (a wide table on a phone) the page itself does not
  const scrolled = (e) => { for (let a = e.parentElement; a && !a.classList.contains('ntkviz-dashboard'); a = a.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true; } return false; };
  // HTML elements of the dashboard (plotly's own SVG is inside the figure's box, checked too)
  for (const e of document.querySelectorAll('.ntkviz-dashboard *:not(svg *), .ntkviz-dashboard .main-svg')) {
    if (!shown(e) || scrolled(e)) continue;
    const box = e.getBoundingClientRect();
    if (box.width > 0 && (box.right > innerWidth + 1 || box.left < -1)) wide.push(name(e) + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
  }
  for (const e of document.querySelectorAll(texts)) {
    if (shown(e) && e.closest('.ntkviz-dashboard') && e.scrollWidth > e.clientWidth + 1) cut.push(name(e) + ' ' + e.scrollWidth + ' > ' + e.clientWidth);
  }
  const unnamed = [...document.querySelectorAll(root + ' [role=slider]')].filter(shown)
    .filter(h => !(h.getAttribute('aria-label') || '').trim()).length;
  // panel titles and other notes drawn by plotly: inside their figure, none over another
  const plot = document.querySelector(root + ' .ntkviz-plot');
  const frame = plot.getBoundingClientRect();
  const notes = [...plot.querySelectorAll('.annotation-text')].filter(e => e.getClientRects().length)
    .map(e => [e.textContent.slice(0, 30), e.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
  const crossing = [];
  notes.forEach(([text, r], i) => {
    if (r.left < frame.left - 1 || r.right > frame.right + 1) cut.push('figure note "' + text + '"');
    notes.slice(i + 1).forEach(([other, q]) => {
      if (Math.min(r.right, q.right) - Math.max(r.left, q.left) > 2 && Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top) > 2)
        crossing.push(text + ' / ' + other);
    });
  });
  return {scroll: document.scrollingElement.scrollWidth, inner: innerWidth, wide: wide.slice(0, 5),
          cut: cut.slice(0, 5), unnamed, crossing: crossing.slice(0, 5)};
}"""

_FIRST_SCREEN = """([root, subplot]) => {
  window.scrollTo(0, 0);
  const panel = document.querySelector(root + ' .js-plotly-plot .draglayer > g.' + subplot + ' .nsewdrag');
  const controls = [...document.querySelectorAll(root + ' .ntkviz-control')].filter(e => e.offsetParent !== null);
  return {panel: panel ? [panel.getBoundingClientRect().top, panel.getBoundingClientRect().bottom] : null,
          controls: Math.max(...controls.map(e => e.getBoundingClientRect().bottom)),
          height: innerHeight};
}"""


def _subplot(key: str) -> str:
    """The plotly subplot (``xy``, ``x3y3``…) of the main panel of tab ``key``."""
    cls = EXPLORERS[key]
    row, col = cls.PANELS[cls.MAIN_PANEL or next(iter(cls.PANELS))]
    grid = {k: cls.FIGURE[k] for k in ("rows", "cols", "specs") if k in cls.FIGURE}
    sub = make_subplots(**grid).get_subplot(row, col)
    return sub.xaxis.plotly_name.replace("axis", "") + sub.yaxis.plotly_name.replace("axis", "")


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with voila_server(ARTIFACTS / "voila_viewports.log") as url, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            yield open_dashboard(browser, url, *PROJECTOR)
        finally:
            browser.close()


def _show(page, viewport, key: str) -> str:
    """Resize the page to ``viewport``, open tab ``key``, wait until its figure is drawn as wide
    as its column; returns the tab's root selector."""
    width, height = viewport
    if page.viewport_size != {"width": width, "height": height}:
        page.set_viewport_size({"width": width, "height": height})
    root = f".ntkviz-tab-{key}"
    select_tab(page, TABS[key].title, f"{root} .js-plotly-plot .main-svg")
    widths = """(root) => { const plot = document.querySelector(root + ' .ntkviz-plot');
        const svg = plot && plot.querySelector('.main-svg');
        const column = plot && plot.closest('.ntkviz-main');
        return svg && column ? [svg.getBoundingClientRect().width, column.getBoundingClientRect().width] : null; }"""
    try:
        page.wait_for_function(f"(root) => {{ const w = ({widths})(root); return w && Math.abs(w[0] - w[1]) <= 2; }}",
                               arg=root, timeout=30_000)
    except Exception as error:  # noqa: BLE001 - reported with what the page shows
        raise AssertionError(f"the figure does not follow the page's width: figure and column "
                             f"{page.evaluate(widths, root)}") from error
    page.evaluate("() => window.scrollTo(0, 0)")
    return root


@pytest.mark.parametrize("viewport, key", [(v, k) for v in VIEWPORTS for k in TABS],
                         ids=[f"{k}-{v[0]}x{v[1]}" for v in VIEWPORTS for k in TABS])
def test_every_tab_fits_the_screen(page, viewport, key):
    root = _show(page, viewport, key)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{key}-{viewport[0]}x{viewport[1]}.png"))
    layout = page.evaluate(_LAYOUT, [root, TEXTS])
    assert layout["scroll"] <= layout["inner"], layout
    assert not layout["wide"], f"wider than the page: {layout['wide']}"
    assert not layout["cut"], f"text cut: {layout['cut']}"
    assert not layout["crossing"], f"figure notes drawn over each other: {layout['crossing']}"
    assert layout["unnamed"] == 0, "a slider without an accessible name"
    if viewport == PROJECTOR:
        seen = page.evaluate(_FIRST_SCREEN, [root, _subplot(key)])
        top, bottom = seen["panel"]
        assert 0 <= top and top + 0.5 * (bottom - top) <= seen["height"], (
            f"the main panel {EXPLORERS[key].MAIN_PANEL!r} is not in the first screen: {seen}")
        assert seen["controls"] <= seen["height"], f"controls below the first screen: {seen}"

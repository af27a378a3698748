"""Drive the Voila dashboard in headless Chromium: the readout follows the sliders.

Runs the same command as ``make dashboard`` on a free loopback port. Skipped only when CI is
unset and no Chromium is installed; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    FIRST_RENDER_TIMEOUT_MS,
    ROOT,
    UPDATE_TIMEOUT_MS,
    launch_chromium,
    open_dashboard,
    voila_server,
)

from ntkviz.experiments import circle

pytestmark = pytest.mark.browser

if not os.environ.get("CI") and not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (set CI=true to make this a failure)", allow_module_level=True)


@pytest.fixture(scope="module")
def voila_url():
    with voila_server(ARTIFACTS / "voila.log") as url:
        yield url


@pytest.fixture(scope="module")
def page(voila_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        pg = None
        try:
            pg = open_dashboard(browser, voila_url)
            pg.wait_for_selector(".ntkviz-eps", timeout=FIRST_RENDER_TIMEOUT_MS)
            print(f"\nVoila first render: {pg.first_render_seconds:.1f} s")
            yield pg
        finally:
            if pg is not None:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                pg.screenshot(path=str(ARTIFACTS / "dashboard_last.png"), full_page=True)
            browser.close()


def _values(page) -> tuple[float, float]:
    loo = page.get_attribute(".ntkviz-loo", "data-value")
    eps = page.get_attribute(".ntkviz-eps", "data-value")
    return float(loo), float(eps)


def _wait_for_eps(page, expected: float):
    page.wait_for_function(
        "(e) => { const s = document.querySelector('.ntkviz-eps');"
        " return s && Math.abs(parseFloat(s.dataset.value) - e) <= 1e-9 * Math.abs(e); }",
        arg=expected, timeout=UPDATE_TIMEOUT_MS,
    )


def _press(page, slider_class: str, key: str, times: int = 1):
    handle = page.locator(f".{slider_class} .noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


def _assert_matches_core(page, N, delta, ell):
    s = circle.circle_state(N, delta, ell)
    _wait_for_eps(page, s.eps_spectral)
    loo, eps = _values(page)
    assert eps == pytest.approx(s.eps_spectral, rel=1e-9)
    assert loo == pytest.approx(s.loo_error, rel=1e-9)


def test_dashboard_follows_the_sliders(page):
    _assert_matches_core(page, 8, 1.0, 1.0)
    assert page.locator(".ntkviz-circle-explorer .js-plotly-plot").count() == 1
    assert page.locator(".ntkviz-circle-explorer .js-plotly-plot .gtitle, "
                        ".ntkviz-circle-explorer .js-plotly-plot .annotation-text").count() >= 6
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    _press(page, "ntkviz-delta", "ArrowRight", times=2)  # δ: 1.00 → 1.10
    _assert_matches_core(page, 8, 1.1, 1.0)

    _press(page, "ntkviz-N", "ArrowRight", times=4)  # N: 8 → 12
    _assert_matches_core(page, 12, 1.1, 1.0)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.annotation-text')].some(t => t.textContent.includes('N (δ = 1.1'))",
        timeout=UPDATE_TIMEOUT_MS,
    )
    page.wait_for_timeout(1000)  # let plotly finish redrawing for the picture

    shot = ARTIFACTS / "circle_explorer.png"
    page.screenshot(path=str(shot), full_page=True)
    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, images / "circle_explorer.png")
    assert page.locator(".ntkviz-message-error").count() == 0


def test_dragging_a_slider_updates_while_dragging_and_lands_on_the_last_value(page):
    handle = page.locator(".ntkviz-delta .noUi-handle").first
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    seen = set()
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + 3 * step, y)
        page.wait_for_timeout(40)
        seen.add(page.get_attribute(".ntkviz-eps", "data-value"))
    page.mouse.up()
    assert len(seen) > 2, "the readout should change during the drag, not only at the end"
    delta = float(page.locator(".ntkviz-delta .widget-readout").inner_text())
    N = int(page.locator(".ntkviz-N .widget-readout").inner_text())
    assert delta > 1.1
    _assert_matches_core(page, N, delta, 1.0)
    assert page.locator(".ntkviz-message-error").count() == 0

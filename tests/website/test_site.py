"""The course website builds as ``make docs`` builds it (warnings are errors, every lesson
executed), its internal links all land, and a lesson page opened from disk in Chromium, with no
network, draws an interactive figure."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser_support import ROOT, launch_chromium, needs_chromium

pytestmark = pytest.mark.notebook  # the build executes every lesson

LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SPHINX_BUILD = Path(sys.executable).parent / "sphinx-build"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built afresh (own output and doctree folders) with the command of ``make docs``."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([str(SPHINX_BUILD), "-W", "--keep-going", "-b", "html", "-d", str(out / "doctrees"),
                            "docs", str(out / "html")], cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, f"the site did not build:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    return out / "html"


class _Anchors(HTMLParser):
    """The ids of a page and the links (href, src) it makes."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        self.links += [attrs[key] for key in ("href", "src") if attrs.get(key)]


def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_is_there(site):
    for page in ["index", "lessons", "theory", "reproduction", "numerics", "benchmarks", "instructors",
                 "deploy", "api/index", "api/spectral", "api/experiments_circle"]:
        assert (site / f"{page}.html").exists(), page
    for lesson in LESSONS:
        html = (site / "lessons" / f"{lesson}.html").read_text(encoding="utf-8")
        assert 'class="ntkviz-figure"' in html, f"lesson {lesson} shows no figure"
        assert f"urlpath=lab%2Ftree%2Fnotebooks%2F{lesson}.ipynb" in html, f"lesson {lesson}: no launch link"
        assert "Traceback" not in html, f"lesson {lesson} shows an error"


def test_the_api_reference_shows_the_examples(site):
    html = (site / "api" / "spectral.html").read_text(encoding="utf-8")
    assert "spectral_error" in html and "&gt;&gt;&gt;" in html


def test_every_internal_link_lands(site):
    """Each relative href/src names a file of the site and, with a #fragment, an id on that page."""
    pages = {path: _parse(path) for path in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # http(s), mailto, data: outside the site (launch links, arXiv)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} → {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)} → {link} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:40])


@pytest.mark.browser
@needs_chromium
def test_a_lesson_opened_from_disk_draws_an_interactive_figure(site):
    """No server and no network: every request of the page is a file of the site, plotly draws
    the figures, and hovering a point of one shows its hover label; MathJax typesets the math;
    on a phone's width every figure fits its column."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside, errors = [], []
        page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "blob:"))
                else outside.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((site / "lessons" / "01_circle_toy.html").as_uri())
        figure = page.locator(".ntkviz-figure.js-plotly-plot", has=page.locator(".scatterlayer .point")).first
        figure.wait_for(timeout=30_000)
        figure.scroll_into_view_if_needed()
        figure.locator(".scatterlayer .point").first.hover(force=True)
        page.wait_for_function("fig => (fig.querySelector('.hoverlayer')?.textContent || '').length > 0",
                               arg=figure.element_handle(), timeout=10_000)
        assert page.locator("mjx-container").count() > 0, "MathJax did not typeset the lesson"
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: figures fit the column
        page.wait_for_function("""() => [...document.querySelectorAll('.ntkviz-figure')].every(
            div => div.querySelector('.main-svg').clientWidth <= div.clientWidth)""", timeout=10_000)
        browser.close()
    assert not errors, errors
    assert not outside, f"the page asked the network for {outside[:5]}"

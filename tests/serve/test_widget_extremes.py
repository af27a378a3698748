"""Every dashboard control driven to its extremes in headless Chromium: sliders to
both ends with Home/End and fast key sweeps, every dropdown and toggle option, junk typed into
the number boxes and slider readouts, rapid alternation, and the combinations known to be hard
(N = 64 with the slowest kernel, δ = 0 with the smallest ℓ, an untrained dynamics setting at
every slider's end, a survey that would take minutes).

After each: no "Traceback"/"…Error" text on the page outside the message lines, no uncaught
JS error from the widget manager, errors only in that tab's message line, a failing move keeps
the figure's traces (Plotly's own ``gd.data``) and readout, and a normal move afterwards still
shows what an independent Python computation predicts (so the kernel is alive).
The Python twin of these checks (every ``set`` argument, every control value) is
``test_widget_extremes_py.py``.
"""

from __future__ import annotations

import math
import re
import time

import pytest
from browser_support import (
    ARTIFACTS,
    BROWSER,
    FIRST_RENDER_TIMEOUT_MS,
    UPDATE_TIMEOUT_MS,
    data_value,
    launch_chromium,
    press,
    select_tab,
    voila_server,
    wait_for_number,
    wait_for_value,
)

from ntkviz.widgets import CircleExplorer

pytestmark = BROWSER


#: Junk typed into number boxes and editable slider readouts.
JUNK = ("", "-1", "1e309", "nan", "abc", "99999999999999999999", "-0", "3.7")
#: Console lines that are not failures: the lab template's icon font comes from a CDN (offline
#: here), and Chromium reports the refused request.
HARMLESS_CONSOLE = re.compile(r"Failed to load resource|net::ERR_|favicon|fonts\.googleapis|cdn\.", re.I)
#: What a Python traceback or a raised exception leaves in page text.
TRACEBACK = re.compile(r"Traceback|\b[A-Z]\w*Error\b|\bError\b")
CIRCLE = ".ntkviz-circle-explorer"


@pytest.fixture(scope="module")
def voila_url():
    with voila_server(ARTIFACTS / "voila_extremes.log") as url:
        yield url


def open_watched(browser, url: str):
    """The dashboard in a new page whose console is watched from the first request on:
    ``page.console_errors`` collects uncaught exceptions and console errors."""
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
    page.on("console", lambda msg: page.console_errors.append(f"console: {msg.text}")
            if msg.type == "error" and not HARMLESS_CONSOLE.search(msg.text) else None)
    page.goto(url, timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_selector(".ntkviz-dashboard", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_selector(f"{CIRCLE} .js-plotly-plot .main-svg", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_selector(".ntkviz-eps", timeout=FIRST_RENDER_TIMEOUT_MS)
    return page


def check_the_watchers(page):
    """The checks must be able to fail: a console error, an uncaught exception and a
    traceback-like text planted in the page are each seen, then removed."""
    page.evaluate("() => console.error('ntkviz watcher probe')")
    page.evaluate("() => setTimeout(() => { throw new Error('ntkviz uncaught probe'); }, 0)")
    page.evaluate("""() => { const d = document.createElement('div'); d.id = 'ntkviz-probe';
        d.textContent = 'Traceback (most recent call last): ValueError: probe';
        document.body.appendChild(d); }""")
    page.wait_for_timeout(200)
    seen = page_problems(page)
    assert any("watcher probe" in p for p in seen), seen
    assert any("uncaught probe" in p for p in seen), seen
    assert any("Traceback" in p for p in seen), seen
    page.evaluate("() => document.getElementById('ntkviz-probe').remove()")
    page.console_errors.clear()
    assert page_problems(page) == []


@pytest.fixture(scope="module")
def page(voila_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        pg = None
        try:
            pg = open_watched(browser, voila_url)
            check_the_watchers(pg)
            yield pg
        finally:
            if pg is not None:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                pg.screenshot(path=str(ARTIFACTS / "extremes_last.png"), full_page=True)
            browser.close()


# --- helpers ----------------------------------------------------------------------------------
def page_problems(page) -> list[str]:
    """Traceback/Error text anywhere on the page outside the message lines (hidden tabs
    included), and every console error or uncaught exception seen so far."""
    text = page.evaluate("""() => {
        const body = document.body.cloneNode(true);
        body.querySelectorAll('.ntkviz-message, style, script').forEach(e => e.remove());
        return body.textContent;
    }""")
    found = [f"page text: …{text[max(0, m.start() - 60):m.end() + 60]}…" for m in TRACEBACK.finditer(text)]
    stderr = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count()
    if stderr:
        found.append(f"{stderr} stderr output(s) on the page")
    return found + list(page.console_errors)


def assert_clean(page, root: str):
    """No traceback/console error, and no error in this tab's message line."""
    assert page_problems(page) == []
    assert page.locator(f"{root} .ntkviz-message-error").count() == 0, message_text(page, root)


def message_text(page, root: str) -> str:
    return page.locator(f"{root} .ntkviz-message").first.inner_text()


def wait_for_message(page, root: str, css: str, text: str | None = None,
                     timeout_ms: int = UPDATE_TIMEOUT_MS):
    page.wait_for_function(
        "([r, c, t]) => { const e = document.querySelector(r + ' .ntkviz-message.' + c);"
        " return e && (t === null || e.textContent.includes(t)); }",
        arg=[root, css, text], timeout=timeout_ms)


def wait_no_error(page, root: str, timeout_ms: int = UPDATE_TIMEOUT_MS):
    """Wait until the tab's message line shows no error (a recovering move has landed)."""
    page.wait_for_function("(r) => document.querySelector(r + ' .ntkviz-message') &&"
                           " !document.querySelector(r + ' .ntkviz-message-error')",
                           arg=root, timeout=timeout_ms)


def figure_signature(page, root: str) -> str:
    """The traces Plotly draws in the tab's figure: type, lengths and first values of each."""
    return page.evaluate("""(root) => {
        const gd = document.querySelector(root + ' .js-plotly-plot');
        if (!gd || !gd.data) return null;
        const first = a => a && a.length ? String(Array.isArray(a[0]) || ArrayBuffer.isView(a[0]) ? a[0][0] : a[0]) : '';
        return JSON.stringify(gd.data.map(t => [t.type, (t.x || []).length, (t.y || []).length,
                                                 (t.z || []).length, first(t.x), first(t.y), first(t.z)]));
    }""", root)


def n_traces(page, root: str) -> int:
    return page.evaluate("(r) => document.querySelector(r + ' .js-plotly-plot').data.length", root)


def slider_readout(page, root: str, css: str) -> str:
    return page.locator(f"{root} .{css} .widget-readout").first.inner_text().strip()


def sweep(page, css: str, key: str, times: int):
    """A fast burst of key presses on a slider handle (no waiting between them)."""
    press(page, css, key, times=times)


def type_into(page, locator, text: str):
    """Select what a box holds, type ``text`` and press Enter (as a person would)."""
    locator.click()
    page.keyboard.press("Control+A")
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("Backspace")
    page.keyboard.press("Enter")


def junk_into_readouts(page, root: str, *css: str):
    """Every junk string typed into the editable readout of each slider ``css`` (ipywidgets 8
    sliders take typed values: the browser refuses or clamps them, whatever lands is computed)."""
    for name in css:
        readout = page.locator(f"{root} .{name} .widget-readout").first
        for text in JUNK:
            type_into(page, readout, text)


def number(page, spec: str) -> float:
    return float(data_value(page, spec))


# --- Circle toy model -------------------------------------------------------------------------


def circle_setting(page):
    return (float(data_value(page, "ntkviz-setting@delta")), int(data_value(page, "ntkviz-setting@n")),
            float(data_value(page, "ntkviz-setting@lengthScale")))


def wait_circle(page, delta, N, ell):
    from ntkviz.experiments import circle

    wait_for_value(page, "ntkviz-setting@n", "v === a", str(N))
    wait_for_value(page, "ntkviz-setting@delta", "Math.abs(parseFloat(v) - a) < 1e-9", delta)
    wait_for_value(page, "ntkviz-setting@lengthScale", "Math.abs(parseFloat(v) / a - 1) < 1e-9", ell)
    # the core at the page's exact values (a slider's float steps differ from round numbers in
    # the last bit, and a near-singular kernel magnifies that)
    delta, N, ell = circle_setting(page)
    s = circle.circle_state(N, delta, ell)
    assert number(page, "ntkviz-eps") == pytest.approx(s.eps_spectral, rel=1e-9, abs=1e-300)
    assert number(page, "ntkviz-loo") == pytest.approx(s.loo_error, rel=1e-9)
    return s


def test_circle_sliders_at_their_ends(page):
    ell_min, ell_max = 10 ** -1.3, 10 ** 0.7
    wait_circle(page, 1.0, 8, 1.0)
    # the hardest corner: two coinciding orbits (δ = 0), the largest N and the smallest ℓ
    press(page, "ntkviz-delta", "Home")
    press(page, "ntkviz-N", "End")
    press(page, "ntkviz-length-scale", "Home")
    wait_circle(page, 0.0, 64, ell_min)
    assert_clean(page, CIRCLE)
    # and ℓ at its largest: a near-singular kernel comes with a note, never NaN
    press(page, "ntkviz-length-scale", "End")
    s = wait_circle(page, 0.0, 64, ell_max)
    assert all(math.isfinite(number(page, c)) for c in ("ntkviz-eps", "ntkviz-loo", "ntkviz-prediction"))
    assert math.isfinite(s.eps_spectral)
    # the other ends, then a fast sweep of key presses in both directions on every slider
    press(page, "ntkviz-delta", "End")
    press(page, "ntkviz-N", "Home")
    wait_circle(page, 3.0, 2, ell_max)
    sweep(page, "ntkviz-N", "ArrowRight", 30)
    sweep(page, "ntkviz-delta", "ArrowLeft", 25)
    sweep(page, "ntkviz-length-scale", "ArrowLeft", 40)
    sweep(page, "ntkviz-N", "ArrowLeft", 7)
    # the slider readouts show where the sweep landed; the page must land there too
    delta = float(slider_readout(page, CIRCLE, "ntkviz-delta"))
    N = int(slider_readout(page, CIRCLE, "ntkviz-N"))
    assert (delta, N) == (pytest.approx(1.75), 25)
    ell = 10 ** (0.7 - 0.40)
    wait_circle(page, delta, N, ell)
    assert n_traces(page, CIRCLE) == len(CircleExplorer().figure.data)  # none lost or added
    assert_clean(page, CIRCLE)


def test_circle_slider_readouts_take_junk(page):
    """ipywidgets 8 slider readouts are editable text: junk is refused or clamped in the
    browser, and whatever lands is computed."""
    junk_into_readouts(page, CIRCLE, "ntkviz-N", "ntkviz-delta", "ntkviz-length-scale")
    delta, N, ell = circle_setting(page)
    press(page, "ntkviz-N", "ArrowLeft")  # a normal move afterwards is computed
    N_shown = int(slider_readout(page, CIRCLE, "ntkviz-N"))
    delta_shown = float(slider_readout(page, CIRCLE, "ntkviz-delta"))
    wait_for_value(page, "ntkviz-setting@n", "v === a", str(N_shown))
    delta, N, ell = circle_setting(page)
    assert (N, delta) == (N_shown, pytest.approx(delta_shown, abs=5e-3)) and 2 <= N <= 64
    assert 0.0 <= delta <= 3.0 and 10 ** -1.3 * 0.999 <= ell <= 10 ** 0.7 * 1.001
    wait_circle(page, delta, N, ell)
    assert_clean(page, CIRCLE)


# --- Orbits of two digits ---------------------------------------------------------------------
ORBIT = ".ntkviz-orbit-explorer"


def orbit_setting(page) -> dict:
    a, b = (tuple(int(v) for v in data_value(page, f"ntkviz-setting@{k}").split(",")) for k in "ab")
    return dict(a=a, b=b, action=data_value(page, "ntkviz-setting@action"),
                N=int(data_value(page, "ntkviz-setting@n")),
                architecture=data_value(page, "ntkviz-setting@architecture"),
                kind=data_value(page, "ntkviz-setting@kind"))


def wait_orbit(page, timeout_ms: int = UPDATE_TIMEOUT_MS, **setting):
    from ntkviz.experiments import orbits

    s = orbits.orbit_pair_state(**setting)
    wait_for_value(page, "ntkviz-setting@n", "v === a", str(s.N), timeout_ms)
    wait_for_value(page, "ntkviz-setting@architecture", "v === a", s.architecture, timeout_ms)
    wait_for_value(page, "ntkviz-setting@kind", "v === a", s.kind, timeout_ms)
    wait_for_value(page, "ntkviz-setting@a", "v === a", f"{s.a[0]},{s.a[1]}", timeout_ms)
    wait_for_number(page, "ntkviz-exact", s.eps_exact, timeout_ms=timeout_ms)
    assert number(page, "ntkviz-eps") == pytest.approx(s.eps_spectral, rel=1e-9, abs=1e-300)
    return s


def select(page, root: str, css: str, label: str):
    page.locator(f"{root} .{css} select").select_option(label=label)


def test_orbit_failing_moves_keep_the_figure(page):
    from ntkviz.widgets.orbit import ACTION_LABELS

    select_tab(page, "Orbits of two digits", f"{ORBIT} .js-plotly-plot .main-svg")
    start = orbit_setting(page)
    wait_orbit(page, **start)
    traces, exact = figure_signature(page, ORBIT), data_value(page, "ntkviz-exact")
    assert traces is not None
    # class A = class B: the same digit twice is refused
    select(page, ORBIT, "ntkviz-class-a", str(start["b"][0]))
    wait_for_message(page, ORBIT, "ntkviz-message-error", "different")
    # quarter turns and shifts do not allow N = 8 for the MLP
    for action, says in (("rot90", "quarter turns"), ("shift", "divide")):
        select(page, ORBIT, "ntkviz-class-a", str(start["a"][0]))
        select(page, ORBIT, "ntkviz-action", ACTION_LABELS[action])
        wait_for_message(page, ORBIT, "ntkviz-message-error", says)
        assert figure_signature(page, ORBIT) == traces and data_value(page, "ntkviz-exact") == exact
        assert orbit_setting(page) == start
    select(page, ORBIT, "ntkviz-action", ACTION_LABELS["rotate"])
    wait_no_error(page, ORBIT)
    wait_orbit(page, **start)
    assert figure_signature(page, ORBIT) == traces
    assert_clean(page, ORBIT)


def test_orbit_junk_in_the_sample_boxes_and_every_class(page):
    from ntkviz.experiments import digits

    start = orbit_setting(page)
    box = page.locator(f"{ORBIT} .ntkviz-sample-a input").first
    for text in JUNK:
        type_into(page, box, text)
    # rapid alternation through every class of A (the last lands), then back
    for label in [str(c) for c in range(10) if c != start["b"][0]] * 2:
        select(page, ORBIT, "ntkviz-class-a", label)
    select(page, ORBIT, "ntkviz-class-a", str(start["a"][0]))
    box_b = page.locator(f"{ORBIT} .ntkviz-sample-b input").first
    for text in JUNK:
        type_into(page, box_b, text)
    for label in [str(c) for c in range(10) if c != start["a"][0]]:
        select(page, ORBIT, "ntkviz-class-b", label)
    select(page, ORBIT, "ntkviz-class-b", str(start["b"][0]))
    type_into(page, box_b, str(start["b"][1]))
    type_into(page, box, "5")
    wait_for_value(page, "ntkviz-setting@a", "v === a", f"{start['a'][0]},5")
    wait_orbit(page, **{**start, "a": (start["a"][0], 5)})
    # the largest sample of class A (the box clamps a huge number to its maximum)
    type_into(page, box, "99999999999999999999")
    top = digits.class_size(start["a"][0]) - 1
    wait_orbit(page, **{**start, "a": (start["a"][0], top)})
    type_into(page, box, str(start["a"][1]))
    wait_orbit(page, **start)
    assert_clean(page, ORBIT)


def test_orbit_largest_N_with_the_slowest_kernels(page):
    from ntkviz.experiments.architectures import ARCHITECTURES, BUILT_IN

    start = orbit_setting(page)
    junk_into_readouts(page, ORBIT, "ntkviz-N")
    press(page, "ntkviz-N", "End")
    wait_orbit(page, **{**start, "N": 64})
    # the GAP CNN compares every pair of pixels: the slowest kernel at the largest N (4 s in
    # Python here; the group CNN and the orbit average at N = 64 are in the Python twin)
    select(page, ORBIT, "ntkviz-architecture", ARCHITECTURES["cnn_gap"].label)
    t0 = time.monotonic()
    wait_orbit(page, timeout_ms=120_000, **{**start, "N": 64, "architecture": "cnn_gap"})
    print(f"\nN = 64 with the GAP CNN in the page: {time.monotonic() - t0:.1f} s")
    page.locator(f"{ORBIT} .ntkviz-kind button", has_text="NNGP").click()
    s = wait_orbit(page, timeout_ms=120_000, **{**start, "N": 64, "architecture": "cnn_gap", "kind": "nngp"})
    if not math.isfinite(s.mean_inverse):  # a rank-deficient kernel: ⟨λ⁻¹⟩ = ∞ comes with a note
        wait_for_message(page, ORBIT, "ntkviz-message-note", "vanish")
    page.locator(f"{ORBIT} .ntkviz-kind button", has_text="NTK").click()
    # every architecture at the smallest N, switched without waiting (the built-in ones: the
    # page's kernel has no others, while this process may have registered more, e.g. the paper's
    # CNNs of a reproduction run)
    press(page, "ntkviz-N", "Home")
    for key in [k for k in ARCHITECTURES if k in BUILT_IN]:
        select(page, ORBIT, "ntkviz-architecture", ARCHITECTURES[key].label)
    select(page, ORBIT, "ntkviz-architecture", ARCHITECTURES[start["architecture"]].label)
    wait_orbit(page, **{**start, "N": 2})
    sweep(page, "ntkviz-N", "ArrowRight", 20)  # N 2 → 22, one burst
    wait_orbit(page, **{**start, "N": 22})
    assert_clean(page, ORBIT)


def test_orbit_random_pair_clicked_fast(page):
    button = page.locator(f"{ORBIT} .ntkviz-random-pair").first
    for _ in range(4):
        button.click()
    page.wait_for_timeout(500)
    # whatever pair it lands on, the numbers are the core's for that pair
    previous = None
    while previous != orbit_setting(page):
        previous = orbit_setting(page)
        page.wait_for_timeout(700)
    wait_orbit(page, **previous)
    assert previous["a"][0] != previous["b"][0]
    assert_clean(page, ORBIT)


# --- Pair survey ------------------------------------------------------------------------------
SURVEY = ".ntkviz-survey-explorer"


def test_survey_refuses_a_survey_that_would_block_the_page(page):
    from ntkviz.experiments import survey
    from ntkviz.experiments.architectures import ARCHITECTURES

    # the orbit tab at its most expensive: N = 64 with the GAP CNN (a survey of it takes minutes)
    select(page, ORBIT, "ntkviz-architecture", ARCHITECTURES["cnn_gap"].label)
    press(page, "ntkviz-N", "End")
    setting = orbit_setting(page)
    wait_orbit(page, timeout_ms=120_000, **{**setting, "N": 64, "architecture": "cnn_gap"})
    select_tab(page, "Pair survey", f"{SURVEY} .js-plotly-plot .main-svg")
    traces = figure_signature(page, SURVEY)
    junk_into_readouts(page, SURVEY, "ntkviz-n-pairs")
    for key in ("End", "Home"):  # 512 pairs, then 16: even 16 would take minutes
        press(page, "ntkviz-n-pairs", key)
        run = page.locator(f"{SURVEY} .ntkviz-run-survey").first
        run.click()
        run.click()  # a second click while the first is answered
        wait_for_message(page, SURVEY, "ntkviz-message-note", "Not run")
    assert "smaller N" in message_text(page, SURVEY)
    assert figure_signature(page, SURVEY) == traces
    assert_clean(page, SURVEY)

    # a cheap setting runs; the page recovers and shows the core's numbers
    select_tab(page, "Orbits of two digits", f"{ORBIT} .js-plotly-plot .main-svg")
    select(page, ORBIT, "ntkviz-architecture", ARCHITECTURES["mlp1"].label)
    press(page, "ntkviz-N", "Home")
    press(page, "ntkviz-N", "ArrowRight", times=4)
    wait_orbit(page, **{**setting, "N": 6, "architecture": "mlp1"})
    select_tab(page, "Pair survey", f"{SURVEY} .js-plotly-plot .main-svg")
    wait_for_value(page, "ntkviz-survey-setting@n", "v === '6'")
    page.locator(f"{SURVEY} .ntkviz-run-survey").first.click()
    expected = survey.pair_survey("mlp1", "rotate", 6, n_pairs=16, seed=0, kind=setting["kind"])
    wait_for_value(page, "ntkviz-survey-pairs", "v === '16'", timeout_ms=120_000)
    wait_for_number(page, "ntkviz-mean-abs-difference", expected.mean_abs_difference)
    assert_clean(page, SURVEY)


# --- Equivariant vs plain ---------------------------------------------------------------------
ACCURACY = ".ntkviz-accuracy-explorer"


def test_accuracy_every_option_and_both_ends(page):
    from ntkviz.experiments import accuracy
    from ntkviz.experiments.architectures import ARCHITECTURES
    from ntkviz.widgets.accuracy import _ACTION_LABELS

    select_tab(page, "Equivariant vs plain", f"{ACCURACY} .js-plotly-plot .main-svg")
    shipped = accuracy.load_precomputed()
    count = n_traces(page, ACCURACY)
    for action in ("rot90", "shift", "rotate"):
        page.locator(f"{ACCURACY} .ntkviz-action button", has_text=_ACTION_LABELS[action]).click()
        wait_for_value(page, "ntkviz-setting@action", "v === a", action)
        for key in ("End", "Home"):
            press(page, "ntkviz-N", key)
        sweep(page, "ntkviz-N", "ArrowRight", 12)
        grid = accuracy.Config().grid(action)
        wait_for_value(page, "ntkviz-setting@n", "v === a", str(grid[-1]))
    for label in ["all classes (mean)"] + [str(c) for c in range(10)]:
        select(page, ACCURACY, "ntkviz-leave-out", label)
    for key in accuracy.DEFAULT_ARCHITECTURES:
        select(page, ACCURACY, "ntkviz-architecture", ARCHITECTURES[key].label)
    for kind in ("NNGP", "NTK", "NNGP"):
        page.locator(f"{ACCURACY} .ntkviz-kind button", has_text=kind).click()
    last = accuracy.DEFAULT_ARCHITECTURES[-1]
    wait_for_value(page, "ntkviz-setting@kind", "v === 'nngp'")
    wait_for_value(page, "ntkviz-setting@architecture", "v === a", last)
    wait_for_value(page, "ntkviz-setting@leaveOut", "v === '9'")
    wait_for_number(page, "ntkviz-accuracy", shipped[("rotate", "nngp")].at(last, 32, 9), rtol=1e-12)
    assert n_traces(page, ACCURACY) == count
    assert_clean(page, ACCURACY)


# --- Finite width -----------------------------------------------------------------------------
WIDTH = ".ntkviz-width-explorer"


def test_width_both_ends_of_every_control(page):
    from ntkviz.experiments import width

    select_tab(page, "Finite width", f"{WIDTH} .js-plotly-plot .main-svg")
    junk_into_readouts(page, WIDTH, "ntkviz-depth")
    for key in ("Home", "End", "Home"):
        press(page, "ntkviz-width", key)
        press(page, "ntkviz-depth", key)
    page.locator(f"{WIDTH} .ntkviz-activation select").select_option("erf")
    page.locator(f"{WIDTH} .ntkviz-activation select").select_option("relu")
    page.locator(f"{WIDTH} .ntkviz-activation select").select_option("erf")
    sweep(page, "ntkviz-width", "ArrowRight", 10)
    wait_for_value(page, "ntkviz-setting@activation", "v === 'erf'")
    wait_for_value(page, "ntkviz-setting@depth", "v === '1'")
    wait_for_value(page, "ntkviz-setting@width", "v === a", str(width.WIDTHS[-1]))
    state = width.width_state(1, width.WIDTHS[-1], "erf")
    wait_for_number(page, "ntkviz-mean-error", state.mean_error, rtol=1e-12)
    assert number(page, "ntkviz-slope") == pytest.approx(state.slope, rel=1e-12)
    assert_clean(page, WIDTH)


# --- Equivariant kernels ----------------------------------------------------------------------
EQUIVARIANT = ".ntkviz-equivariant-explorer"


def test_equivariant_every_option_and_no_kernel_shown(page):
    from ntkviz.experiments import equivariant_accuracy as eq

    select_tab(page, "Equivariant kernels", f"{EQUIVARIANT} .js-plotly-plot .main-svg")
    result = eq.load_precomputed()
    grid = result.config.n_train
    count = n_traces(page, EQUIVARIANT)
    boxes = page.locator(f"{EQUIVARIANT} .ntkviz-kernel-toggle input")
    for i in range(boxes.count()):  # every kernel hidden: a note, the figure keeps its panels
        boxes.nth(i).click()
    wait_for_message(page, EQUIVARIANT, "ntkviz-message-note", "No kernel selected")
    for mode in ("continuous angles", "90° multiples", "continuous angles"):
        page.locator(f"{EQUIVARIANT} .ntkviz-mode button", has_text=mode).click()
    for kind in ("NNGP", "NTK", "NNGP"):
        page.locator(f"{EQUIVARIANT} .ntkviz-kind button", has_text=kind).click()
    for key in ("End", "Home"):
        press(page, "ntkviz-n-train", key)
    wait_for_value(page, "ntkviz-setting@nTrain", "v === a", str(grid[0]))
    wait_for_value(page, "ntkviz-setting@mode", "v === 'rotate'")
    wait_for_value(page, "ntkviz-setting@kind", "v === 'nngp'")
    wait_for_value(page, "ntkviz-setting@shown", "v === ''")
    assert n_traces(page, EQUIVARIANT) == count
    for i in range(boxes.count()):
        boxes.nth(i).click()
    wait_for_value(page, "ntkviz-setting@shown", "v === a", ",".join(eq.KERNELS))
    wait_for_number(page, "ntkviz-acc-gcnn", result.at("rotate", "nngp", "gcnn", grid[0]), rtol=1e-12)
    assert_clean(page, EQUIVARIANT)


# --- Training dynamics ------------------------------------------------------------------------
DYNAMICS = ".ntkviz-dynamics-explorer"


def test_dynamics_every_slider_at_its_ends(page):
    from ntkviz.experiments import dynamics

    select_tab(page, "Training dynamics", f"{DYNAMICS} .js-plotly-plot .main-svg")
    count = n_traces(page, DYNAMICS)
    junk_into_readouts(page, DYNAMICS, "ntkviz-depth")
    page.locator(f"{DYNAMICS} .ntkviz-dataset button", has_text="MNIST").click()
    for css in ("ntkviz-time", "ntkviz-width", "ntkviz-depth", "ntkviz-lr"):
        press(page, css, "Home")
        press(page, css, "End")
    press(page, "ntkviz-noise", "Home")
    sweep(page, "ntkviz-time", "ArrowLeft", 40)  # past the first checkpoint: stays at t = 0
    # an untrained setting at every end: a note, and the distance said in words (no "nan")
    wait_for_value(page, "ntkviz-setting@noise", "v === '0.0'")
    wait_for_value(page, "ntkviz-setting@depth", "v === a", str(dynamics.MAX_DEPTH))
    wait_for_value(page, "ntkviz-setting@t", "parseFloat(v) === 0")
    wait_for_message(page, DYNAMICS, "ntkviz-message-note", "Train finite networks")
    want = dynamics.dynamics_state("mnist", dynamics.MAX_DEPTH, 1.9, 0.0, dynamics.WIDTHS[-1], 0)
    wait_for_number(page, "ntkviz-test-error", want.test_error_t, rtol=1e-12)
    readout = page.locator(f"{DYNAMICS} .ntkviz-readout").first.inner_text()
    assert not re.search(r"\bnan\b", readout, re.I) and "no networks trained" in readout
    assert n_traces(page, DYNAMICS) == count
    # back to the shipped default: Train pressed twice answers in place, trains nothing
    page.locator(f"{DYNAMICS} .ntkviz-dataset button", has_text="unit circle").click()
    press(page, "ntkviz-depth", "Home")
    press(page, "ntkviz-noise", "End")
    press(page, "ntkviz-lr", "Home")
    press(page, "ntkviz-lr", "ArrowRight", times=2)  # 0.1 → 0.5
    wait_for_value(page, "ntkviz-setting@lr", "v === '0.5'")
    wait_for_value(page, "ntkviz-setting@depth", "v === '1'")
    wait_for_value(page, "ntkviz-setting@noise", "v === '1.0'")
    for _ in range(2):
        page.locator(f"{DYNAMICS} .ntkviz-train").first.click()
    wait_for_message(page, DYNAMICS, "ntkviz-message-note", "already trained")
    state = dynamics.dynamics_state("circle", 1, 0.5, 1.0, dynamics.WIDTHS[-1], 0,
                                    runs=dynamics.finite_runs("circle", **dynamics.DEFAULTS))
    wait_for_number(page, "ntkviz-distance", state.distance, rtol=1e-12)
    assert_clean(page, DYNAMICS)


# --- Augmentation -----------------------------------------------------------------------------
AUGMENTATION = ".ntkviz-augmentation-explorer"


def test_augmentation_every_option_and_both_ends(page):
    from ntkviz.experiments import augmentation as aug
    from ntkviz.widgets.augmentation import GROUPS, LEARNING_RATES

    select_tab(page, "Augmentation", f"{AUGMENTATION} .js-plotly-plot .main-svg")
    count = n_traces(page, AUGMENTATION)
    junk_into_readouts(page, AUGMENTATION, "ntkviz-depth", "ntkviz-epochs")
    for strategy in ("NOMINAL", "EQUIVARIANT", "AUGMENTED"):
        page.locator(f"{AUGMENTATION} .ntkviz-strategy button", has_text=strategy).click()
    for init in ("equivariant init", "E + 10⁻⁶ init", "generic init"):
        page.locator(f"{AUGMENTATION} .ntkviz-init button", has_text=init).click()
    for label in list(GROUPS) + list(GROUPS):
        page.locator(f"{AUGMENTATION} .ntkviz-group select").select_option(label=label)
    for css in ("ntkviz-depth", "ntkviz-learning-rate", "ntkviz-epochs"):
        press(page, css, "End")
        press(page, css, "Home")
    sweep(page, "ntkviz-epochs", "ArrowRight", 30)  # 5 → 155 epochs in one burst
    wait_for_value(page, "ntkviz-setting@epochs", "v === '155'")
    wait_for_value(page, "ntkviz-setting@depth", "v === '0'")
    wait_for_value(page, "ntkviz-aug-status", "v === \"'untrained'\"")
    wait_for_message(page, AUGMENTATION, "ntkviz-message-note", "not trained")
    assert n_traces(page, AUGMENTATION) == count
    # back to the shipped run; Train pressed twice answers in place
    base = aug.AugmentConfig()
    press(page, "ntkviz-depth", "ArrowRight", times=base.depth)
    press(page, "ntkviz-epochs", "Home")
    press(page, "ntkviz-epochs", "ArrowRight", times=(base.epochs - 5) // 5)
    press(page, "ntkviz-learning-rate", "Home")
    press(page, "ntkviz-learning-rate", "ArrowRight", times=LEARNING_RATES.index(base.learning_rate))
    label = next(k for k, v in GROUPS.items() if v == base.action)
    page.locator(f"{AUGMENTATION} .ntkviz-group select").select_option(label=label)
    wait_for_value(page, "ntkviz-aug-status", "v === \"'trained'\"")
    for _ in range(2):
        page.locator(f"{AUGMENTATION} .ntkviz-train").first.click()
    wait_for_message(page, AUGMENTATION, "ntkviz-message-note", "Already trained")
    run = aug.cached_run(base.replace(strategy="augmented", init="generic"))
    wait_for_number(page, "ntkviz-aug-loss", float(run.final_loss), rtol=1e-12)
    assert_clean(page, AUGMENTATION)


def test_nothing_leaked_anywhere(page):
    """Last: the circle tab still answers, and no tab shows an error or a traceback."""
    select_tab(page, "Circle toy model", f"{CIRCLE} .js-plotly-plot .main-svg")
    delta, N, ell = circle_setting(page)
    press(page, "ntkviz-N", "ArrowRight" if N < 64 else "ArrowLeft")
    wait_circle(page, delta, N + 1 if N < 64 else N - 1, ell)
    assert page_problems(page) == []
    assert page.locator(".ntkviz-message-error").count() == 0

"""Drive the Voila dashboard in headless Chromium: the readout follows the sliders.

Runs the same command as ``make dashboard`` on a free loopback port. Skipped only when CI is
unset and no Chromium is installed; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import shutil

import pytest
from browser_support import (
    ARTIFACTS,
    BROWSER,
    FIRST_RENDER_TIMEOUT_MS,
    ROOT,
    UPDATE_TIMEOUT_MS,
    data_value,
    launch_chromium,
    open_dashboard,
    press,
    select_tab,
    voila_server,
    wait_for_number,
    wait_for_value,
)

from ntkviz.experiments import circle
from ntkviz.widgets.plot import CARTESIAN_TRACES

pytestmark = BROWSER



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


def _shot(page, name: str):
    """Save the page as tests/artifacts/<name>.png and as the README's docs/images/<name>.png."""
    page.wait_for_timeout(1000)  # let plotly finish redrawing for the picture
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, images / f"{name}.png")


def _number(page, spec: str) -> float:
    return float(data_value(page, spec))


#: The text plotly draws in an SVG ``text`` element, its wrapped lines joined by spaces.
_SAID = ("(e) => { const lines = [...e.querySelectorAll('tspan.line')];"
         " return lines.length ? lines.map(l => l.textContent).join(' ') : e.textContent; }")


def _wait_for_figure_text(page, root: str, text: str):
    """Wait until a title or label drawn by plotly under ``root`` contains ``text``."""
    page.wait_for_function(
        f"([r, t]) => [...document.querySelectorAll(r + ' .js-plotly-plot text')]"
        f".some(e => ({_SAID})(e).includes(t))", arg=[root, text], timeout=UPDATE_TIMEOUT_MS)


def _no_error(page):
    """No message line shows an error once the last move's updates have reached the page (the
    readout and the message line are two widgets: the page may apply one before the other)."""
    try:
        page.wait_for_function("() => ![...document.querySelectorAll('.ntkviz-message-error')]"
                               ".some((e) => e.offsetParent !== null)", timeout=UPDATE_TIMEOUT_MS)
    except Exception:
        shown = page.locator(".ntkviz-message-error >> visible=true").all_inner_texts()
        raise AssertionError(f"an error stays on the page: {shown}") from None


def _assert_matches_core(page, N, delta, ell):
    s = circle.circle_state(N, delta, ell)
    wait_for_number(page, "ntkviz-eps", s.eps_spectral)
    assert _number(page, "ntkviz-eps") == pytest.approx(s.eps_spectral, rel=1e-9)
    assert _number(page, "ntkviz-loo") == pytest.approx(s.loo_error, rel=1e-9)


def test_dashboard_follows_the_sliders(page):
    _assert_matches_core(page, 8, 1.0, 1.0)
    # the page's plotly.js is the cartesian bundle, and draws the traces Plot accepts
    served = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces)")
    assert set(served) == CARTESIAN_TRACES
    assert page.locator(".ntkviz-circle-explorer .js-plotly-plot").count() == 1
    assert page.locator(".ntkviz-circle-explorer .js-plotly-plot .gtitle, "
                        ".ntkviz-circle-explorer .js-plotly-plot .annotation-text").count() >= 6
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    press(page, "ntkviz-delta", "ArrowRight", times=2)  # δ: 1.00 → 1.10
    _assert_matches_core(page, 8, 1.1, 1.0)

    press(page, "ntkviz-N", "ArrowRight", times=4)  # N: 8 → 12
    _assert_matches_core(page, 12, 1.1, 1.0)
    _wait_for_figure_text(page, ".ntkviz-circle-explorer", "N (δ = 1.1")
    _shot(page, "circle_explorer")
    _no_error(page)


def test_dragging_a_slider_updates_while_dragging_and_lands_on_the_last_value(page):
    handle = page.locator(".ntkviz-circle-explorer .ntkviz-delta .noUi-handle").first
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    seen = set()
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + 3 * step, y)
        page.wait_for_timeout(40)
        seen.add(data_value(page, "ntkviz-eps"))
    page.mouse.up()
    assert len(seen) > 2, "the readout should change during the drag, not only at the end"
    root = ".ntkviz-circle-explorer"
    delta = float(page.locator(f"{root} .ntkviz-delta .widget-readout").inner_text())
    N = int(page.locator(f"{root} .ntkviz-N .widget-readout").inner_text())
    assert delta > 1.1
    _assert_matches_core(page, N, delta, 1.0)
    _no_error(page)


# --- Orbits of two digits and the pair survey ------------------------------------------------
ORBIT = ".ntkviz-orbit-explorer"


def _assert_orbit_matches_core(page, **setting):
    from ntkviz.experiments import orbits

    s = orbits.orbit_pair_state(**setting)
    wait_for_value(page, "ntkviz-setting@n", "v === a", str(s.N))
    wait_for_value(page, "ntkviz-setting@architecture", "v === a", s.architecture)
    wait_for_value(page, "ntkviz-setting@action", "v === a", s.action)
    wait_for_number(page, "ntkviz-exact", s.eps_exact)
    _wait_for_figure_text(page, ORBIT, f"N = {s.N}")  # the thumbnails' title
    assert _number(page, "ntkviz-eps") == pytest.approx(s.eps_spectral, rel=1e-9, abs=1e-300)
    assert _number(page, "ntkviz-separation") == pytest.approx(s.separation_sq, rel=1e-12)
    return s


def test_orbit_tab_follows_N_and_the_architecture(page):
    from ntkviz.experiments.architectures import ARCHITECTURES

    select_tab(page, "Orbits of two digits", f"{ORBIT} .js-plotly-plot .main-svg")
    base = dict(a=(3, 0), b=(8, 0), action="rotate", kind="ntk")
    _assert_orbit_matches_core(page, N=8, architecture="mlp1", **base)
    press(page, "ntkviz-N", "ArrowRight", times=4)  # N 8 → 12
    plain = _assert_orbit_matches_core(page, N=12, architecture="mlp1", **base)
    assert plain.eps_spectral > 0.01  # a plain MLP does not complete the orbit
    page.locator(f"{ORBIT} .ntkviz-architecture select").select_option(label=ARCHITECTURES["gcnn"].label)
    group = _assert_orbit_matches_core(page, N=12, architecture="gcnn", **base)
    assert group.eps_spectral == 0.0  # the 12-element orbit holds quarter turns: Eq. 7 gives 0
    page.locator(f"{ORBIT} .ntkviz-architecture select").select_option(label=ARCHITECTURES["mlp1"].label)
    _assert_orbit_matches_core(page, N=12, architecture="mlp1", **base)
    _shot(page, "orbit_explorer")
    _no_error(page)


def test_survey_tab_runs_and_a_click_loads_the_pair(page):
    from ntkviz.experiments import survey

    root = ".ntkviz-survey-explorer"
    select_tab(page, "Pair survey", f"{root} .js-plotly-plot .main-svg")
    setting = page.locator(".ntkviz-survey-setting >> visible=true").first
    architecture, action, N = (setting.get_attribute(f"data-{k}") for k in ("architecture", "action", "n"))
    assert (architecture, action, N) == ("mlp1", "rotate", "12")  # the orbit tab's setting
    page.locator(f"{root} .ntkviz-run-survey").first.click()
    expected = survey.pair_survey(architecture, action, int(N), n_pairs=128, seed=0)
    wait_for_number(page, "ntkviz-fraction-misclassified", expected.fraction_misclassified,
                    timeout_ms=FIRST_RENDER_TIMEOUT_MS)
    wait_for_value(page, "ntkviz-survey-pairs", "v === '128'")
    assert _number(page, "ntkviz-mean-abs-difference") == pytest.approx(expected.mean_abs_difference, rel=1e-9)
    _shot(page, "pair_survey")
    page.locator(f"{root} .scatterlayer .trace .points path").first.click(force=True)
    # the dashboard switches to the orbit tab, so read the (now hidden) survey readout directly
    selected = f"{root} .ntkviz-selected-pair"
    page.wait_for_function("(s) => { const e = document.querySelector(s);"
                           " return e && /^[0-9]+$/.test(e.dataset.value); }", arg=selected,
                           timeout=UPDATE_TIMEOUT_MS)
    index = int(page.get_attribute(selected, "data-value"))
    a = f"{expected.label_a[index]},{expected.sample_a[index]}"
    b = f"{expected.label_b[index]},{expected.sample_b[index]}"
    # the orbit tab opens with that pair
    page.wait_for_selector(f"{ORBIT} .js-plotly-plot .main-svg", state="visible", timeout=UPDATE_TIMEOUT_MS)
    wait_for_value(page, "ntkviz-setting@a", "v === a", a)
    wait_for_value(page, "ntkviz-setting@b", "v === a", b)
    wait_for_number(page, "ntkviz-exact", expected.eps_exact[index])
    _no_error(page)


def test_orbit_tab_shows_a_bad_shift_count_and_keeps_its_figures(page):
    from ntkviz.widgets.orbit import ACTION_LABELS

    exact_before = data_value(page, "ntkviz-exact")
    a, b = (tuple(int(v) for v in data_value(page, f"ntkviz-setting@{k}").split(",")) for k in "ab")
    # the MLP sees 28×28 digits: 12 shifts do not divide the width 28
    page.locator(f"{ORBIT} .ntkviz-action select").select_option(label=ACTION_LABELS["shift"])
    error = page.locator(f"{ORBIT} .ntkviz-message-error")
    error.wait_for(state="visible", timeout=UPDATE_TIMEOUT_MS)
    assert "N=12" in error.inner_text() and "14" in error.inner_text()
    assert data_value(page, "ntkviz-exact") == exact_before  # the last good numbers stay
    assert data_value(page, "ntkviz-setting@action") == "rotate"
    assert page.locator(f"{ORBIT} .js-plotly-plot .main-svg").count() >= 1
    press(page, "ntkviz-N", "ArrowLeft", times=5)  # N 12 → 7 divides 28: the page recovers
    _assert_orbit_matches_core(page, a=a, b=b, action="shift", N=7, architecture="mlp1", kind="ntk")
    _no_error(page)

def _open_view(page, url: str):
    """A new page of the same browser at ``url``, once its orbit tab is drawn."""
    view = page.context.browser.new_page(viewport={"width": 1400, "height": 1800})
    view.goto(url, timeout=FIRST_RENDER_TIMEOUT_MS)
    try:
        view.wait_for_selector(f"{ORBIT} .js-plotly-plot .main-svg", state="visible",
                               timeout=FIRST_RENDER_TIMEOUT_MS)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        view.screenshot(path=str(ARTIFACTS / "view_link_failed.png"), full_page=True)
        raise
    return view


def test_a_link_opens_its_view_and_each_view_offers_its_link_and_code(page, voila_url):
    setting = dict(a=(3, 0), b=(8, 0), action="rotate", N=16, architecture="cnn_gap", kind="nngp")
    view = _open_view(page, voila_url + "?tab=orbit&N=16&architecture=cnn_gap&kind=nngp")
    try:
        _assert_orbit_matches_core(view, **setting)
        view.locator("button.ntkviz-share").click()
        link = view.locator(".ntkviz-view-link").first
        link.wait_for(timeout=UPDATE_TIMEOUT_MS)
        href = link.get_attribute("href")
        for part in ("tab=orbit", "N=16", "architecture=cnn_gap", "kind=nngp", "action=rotate"):
            assert part in href, href
        code = view.locator(".ntkviz-view-code").inner_text()
        assert "OrbitExplorer()" in code and "N=16" in code and "architecture='cnn_gap'" in code
        _no_error(view)
    finally:
        view.close()
    again = _open_view(page, voila_url + href)   # the page's own link, opened: the same view
    try:
        _assert_orbit_matches_core(again, **setting)
        _no_error(again)
    except Exception:
        again.screenshot(path=str(ARTIFACTS / "view_link_failed.png"), full_page=True)
        raise
    finally:
        again.close()


# --- Equivariant vs plain ---------------------------------------------------------------------
def test_accuracy_tab_follows_N_and_the_architecture(page):
    from ntkviz.experiments import accuracy
    from ntkviz.experiments.architectures import ARCHITECTURES

    root = ".ntkviz-accuracy-explorer"
    select_tab(page, "Equivariant vs plain", f"{root} .js-plotly-plot .main-svg")
    shipped = accuracy.load_precomputed()[("rotate", "ntk")]
    wait_for_value(page, "ntkviz-setting@n", "v === '8'")
    assert _number(page, "ntkviz-accuracy") == pytest.approx(shipped.at("gcnn", 8), rel=1e-12)
    assert _number(page, "ntkviz-accuracy-full") == pytest.approx(shipped.at("gcnn", 8, which="full_accuracy"), rel=1e-12)

    press(page, "ntkviz-N", "ArrowLeft", times=2)  # grid 2, 3, 4, 6, 8, …: N 8 → 4
    wait_for_value(page, "ntkviz-setting@n", "v === '4'")
    wait_for_number(page, "ntkviz-accuracy", shipped.at("gcnn", 4), rtol=1e-12)
    _wait_for_figure_text(page, root, "At N = 4")  # the bar chart follows
    # hovering a test digit names it (its thumbnail's invisible marker carries the text)
    box = page.evaluate("""(root) => {
      const gd = document.querySelector(root + ' .js-plotly-plot');
      const t = gd._fullData.find(d => d.mode === 'markers' && (d.hovertemplate || '').includes('%{text}'));
      const r = gd.querySelector('.trace' + t.uid + ' .points path').getBoundingClientRect();
      return [r.x + r.width / 2, r.y + r.height / 2];
    }""", root)
    page.mouse.move(box[0] + 6, box[1] + 6)   # off the centre, still on the thumbnail
    page.wait_for_function("() => [...document.querySelectorAll('.hovertext')]"
                           ".some(t => t.textContent.includes('true label'))", timeout=UPDATE_TIMEOUT_MS)

    page.locator(f"{root} .ntkviz-architecture select").select_option(label=ARCHITECTURES["mlp1"].label)
    wait_for_value(page, "ntkviz-setting@architecture", "v === 'mlp1'")
    wait_for_number(page, "ntkviz-accuracy", shipped.at("mlp1", 4), rtol=1e-12)
    # the plain MLP misses upright digits that the group CNN gets (quarter turns are in the data)
    assert shipped.at("mlp1", 4) < shipped.at("gcnn", 4)
    _shot(page, "accuracy_explorer")
    _no_error(page)


# --- Finite width ----------------------------------------------------------------------------
def test_width_tab_follows_the_width(page):
    from ntkviz.experiments import width

    root = ".ntkviz-width-explorer"
    select_tab(page, "Finite width", f"{root} .js-plotly-plot .main-svg")
    wait_for_value(page, "ntkviz-setting@width", "v === '500'")
    state = width.width_state(4, 500, "relu")
    assert _number(page, "ntkviz-mean-error") == pytest.approx(state.mean_error, rel=1e-12)
    assert _number(page, "ntkviz-slope") == pytest.approx(state.slope, rel=1e-12)

    press(page, "ntkviz-width", "ArrowRight", times=2)  # 500 → 2000
    wait_for_value(page, "ntkviz-setting@width", "v === '2000'")
    wider = width.width_state(4, 2000, "relu")
    wait_for_number(page, "ntkviz-mean-error", wider.mean_error, rtol=1e-12)
    _wait_for_figure_text(page, root, "width 2000)")  # the curves' title follows
    assert wider.mean_error < state.mean_error
    _shot(page, "width_explorer")
    _no_error(page)


def test_dynamics_tab_follows_the_time(page):
    from ntkviz.experiments import dynamics

    root = ".ntkviz-dynamics-explorer"
    select_tab(page, "Training dynamics", f"{root} .js-plotly-plot .main-svg")
    wait_for_value(page, "ntkviz-setting@t", "v !== ''")
    t0 = float(data_value(page, "ntkviz-setting@t"))
    state = dynamics.dynamics_state("circle", 1, 0.5, 1.0, 256, t0)
    assert _number(page, "ntkviz-test-error") == pytest.approx(state.test_error_t, rel=1e-12)
    assert _number(page, "ntkviz-stop-time") == pytest.approx(state.t_stop, rel=1e-12)

    times = [float(v) for v in dynamics.TIMES]
    press(page, "ntkviz-time", "ArrowRight", times=3)
    t1 = times[times.index(t0) + 3]
    wait_for_value(page, "ntkviz-setting@t", "parseFloat(v) === a", t1)
    later = dynamics.dynamics_state("circle", 1, 0.5, 1.0, 256, t1)
    wait_for_number(page, "ntkviz-test-error", later.test_error_t, rtol=1e-12)
    wait_for_number(page, "ntkviz-train-error", later.train_error_t, rtol=1e-12)
    assert later.train_error_t < state.train_error_t   # training goes on
    _shot(page, "dynamics_explorer")
    _no_error(page)


def test_equivariant_tab_follows_n_train_and_the_kind(page):
    from ntkviz.experiments import equivariant_accuracy as eq

    root = ".ntkviz-equivariant-explorer"
    select_tab(page, "Equivariant kernels", f"{root} .js-plotly-plot .main-svg")
    wait_for_value(page, "ntkviz-setting@nTrain", "v !== ''")
    result = eq.load_precomputed()
    grid = list(result.config.n_train)
    n0 = int(data_value(page, "ntkviz-setting@nTrain"))
    for key in eq.KERNELS:
        css = "ntkviz-acc-" + key.replace("_", "-")
        assert _number(page, css) == pytest.approx(result.at("rot90", "ntk", key, n0), rel=1e-12)
    # quarter turns: the group-CNN kernel is exactly invariant, the plain GAP CNN is not
    assert _number(page, "ntkviz-inv-gcnn-90") <= 1e-10
    assert _number(page, "ntkviz-inv-cnn-gap-90") > 1e-8

    press(page, "ntkviz-n-train", "ArrowLeft")
    n1 = grid[grid.index(n0) - 1]
    wait_for_value(page, "ntkviz-setting@nTrain", "parseInt(v) === a", n1)
    wait_for_number(page, "ntkviz-acc-gcnn", result.at("rot90", "ntk", "gcnn", n1), rtol=1e-12)

    page.locator(f"{root} .ntkviz-kind button", has_text="NNGP").click()
    wait_for_value(page, "ntkviz-setting@kind", "v === 'nngp'")
    wait_for_number(page, "ntkviz-acc-augmented-cnn",
                    result.at("rot90", "nngp", "augmented_cnn", n1), rtol=1e-12)
    _shot(page, "equivariant_explorer")
    _no_error(page)


def test_augmentation_tab_switches_runs_and_trains_a_new_one(page):
    from ntkviz.experiments import augmentation as aug

    root = ".ntkviz-augmentation-explorer"
    select_tab(page, "Augmentation", f"{root} .js-plotly-plot .main-svg")
    shipped = aug.load_precomputed()
    wait_for_value(page, "ntkviz-aug-status", "v === \"'trained'\"")
    generic = shipped[aug.AugmentConfig(strategy="augmented", init="generic")]
    assert _number(page, "ntkviz-aug-distance") == pytest.approx(generic.final_distance, rel=1e-12)
    assert _number(page, "ntkviz-aug-accuracy") == pytest.approx(generic.final_accuracy, rel=1e-12)

    # EQUIVARIANT training keeps every layer in E (round-off) and the output invariant
    page.locator(f"{root} .ntkviz-strategy button", has_text="EQUIVARIANT").click()
    wait_for_value(page, "ntkviz-setting@strategy", "v === 'equivariant'")
    wait_for_value(page, "ntkviz-aug-distance", "parseFloat(v) <= 1e-12")
    assert _number(page, "ntkviz-aug-invariance") <= 1e-10

    # a setting that is not shipped: Train runs it in the page, with progress, to the end
    page.locator(f"{root} .ntkviz-strategy button", has_text="NOMINAL").click()
    wait_for_value(page, "ntkviz-setting@strategy", "v === 'nominal'")
    press(page, "ntkviz-epochs", "ArrowLeft")   # 60 → 55 epochs: not shipped
    wait_for_value(page, "ntkviz-setting@epochs", "v === '55'")
    wait_for_value(page, "ntkviz-aug-status", "v === \"'untrained'\"")
    page.locator(f"{root} .ntkviz-train").click()
    wait_for_value(page, "ntkviz-aug-status", "v === \"'trained'\"", timeout_ms=120_000)
    init = data_value(page, "ntkviz-setting@init")
    trained = aug.train(aug.AugmentConfig(strategy="nominal", init=init, epochs=55))
    wait_for_number(page, "ntkviz-aug-loss", float(trained.final_loss), rtol=1e-9)
    _shot(page, "augmentation_explorer")
    _no_error(page)

"""WidthExplorer: controls drive both panels to the core's numbers; bad input is shown, never raised."""

import re

import numpy as np
import pytest

from ntkviz.experiments import width as wd
from ntkviz.widgets import WidthExplorer

# A small sweep keeps the test fast; the explorer's defaults are exercised by notebook 06.
WIDTHS = (16, 256)
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def explorer():
    return WidthExplorer(depth=1, width=16, widths=WIDTHS, seeds=SEEDS)


def _data_value(html: str, css: str) -> float:
    return float(re.search(rf'class="[^"]*{css}[^"]*" data-value="([^"]+)"', html).group(1))


def _core(depth, width, activation="relu"):
    return wd.width_state(depth, width, activation, widths=WIDTHS, seeds=SEEDS)


def _empirical_points(trace) -> np.ndarray:
    ys = np.array([np.nan if v is None else v for v in trace.y], dtype=float)
    return ys[~np.isnan(ys)]


def _assert_shows(explorer, s):
    curves, errors = explorer.traces("curves"), explorer.traces("errors")
    np.testing.assert_array_equal(curves[0].x, wd.GAMMAS)
    np.testing.assert_array_equal(curves[0].y, s.theta)
    np.testing.assert_array_equal(_empirical_points(curves[1]), s.thetas.ravel())
    np.testing.assert_array_equal(errors[0].y, s.sweep.errors.ravel())
    np.testing.assert_allclose(errors[1].y, s.sweep.mean, rtol=1e-15)
    assert errors[4].x == (float(s.width),) and errors[4].y[0] == pytest.approx(s.mean_error, rel=1e-15)
    html = explorer.readout.value
    assert _data_value(html, "ntkviz-mean-error") == s.mean_error
    assert _data_value(html, "ntkviz-spread") == s.spread
    assert _data_value(html, "ntkviz-slope") == s.slope
    assert f"width {s.width})" in explorer.panel_title("curves")
    assert f"depth {s.depth}, {s.activation}" in explorer.panel_title("errors")
    assert f"{s.slope:.3f}" in explorer.panel_title("errors")


def test_defaults_show_core_values(explorer):
    s = _core(1, 16)
    assert explorer.state is s
    assert (explorer.width_slider.value, explorer.depth_slider.value,
            explorer.activation_dropdown.value) == (16, 1, "relu")
    assert list(explorer.width_slider.options) == list(WIDTHS)
    assert [len(explorer.traces(k)) for k in ("curves", "errors")] == [2, 5]
    _assert_shows(explorer, s)
    # mean error and spread are those of the per-seed relative errors, computed here directly
    direct = [np.linalg.norm(t - s.theta) / np.linalg.norm(s.theta) for t in s.thetas]
    assert _data_value(explorer.readout.value, "ntkviz-mean-error") == pytest.approx(np.mean(direct), rel=1e-12)
    assert _data_value(explorer.readout.value, "ntkviz-spread") == pytest.approx(np.std(direct, ddof=1), rel=1e-10)


def test_css_classes(explorer):
    assert "ntkviz-width-explorer" in explorer.widget._dom_classes
    for control, css in ((explorer.width_slider, "ntkviz-width"), (explorer.depth_slider, "ntkviz-depth"),
                         (explorer.activation_dropdown, "ntkviz-activation"), (explorer.progress, "ntkviz-progress")):
        assert css in control._dom_classes
    assert explorer.progress.layout.visibility == "hidden"  # shown only while computing


def test_set_width_updates_in_place(explorer):
    plot = explorer.plot
    assert explorer.set(width=256)
    assert explorer.plot is plot
    _assert_shows(explorer, _core(1, 256))
    assert explorer.width_slider.value == 256


@pytest.mark.slow
def test_controls_update_depth_and_activation(explorer):
    seen = []
    explorer.progress.observe(lambda change: seen.append(change["new"]), names="value")
    explorer.depth_slider.value = 2  # a real control event: new sweep, with the progress bar
    _assert_shows(explorer, _core(2, 256))
    assert seen and seen[-1] == explorer.progress.max == len(WIDTHS) * len(SEEDS)
    explorer.activation_dropdown.value = "erf"
    _assert_shows(explorer, _core(2, 256, "erf"))
    explorer.width_slider.value = 16
    _assert_shows(explorer, _core(2, 16, "erf"))
    assert explorer.progress.layout.visibility == "hidden"


@pytest.mark.parametrize("kwargs, name", [(dict(width=0), "width"), (dict(width=100), "width"),
                                          (dict(depth=0), "depth"), (dict(depth=9), "depth"),
                                          (dict(activation="tanh"), "activation")])
def test_bad_value_shows_message_and_keeps_figures(explorer, kwargs, name):
    assert explorer.set(width=16, depth=1, activation="relu")
    s = explorer.state
    readout = explorer.readout.value
    assert explorer.set(**kwargs) is False  # no exception
    assert "ntkviz-message-error" in explorer.message.value and name in explorer.message.value
    assert explorer.state is s and explorer.readout.value == readout
    _assert_shows(explorer, s)
    assert (explorer.width_slider.value, explorer.depth_slider.value) == (16, 1)
    assert explorer.set(width=16)  # recovers; the message clears
    assert "error" not in explorer.message.value


def test_failure_inside_update_is_caught(explorer, monkeypatch):
    assert explorer.set(width=16, depth=1, activation="relu")
    s = explorer.state

    def boom(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(wd, "width_state", boom)
    explorer.width_slider.value = 256  # curves at 256 are drawn first, then the state fails
    assert "ntkviz-message-error" in explorer.message.value and "out of memory" in explorer.message.value
    assert explorer.state is s
    _assert_shows(explorer, s)  # the last good figure is back
    assert explorer.progress.layout.visibility == "hidden"


def test_default_explorer_reads_the_shipped_file(monkeypatch):
    """Constructing with the defaults and moving every control computes no kernel."""
    def boom(*args, **kwargs):
        raise AssertionError("a kernel was computed")

    for name in ("empirical_row", "analytic_row", "ntk_row", "mlp"):
        monkeypatch.setattr(wd.networks, name, boom)
    explorer = WidthExplorer()
    shipped = wd.load_precomputed()
    theta, thetas, errors = shipped.entry(4, "relu")
    assert (explorer.state.depth, explorer.state.width, explorer.state.activation) == (4, 500, "relu")
    np.testing.assert_array_equal(explorer.state.thetas, thetas[wd.WIDTHS.index(500)])
    np.testing.assert_array_equal(explorer.state.sweep.errors, errors)
    _assert_shows(explorer, explorer.state)
    for depth in wd.PRECOMPUTED_DEPTHS:
        for activation in wd.ACTIVATIONS:
            assert explorer.set(depth=depth, activation=activation, width=16), explorer.message.value
            s = explorer.state
            np.testing.assert_array_equal(s.thetas, shipped.entry(depth, activation)[1][0])
            _assert_shows(explorer, s)
    explorer.depth_slider.value = 2  # a real control event
    explorer.width_slider.value = 2000
    assert (explorer.state.depth, explorer.state.width) == (2, 2000)
    assert "error" not in explorer.message.value and explorer.progress.layout.visibility == "hidden"

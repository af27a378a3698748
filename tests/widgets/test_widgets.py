"""CircleExplorer: sliders drive the figures; bad input is shown, never raised."""

import re

import numpy as np
import pytest

from ntkviz.experiments import circle
from ntkviz.widgets import CircleExplorer
from ntkviz.widgets.display import STYLE, format_number, value_span


@pytest.fixture(scope="module")
def explorer():
    return CircleExplorer()


def _data_value(html: str, css: str) -> float:
    return float(re.search(rf'class="[^"]*{css}[^"]*" data-value="([^"]+)"', html).group(1))


def _shown(html: str, css: str) -> tuple[str, str]:
    """(hover title, displayed text) of one readout number."""
    pattern = rf'class="[^"]*{css}[^"]*" data-value="[^"]+" title="([^"]+)">([^<]*)</span>'
    found = re.search(pattern, html)
    return found.group(1), found.group(2)


@pytest.mark.parametrize("value, text", [
    (1.33824652849, "1.34"), (0.0458837123, "0.0459"), (-0.5, "-0.5"), (1 / 3, "0.333"),
    (5.0, "5"), (0.0, "0"), (16, "16"), (np.int64(7), "7"), (1000.0, "1000"), (999.96, "1000"),
    (12345.678, "12346"), (1234567.8, "1.23e6"), (1.2345e-5, "1.23e-5"),
    (np.float64(2.5e-12), "2.5e-12"), (float("inf"), "∞"), (float("-inf"), "−∞"),
    (float("nan"), "nan"), (True, "True"), ("text", "text"),
])
def test_format_number_rounds_for_reading(value, text):
    assert format_number(value) == text


def test_value_span_keeps_the_full_value():
    span = value_span("ntkviz-x", 1.33824652849)
    assert span == ('<span class="ntkviz-value ntkviz-x" data-value="1.33824652849" '
                    'title="1.33824652849">1.34</span>')
    assert value_span("ntkviz-x", 0.123456, 4).endswith('title="0.123456">0.1235</span>')
    assert value_span("ntkviz-n", 16).endswith('data-value="16" title="16">16</span>')
    assert value_span("ntkviz-s", "<b>") == ('<span class="ntkviz-value ntkviz-s" '
                                             'data-value="&#x27;&lt;b&gt;&#x27;">&lt;b&gt;</span>')


def test_readout_is_rounded_with_the_full_value_on_hover(explorer):
    explorer.set(delta=1.0, N=8, length_scale=1.0)
    s = circle.circle_state(8, 1.0, 1.0)
    html = explorer.readout.value
    for css, value in [("ntkviz-loo", s.loo_error), ("ntkviz-eps", s.eps_spectral),
                       ("ntkviz-prediction", s.loo_prediction)]:
        title, text = _shown(html, css)
        assert float(title) == value and text == format_number(value), css
        assert len(text.lstrip("-").replace(".", "").lstrip("0")) <= 3, text
    assert ".ntkviz-value[title]" in STYLE  # a dotted underline says there is more on hover


def test_defaults_show_core_values(explorer):
    s = circle.circle_state(8, 1.0, 1.0)
    assert (explorer.delta_slider.value, explorer.N_slider.value, explorer.length_slider.value) == (1.0, 8, 1.0)
    assert _data_value(explorer.readout.value, "ntkviz-loo") == s.loo_error
    assert _data_value(explorer.readout.value, "ntkviz-eps") == s.eps_spectral
    np.testing.assert_array_equal(np.asarray(explorer.traces("kernel")[0].z), s.K)
    assert [len(explorer.traces(k)) for k in ("orbits", "kernel", "spectrum", "posterior", "vs_delta", "vs_N")] == [5, 1, 3, 6, 2, 2]
    assert explorer.panel_title("vs_N") == "ε against N (δ = 1, ℓ = 1)"


def test_set_updates_every_figure_in_place(explorer):
    plot_before = explorer.plot
    assert explorer.set(delta=2.0, N=12, length_scale=0.5)
    s = circle.circle_state(12, 2.0, 0.5)
    assert explorer.plot is plot_before  # updated in place
    f = explorer.traces
    np.testing.assert_array_equal(np.asarray(f("kernel")[0].z), s.K)
    np.testing.assert_allclose(f("spectrum")[0].y, 1.0 / s.lam, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(f("orbits")[0].customdata)[:, 3], 1.0)  # height δ/2
    assert f("posterior")[5].y[0] == pytest.approx(s.loo_prediction)
    assert f("vs_delta")[1].x[0] == 2.0 and f("vs_delta")[1].y[0] == pytest.approx(s.eps_spectral)
    assert f("vs_N")[1].x[0] == 12 and f("vs_N")[1].y[0] == pytest.approx(s.eps_spectral)
    assert explorer.panel_title("vs_N") == "ε against N (δ = 2, ℓ = 0.5)"
    assert f"{s.eps_spectral:.4g}" in explorer.panel_title("spectrum")
    x_name = "xaxis" + explorer.traces("spectrum")[0].xaxis[1:]
    assert list(explorer.figure.layout[x_name].range) == [-0.5, 23.5]
    assert _data_value(explorer.readout.value, "ntkviz-eps") == s.eps_spectral
    assert (explorer.delta_slider.value, explorer.N_slider.value) == (2.0, 12)
    assert explorer.length_slider.value == pytest.approx(0.5)


def test_slider_moves_update(explorer):
    explorer.N_slider.value = 20
    s = circle.circle_state(20, explorer.delta_slider.value, explorer.length_slider.value)
    assert explorer.state.N == 20
    assert np.asarray(explorer.traces("kernel")[0].z).shape == (40, 40)
    assert _data_value(explorer.readout.value, "ntkviz-loo") == s.loo_error


@pytest.mark.parametrize("kwargs, name", [(dict(delta=-1.0), "delta"), (dict(N=1), "N"),
                                          (dict(length_scale=0.0), "length_scale")])
def test_bad_value_shows_message_and_keeps_figures(explorer, kwargs, name):
    explorer.set(delta=1.0, N=8, length_scale=1.0)
    z_before = np.asarray(explorer.traces("kernel")[0].z).copy()
    readout_before = explorer.readout.value
    assert explorer.set(**kwargs) is False  # no exception
    assert "ntkviz-message-error" in explorer.message.value and name in explorer.message.value
    np.testing.assert_array_equal(np.asarray(explorer.traces("kernel")[0].z), z_before)
    assert explorer.readout.value == readout_before
    assert explorer.N_slider.value == 8
    assert explorer.set(delta=1.0)  # recovers; the message clears
    assert "error" not in explorer.message.value


def test_failure_inside_update_is_caught(explorer, monkeypatch):
    def boom(*args, **kwargs):
        raise np.linalg.LinAlgError("singular kernel")

    monkeypatch.setattr(circle, "circle_state", boom)
    explorer.delta_slider.value = 1.5  # a real slider event: must not raise
    assert "singular kernel" in explorer.message.value


def test_widget_is_a_container():
    import ipywidgets as W

    e = CircleExplorer(delta=0.5, N=4, length_scale=2.0)
    assert isinstance(e.widget, W.VBox)
    assert e.state.N == 4

"""Figures built by ntkviz.plots: traces, shapes, the Eq. 7 picture, markers, colours."""

import numpy as np
import plotly.graph_objects as go
import pytest

from ntkviz import plots
from ntkviz.experiments import circle
from ntkviz.plots import equivariant_accuracy as eq_plots


@pytest.fixture(scope="module")
def state():
    return circle.circle_state(8, 1.0, 1.0)


def test_colors_are_distinct_and_used(state):
    assert set(plots.COLORS) >= {"A", "B", "missing"}
    assert plots.COLORS["A"] != plots.COLORS["B"]
    orbit = plots.orbits_3d(state.X, state.y)
    ring = plots.posterior_ring(state.ring_angles, state.ring_mean_A, state.ring_mean_B,
                                state.X, state.y, state.loo_prediction)
    assert orbit.data[0].marker.color == plots.COLORS["A"] == ring.data[0].line.color == ring.data[2].marker.color
    assert orbit.data[1].marker.color == plots.COLORS["B"] == ring.data[1].line.color == ring.data[3].marker.color


def test_orbits_3d(state):
    """The orbits in a fixed oblique view on 2-D axes: each point where the view's formula puts
    it, its R³ coordinates in the hover, and each orbit on the circle drawn for it."""
    fig = plots.orbits_3d(state.X, state.y, missing=0)
    assert isinstance(fig, go.Figure) and len(fig.data) == 5
    assert all(t.type == "scatter" for t in fig.data)
    assert len(fig.data[0].x) == len(fig.data[1].x) == 8
    phi, e = np.radians(-30.0), np.radians(22.0)
    x1, x2, x3 = state.X[0]  # the left-out point A₀ = (1, 0, δ/2)
    u = x1 * np.cos(phi) - x2 * np.sin(phi)
    v = x3 * np.cos(e) + (x1 * np.sin(phi) + x2 * np.cos(phi)) * np.sin(e)
    np.testing.assert_allclose([fig.data[2].x[0], fig.data[2].y[0]], [u, v], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fig.data[2].customdata)[0], [0, *state.X[0]])
    np.testing.assert_allclose(np.asarray(fig.data[0].customdata)[:, 3], 0.5)
    for points, ring in ((fig.data[0], fig.data[3]), (fig.data[1], fig.data[4])):
        gap = np.hypot(np.subtract.outer(points.x, ring.x), np.subtract.outer(points.y, ring.y))
        assert gap.min(axis=1).max() < 0.03
    assert fig.layout.title.text and not fig.layout.xaxis.visible


def test_kernel_heatmap(state):
    fig = plots.kernel_heatmap(state.K, "K")
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), state.K)
    assert fig.layout.yaxis.autorange == "reversed"
    assert "%{z" in fig.data[0].hovertemplate


def test_inverse_spectrum_shows_both_terms_of_eq7(state):
    N = state.N
    fig = plots.inverse_spectrum(state.lam, N, state.eps_spectral)
    curve, rect, label = fig.data
    assert curve.fill == "tozeroy" and rect.fill == "tozeroy"
    np.testing.assert_allclose(curve.y, 1.0 / state.lam, rtol=1e-12)
    np.testing.assert_array_equal(curve.x, np.arange(2 * N))
    assert rect.y[0] == rect.y[1] == pytest.approx(1.0 / state.lam[N])
    assert list(rect.x) == [-0.5, 2 * N - 0.5]
    assert label.x[0] == N
    # the rectangle over all n frequencies divided by the area under the curve is ε
    area = np.sum(curve.y)
    assert (rect.y[0] * 2 * N) / area == pytest.approx(state.eps_spectral, rel=1e-12)
    assert f"{state.eps_spectral:.4g}" in fig.layout.title.text
    assert fig.layout.yaxis.type == "log"


def test_inverse_spectrum_zero_eigenvalue_is_a_gap():
    lam = np.array([4.0, 0.0, 1.0, 0.0])
    fig = plots.inverse_spectrum(lam, 2, 0.0)
    assert fig.data[0].y[1] is None and fig.data[0].y[2] == 1.0


def test_posterior_ring(state):
    fig = plots.posterior_ring(state.ring_angles, state.ring_mean_A, state.ring_mean_B,
                               state.X, state.y, state.loo_prediction)
    assert len(fig.data) == 6
    assert len(fig.data[0].x) == circle.RING_POINTS
    assert len(fig.data[2].x) == 7 and len(fig.data[3].x) == 8  # A_0 is left out
    assert fig.data[4].y[0] == 1.0
    assert fig.data[5].y[0] == pytest.approx(state.loo_prediction)
    assert fig.layout.xaxis.title.text


def test_error_curve_marker(state):
    xs = np.linspace(0, 3, 7)
    eps = circle.error_vs_delta(8, 1.0, xs)
    fig = plots.error_curve(xs, eps, 1.0, "δ")
    curve, marker = fig.data
    np.testing.assert_allclose(curve.y, eps)
    assert marker.x[0] == 1.0 and marker.y[0] == pytest.approx(eps[2])
    assert fig.layout.xaxis.title.text == "δ" and fig.layout.yaxis.type == "log"
    given = plots.error_curve(xs, eps, 1.2, "δ", current_eps=0.5)
    assert given.data[1].y[0] == 0.5


def test_apply_update_matches_a_fresh_figure(state):
    other = circle.circle_state(12, 2.0, 0.5)
    fig = plots.inverse_spectrum(state.lam, state.N, state.eps_spectral)
    plots.apply_update(fig, plots.inverse_spectrum_update(other.lam, other.N, other.eps_spectral))
    fresh = plots.inverse_spectrum(other.lam, other.N, other.eps_spectral)
    assert fig.to_plotly_json() == fresh.to_plotly_json()


# --- the experiment figures: legal NaN drawn as gaps, bad input named -------------------------

def test_accuracy_not_computed_is_a_gap_not_a_number():
    nan = float("nan")
    curves = {"mlp1": np.array([0.1, nan, 0.5]), "gcnn": np.array([0.9, 0.8, 0.9])}
    fig = plots.accuracy_curve((2, 4, 8), curves, 4, "mlp1", ceiling=[0.9, nan, 0.95])
    assert fig.data[0].y == (10.0, None, 50.0) and fig.data[2].y == (90.0, None, 95.0)
    assert fig.data[4].y == (None,)  # the star at current_N = 4 has no accuracy
    bars = plots.accuracy_bars(["mlp1", "gcnn"], [nan, 0.5], "gcnn")
    assert bars.data[0].y == (None, 50.0) and bars.data[0].text == ("", "50.0 %")
    mean, std = np.array([0.5, nan, 0.9]), np.array([0.1, nan, 0.0])
    fig = eq_plots.accuracy_vs_ntrain([10, 20, 50], {"gcnn": (mean, std)})
    assert fig.data[1].y == (50.0, None, 90.0) and None in fig.data[0].y
    assert [row[0] for row in fig.data[1].customdata] == [10.0, None, 0.0]


def test_unfitted_slope_and_infinite_mean_inverse_are_gaps():
    nan = float("nan")
    fig = plots.error_vs_width([16], np.array([[0.4, 0.6]]), nan, nan, 16)
    assert fig.data[2].y == (None, None) and "no slope fitted" in fig.layout.title.text
    fig = plots.density_scatter([0.5, 0.25], [3.0, np.inf], [[1, 0, 2, 0], [3, 0, 4, 0]], nan)
    assert fig.data[0].y == (3.0, None) and "undefined" in fig.layout.title.text


@pytest.mark.parametrize("call, error, name", [
    (lambda: plots.accuracy_curve((2, 4), {"a": [0.5, 0.6, 0.7]}, 2, "a"), ValueError, "Ns"),
    (lambda: plots.accuracy_curve((2, 4), {"a": [0.5, 0.6]}, 2, "b"), ValueError, "highlight"),
    (lambda: plots.accuracy_curve((2, 4), {"a": [0.5, 0.6]}, 0, "a"), ValueError, "current_N"),
    (lambda: plots.accuracy_curve((2, 4), {"a": [0.5, 1.6]}, 2, "a"), ValueError, "curves"),
    (lambda: plots.accuracy_bars(["a", "b"], [0.5], "a"), ValueError, "values"),
    (lambda: plots.digit_thumbnails(np.ones((2, 3, 3)), [True], ncols=2), ValueError, "correct"),
    (lambda: plots.error_scatter([0.1, 0.2], [0.1], [[1, 0, 2, 0]] * 2, 0.5), ValueError, "eps_exact"),
    (lambda: plots.error_scatter([0.1], [0.1], [[1, 0, 2]], 0.5), ValueError, "pairs"),
    (lambda: plots.ntk_curves([0.0, 1.0], [1.0, 0.5], [[1.0, 0.5, 0.2]], 16), ValueError, "thetas"),
    (lambda: plots.error_vs_width([16, 64], [[0.4], [0.2]], -0.5, 0.0, -1), ValueError,
     "current_width"),
    (lambda: plots.gcnn_error_vs_width([4, 16], [[0.4], [0.2]], [[0.4]], -0.5, 0.0, -0.5, 0.0),
     ValueError, "nngp_errors"),
    (lambda: plots.orbit_heatmaps([[np.eye(2)], [np.eye(2), np.eye(2)]], ["a", "b"], ["c"]),
     ValueError, "grams"),
    (lambda: plots.orbit_heatmaps([[np.eye(2)]], ["a", "b"], ["c"]), ValueError, "row_labels"),
    (lambda: plots.proposition_table_figure(["a"], [["x"]], [True, False]), ValueError, "agrees"),
    (lambda: plots.invariance_bars(["a", "b"], [45.0], [[1e-3, 0.0]]), ValueError, "deviations"),
    (lambda: plots.accuracy_vs_ntrain([10, 20], {"a": ([0.5, 0.6], [0.1, 0.1])}, shown="a"),
     TypeError, "shown"),
])
def test_experiment_figures_name_a_bad_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_proposition_table_html_colours_rows_and_escapes_text():
    page = plots.proposition_table_html(["claim", "value <x>"], [["P1", "a & b"], ["P2", "1e-3"]],
                                        [True, False], title="Props. 1–4")
    assert page.count("<tr") == 3 and "<caption>Props. 1–4</caption>" in page
    assert "value &lt;x&gt;" in page and "a &amp; b" in page and "<x>" not in page
    rows = page.split("<tr")[2:]
    assert "#e8f4e8" in rows[0] and "#fbe3e3" in rows[1]
    with pytest.raises(ValueError, match="agrees"):
        plots.proposition_table_html(["claim"], [["P1"]], [True, False])

"""Orbit and survey figures, OrbitExplorer and PairSurvey: controls drive the figures to exactly
the core's numbers; bad input is shown, never raised; a clicked pair lands in the explorer."""

import base64
import json
import re

import numpy as np
import pytest

from ntkviz import plots
from ntkviz.experiments import digits, orbits, survey
from ntkviz.widgets import OrbitExplorer, PairSurvey


def _data_value(html: str, css: str):
    return re.search(rf'class="[^"]*{css}[^"]*" data-value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def state():
    return orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 6, "mlp1")


@pytest.fixture(scope="module")
def result():
    return survey.pair_survey("mlp1", "rotate", 6, n_pairs=16, seed=0)


# --------------------------------------------------------------------------- figures


def test_orbit_strip_places_every_image(state):
    fig = plots.orbit_strip(state.orbit_a, state.orbit_b, ("3 (#0)", "8 (#0)"))
    assert len(fig.data) == 5
    z = np.asarray(fig.data[0].z, dtype=float)
    R, N = state.resolution, state.N
    step = R + 2
    assert z.shape == (2 * R + 2, N * step - 2)
    for k in range(N):
        np.testing.assert_array_equal(z[:R, k * step:k * step + R], state.orbit_a[k])
        np.testing.assert_array_equal(z[R + 2:, k * step:k * step + R], state.orbit_b[k])
    assert np.isnan(z[R, 0]) and np.isnan(z[0, R])  # gaps
    assert fig.data[1].line.color == plots.COLORS["A"] and fig.data[2].line.color == plots.COLORS["B"]
    assert fig.data[3].line.color == plots.COLORS["missing"]
    assert min(fig.data[3].x) < 0 < R - 1 < max(fig.data[3].x)  # the box encloses A_0 only
    assert max(fig.data[3].x) < step
    assert "A = 3 (#0)" in fig.layout.title.text and "N = 6" in fig.layout.title.text


def test_kernel_pair_shares_one_colour_scale(state):
    fig = plots.kernel_pair(state.K, state.Kc, state.circulant_deviation)
    K, Kc = (np.asarray(t.z) for t in fig.data)
    np.testing.assert_array_equal(K, state.K)
    np.testing.assert_array_equal(Kc, state.Kc)
    off = state.K[~np.eye(2 * state.N, dtype=bool)]
    assert fig.data[0].zmin == fig.data[1].zmin == state.K.min()
    assert fig.data[0].zmax == fig.data[1].zmax == off.max()
    assert f"{state.circulant_deviation:.3g}" in fig.layout.annotations[0].text


def test_error_bars(state):
    fig = plots.error_bars(state.eps_spectral, state.eps_exact, state.prediction_a, state.prediction_b)
    assert list(fig.data[0].y) == [state.eps_spectral, state.eps_exact]
    assert fig.data[1].y[0] == pytest.approx(abs(state.prediction_a - 1))
    assert fig.data[2].y[0] == pytest.approx(abs(state.prediction_b + 1))
    assert fig.data[1].marker.color == plots.COLORS["A"] and fig.data[2].marker.color == plots.COLORS["B"]
    assert list(fig.data[3].y) == [1.0, 1.0]


def test_survey_scatters(result):
    fig = plots.error_scatter(result.eps_spectral, result.eps_exact, result.pairs, result.correlation,
                              result.misclassified, selected=3)
    right, wrong, diagonal, chosen = fig.data
    assert len(right.x) == np.sum(~result.misclassified) and len(wrong.x) == np.sum(result.misclassified)
    for trace in (right, wrong):
        for row, x, y in zip(np.asarray(trace.customdata), trace.x, trace.y):
            i = row[0]
            assert (x, y) == (result.eps_spectral[i], result.eps_exact[i])
            assert list(row[1:]) == list(result.pairs[i])
    assert (chosen.x[0], chosen.y[0]) == (result.eps_spectral[3], result.eps_exact[3])
    assert diagonal.x[0] == diagonal.y[0] == 0 and diagonal.x[1] == diagonal.y[1]
    assert f"corr = {result.correlation:.4f}" in fig.layout.title.text
    sep = plots.separation_scatter(result.separation_sq, result.lam_N, result.pairs,
                                   result.correlation_lambda_separation, result.misclassified)
    xs = np.concatenate([sep.data[0].x, sep.data[1].x])
    assert sorted(xs) == sorted(result.separation_sq)
    density = plots.density_scatter([0.5, 0.25], [3.0, np.inf], [[1, 0, 2, 0], [3, 0, 4, 0]], float("nan"))
    assert list(density.data[0].x) == [2.0, 4.0] and list(density.data[0].y) == [3.0, None]
    assert "undefined" in density.layout.title.text


def test_update_twins_rewrite_a_figure(state):
    other = orbits.orbit_pair_state((1, 0), (7, 0), "rotate", 6, "mlp1")
    fig = plots.orbit_strip(state.orbit_a, state.orbit_b)
    plots.apply_update(fig, plots.orbit_strip_update(other.orbit_a, other.orbit_b, ("1", "7")))
    fresh = plots.orbit_strip(other.orbit_a, other.orbit_b, ("1", "7"))
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), np.asarray(fresh.data[0].z))
    assert fig.layout.title.text == fresh.layout.title.text
    fig = plots.error_bars(state.eps_spectral, state.eps_exact, state.prediction_a, state.prediction_b)
    plots.apply_update(fig, plots.error_bars_update(other.eps_spectral, other.eps_exact,
                                                    other.prediction_a, other.prediction_b))
    assert list(fig.data[0].y) == [other.eps_spectral, other.eps_exact]


# --------------------------------------------------------------------------- OrbitExplorer


@pytest.fixture(scope="module")
def explorer():
    return OrbitExplorer(a=(3, 0), b=(8, 0), action="rotate", N=6)


def _check_shows(explorer, s):
    f = explorer.traces
    np.testing.assert_array_equal(np.asarray(f("kernel")[0].z), s.K)
    np.testing.assert_array_equal(np.asarray(f("circulant")[0].z), s.Kc)
    np.testing.assert_allclose(f("spectrum")[0].y, 1.0 / s.lam, rtol=1e-12)
    assert list(f("errors")[0].y) == [s.eps_spectral, s.eps_exact]
    z = np.asarray(f("thumbnails")[0].z, dtype=float)
    np.testing.assert_array_equal(z[:s.resolution, :s.resolution], s.orbit_a[0])
    html = explorer.readout.value
    for css, value in [("ntkviz-eps", s.eps_spectral), ("ntkviz-exact", s.eps_exact),
                       ("ntkviz-deviation", s.circulant_deviation), ("ntkviz-separation", s.separation_sq),
                       ("ntkviz-radius", s.radius), ("ntkviz-lambda-n", s.lam_N),
                       ("ntkviz-mean-inverse", s.mean_inverse), ("ntkviz-prediction-a", s.prediction_a),
                       ("ntkviz-prediction-b", s.prediction_b)]:
        assert float(_data_value(html, css)) == value, css
    assert f'data-n="{s.N}"' in html and f'data-architecture="{s.architecture}"' in html


def test_defaults_show_the_core(explorer):
    s = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 6, "mlp1", "ntk")
    assert explorer.state is s
    _check_shows(explorer, s)
    assert [len(explorer.traces(k)) for k in ("thumbnails", "kernel", "circulant", "spectrum", "errors")] == [5, 1, 1, 3, 4]
    assert f"{s.eps_spectral:.4g}" in explorer.panel_title("spectrum")
    assert "ntkviz-orbit-explorer" in explorer.widget._dom_classes
    for control, css in [(explorer.class_a, "ntkviz-class-a"), (explorer.sample_a, "ntkviz-sample-a"),
                         (explorer.class_b, "ntkviz-class-b"), (explorer.sample_b, "ntkviz-sample-b"),
                         (explorer.random_button, "ntkviz-random-pair"), (explorer.action, "ntkviz-action"),
                         (explorer.N_slider, "ntkviz-N"), (explorer.architecture, "ntkviz-architecture"),
                         (explorer.kind, "ntkviz-kind")]:
        assert css in control._dom_classes


def test_set_and_controls_update_in_place(explorer):
    plot = explorer.plot
    assert explorer.set(a=(1, 4), b=(7, 2), N=10, kind="nngp")
    s = orbits.orbit_pair_state((1, 4), (7, 2), "rotate", 10, "mlp1", "nngp")
    assert explorer.plot is plot
    _check_shows(explorer, s)
    assert (explorer.class_a.value, explorer.sample_a.value, explorer.class_b.value) == (1, 4, 7)
    assert (explorer.N_slider.value, explorer.kind.value) == (10, "nngp")
    assert "Σ" in explorer.panel_title("kernel")
    explorer.N_slider.value = 12  # a real control event
    assert explorer.state.N == 12
    _check_shows(explorer, orbits.orbit_pair_state((1, 4), (7, 2), "rotate", 12, "mlp1", "nngp"))
    explorer.kind.value = "ntk"
    explorer.class_b.value = 5
    _check_shows(explorer, orbits.orbit_pair_state((1, 4), (5, 2), "rotate", 12, "mlp1", "ntk"))
    explorer.architecture.value = "cnn_flatten"
    _check_shows(explorer, orbits.orbit_pair_state((1, 4), (5, 2), "rotate", 12, "cnn_flatten", "ntk"))
    x_name = explorer._axes["spectrum"][0]
    assert list(explorer.figure.layout[x_name].range) == [-0.5, 23.5]


def test_sample_box_follows_the_class(explorer):
    explorer.class_a.value = 5
    assert explorer.sample_a.max == digits.class_size(5) - 1
    explorer.class_a.value = 1
    assert explorer.sample_a.max == digits.class_size(1) - 1


@pytest.mark.parametrize("kwargs, text", [(dict(action="rot90", N=8), "allowed N: 2, 4"),
                                          (dict(action="shift", N=5), "allowed N: 2, 4, 7, 14, 28"),
                                          (dict(a=(3, 99999)), "a sample")])
def test_bad_setting_shows_a_message_and_keeps_the_figures(explorer, kwargs, text):
    assert explorer.set(a=(3, 0), b=(8, 0), action="rotate", N=8, architecture="mlp1", kind="ntk")
    z = np.asarray(explorer.traces("kernel")[0].z).copy()
    readout = explorer.readout.value
    assert explorer.set(**kwargs) is False
    assert "ntkviz-message-error" in explorer.message.value and text in explorer.message.value
    np.testing.assert_array_equal(np.asarray(explorer.traces("kernel")[0].z), z)
    assert explorer.readout.value == readout and explorer.N_slider.value == 8


def test_bad_N_from_the_controls(explorer):
    assert explorer.set(a=(3, 0), b=(8, 0), action="rotate", N=8, architecture="mlp1", kind="ntk")
    good = explorer.state
    explorer.action.value = "rot90"  # N = 8 stays: not allowed for quarter turns
    assert "N=8" in explorer.message.value and "ntkviz-message-error" in explorer.message.value
    assert explorer.state is good
    np.testing.assert_array_equal(np.asarray(explorer.traces("kernel")[0].z), good.K)
    explorer.N_slider.value = 4
    assert explorer.state.action == "rot90" and explorer.state.N == 4
    assert "error" not in explorer.message.value
    _check_shows(explorer, orbits.orbit_pair_state((3, 0), (8, 0), "rot90", 4, "mlp1"))


def test_invariant_network_shows_the_note(explorer):
    assert explorer.set(action="shift", N=7, architecture="cnn_gap")
    assert explorer.state.eps_spectral == 0.0
    assert "ntkviz-message-note" in explorer.message.value and "rank-deficient" in explorer.message.value
    assert float(_data_value(explorer.readout.value, "ntkviz-eps")) == 0.0
    assert _data_value(explorer.readout.value, "ntkviz-mean-inverse") == "inf"
    assert 'data-value="inf" title="inf">∞</span>' in explorer.readout.value
    spectrum = explorer.traces("spectrum")[0]
    assert sum(v is None for v in spectrum.y) == 12  # 12 vanishing eigenvalues: gaps


def test_random_pair_button(explorer):
    seed = explorer._random_seed
    explorer.random_button.click()
    a, b = digits.random_pair(seed + 1)
    assert (explorer.state.a, explorer.state.b) == (a, b) and a[0] != b[0]
    assert (explorer.class_a.value, explorer.sample_a.value) == a


def test_failure_inside_update_is_caught(explorer, monkeypatch):
    def boom(*args, **kwargs):
        raise np.linalg.LinAlgError("singular kernel")

    monkeypatch.setattr(orbits, "orbit_pair_state", boom)
    explorer.N_slider.value = 2 if explorer.N_slider.value != 2 else 4
    assert "singular kernel" in explorer.message.value
    assert "ntkviz-busy-on" not in explorer.busy.value  # the indicator is cleared


# --------------------------------------------------------------------------- PairSurvey


def test_survey_before_a_run():
    s = PairSurvey(action="rot90", N=4)
    assert s.n_pairs_slider.value == 128 and (s.n_pairs_slider.min, s.n_pairs_slider.max) == (16, 512)
    assert "ntkviz-survey-explorer" in s.widget._dom_classes
    for control, css in [(s.n_pairs_slider, "ntkviz-n-pairs"), (s.run_button, "ntkviz-run-survey"),
                         (s.progress, "ntkviz-progress")]:
        assert css in control._dom_classes
    assert s.select_pair(0) is False and "Run survey" in s.message.value
    assert len(s.traces("errors")[0].x) == 0


def test_survey_runs_with_the_explorers_setting():
    explorer = OrbitExplorer(N=6)
    selected = []
    s = PairSurvey(explorer, n_pairs=16, on_pair_selected=lambda *args: selected.append(args))
    assert s.run()
    r = survey.pair_survey("mlp1", "rotate", 6, n_pairs=16, seed=0)
    assert s.result is r and s.progress.value == 16 and s.progress.max == 16
    html = s.readout.value
    assert float(_data_value(html, "ntkviz-correlation")) == r.correlation
    assert float(_data_value(html, "ntkviz-fraction-misclassified")) == r.fraction_misclassified
    assert float(_data_value(html, "ntkviz-mean-abs-difference")) == r.mean_abs_difference
    assert int(_data_value(html, "ntkviz-survey-pairs")) == 16
    xs = np.concatenate([s.traces("errors")[0].x, s.traces("errors")[1].x])
    assert sorted(xs) == sorted(r.eps_spectral)
    assert f"{r.correlation:.4f}" in s.panel_title("errors")

    # select_pair: the pair lands in the explorer, the callback runs, every scatter rings it
    assert s.select_pair(5)
    a, b = r.pair(5)
    assert (explorer.state.a, explorer.state.b, explorer.state.N) == (a, b, 6)
    assert selected == [(5, a, b)]
    assert s.traces("errors")[3].x[0] == r.eps_spectral[5]
    assert s.traces("separation")[3].x[0] == r.separation_sq[5]
    assert int(_data_value(s.readout.value, "ntkviz-selected-pair")) == 5

    # a click on a point of the scatter does the same (the click message a browser sends)
    trace = s.traces("errors")[1] if len(s.traces("errors")[1].x) else s.traces("errors")[0]
    index = int(np.asarray(trace.customdata)[0][0])
    s.plot._on_message(s.plot, {"event": "click", "trace": s.figure.data.index(trace), "point": 0}, [])
    assert selected[-1] == (index, *r.pair(index))
    assert (explorer.state.a, explorer.state.b) == r.pair(index)

    # the survey follows the explorer's next setting; until it reruns, it says it is stale
    assert "ntkviz-survey-stale" not in s.setting.value
    explorer.set(action="rot90", N=4)
    assert 'data-n="4"' in s.setting.value and "ntkviz-survey-stale" in s.setting.value
    assert s.run(n_pairs=32)
    assert "ntkviz-survey-stale" not in s.setting.value
    assert (s.result.action, s.result.N, s.result.n_pairs) == ("rot90", 4, 32)
    assert 'data-action="rot90"' in s.setting.value


def test_survey_bad_setting_shows_a_message():
    s = PairSurvey(action="rot90", N=8, n_pairs=16)
    assert s.run() is False
    assert "ntkviz-message-error" in s.message.value and "N=8" in s.message.value
    assert s.result is None and not s.run_button.disabled


def _shown(plot) -> dict:
    """The figure a plot's views draw: its synced JSON, typed arrays decoded."""
    def decode(value):
        if isinstance(value, dict) and "bdata" in value:
            shape = [int(n) for n in str(value.get("shape", "-1")).split(",")]
            return np.frombuffer(base64.b64decode(value["bdata"]), value["dtype"]).reshape(shape)
        if isinstance(value, dict):
            return {k: decode(v) for k, v in value.items()}
        return [decode(v) for v in value] if isinstance(value, list) else value
    return decode(json.loads(plot.figure))


def test_the_plot_shows_the_figure_after_every_edit():
    """Views draw the plot's synced figure: it is the explorer's figure before the explorer is
    shown and after each move (a view created later draws the latest setting)."""
    e = OrbitExplorer(N=6)
    shown = _shown(e.plot)
    assert shown["layout"]["showlegend"] is False
    assert all(t["showlegend"] is False for t in shown["data"])
    assert e.set(N=7)
    start = e._slices["kernel"][0]
    np.testing.assert_array_equal(_shown(e.plot)["data"][start]["z"], e.state.K)
    s = PairSurvey(e, n_pairs=16)
    assert s.run()
    shown = _shown(s.plot)["data"]
    assert len(shown[0]["x"]) + len(shown[1]["x"]) == 16

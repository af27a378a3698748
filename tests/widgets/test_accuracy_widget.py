"""AccuracyExplorer and its figures: the numbers shown are the results' numbers; controls drive
one FigureWidget in place; bad input is shown, never raised; missing results are computed live."""

import re

import numpy as np
import pytest

from ntkviz import plots
from ntkviz.experiments import accuracy as acc
from ntkviz.plots import accuracy as accuracy_plots
from ntkviz.widgets import AccuracyExplorer

TINY = acc.Config(classes=3, n_train=1, n_test=5, rotate=(2, 3, 4), rot90=(2, 4), shift=(2, 7))


def _data_value(html: str, css: str) -> float:
    return float(re.search(rf'class="[^"]*{css}[^"]*" data-value="([^"]+)"', html).group(1))


def _setting(html: str, name: str) -> str:
    return re.search(rf'data-{name}="([^"]*)"', html).group(1)


@pytest.fixture(scope="module")
def shipped():
    return acc.load_precomputed()


@pytest.fixture(scope="module")
def explorer():
    return AccuracyExplorer()


# --------------------------------------------------------------------------- figures

def test_curve_figure_shows_every_architecture():
    Ns = (2, 4, 8)
    curves = {"mlp1": np.array([0.1, 0.2, 0.5]), "gcnn": np.array([0.9, 0.9, 0.9])}
    fig = plots.accuracy_curve(Ns, curves, 4, "gcnn", ceiling=[0.9, 0.9, 0.95],
                               symmetric={"gcnn": True, "mlp1": False})
    assert len(fig.data) == 5
    np.testing.assert_allclose(fig.data[0].y, [10, 20, 50])
    assert fig.data[0].line.dash == "dash" and fig.data[1].line.dash == "solid"
    assert fig.data[1].line.width > fig.data[0].line.width  # highlighted
    np.testing.assert_allclose(fig.data[2].y, [90, 90, 95])
    assert list(fig.data[3].x) == [4, 4]
    assert fig.data[4].x == (4,) and fig.data[4].y == (90.0,)
    assert fig.layout.xaxis.type == "log" and "accuracy" in fig.layout.yaxis.title.text


def test_bars_and_thumbnails():
    fig = plots.accuracy_bars(["mlp1", "gcnn"], [0.25, 1.0], "gcnn", ceiling=[0.75, 1.0])
    np.testing.assert_allclose(fig.data[0].y, [25, 100])
    assert list(fig.data[0].marker.line.width) == [0.0, 3.0]
    np.testing.assert_allclose(fig.data[1].y, [75, 100])
    images = np.random.default_rng(0).random((5, 3, 3))
    correct = np.array([True, False, True, True, False])
    fig = plots.digit_thumbnails(images, correct, [1, 7, 1, 1, 4], [1, 1, 1, 1, 1], ncols=3)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (2 * 3 + 1, 3 * 3 + 2)
    assert np.max(z[:3, :3]) <= 0.49 and np.min(z[:3, 4:7]) >= 0.51  # right / wrong colours
    assert list(fig.data[1].text) == ["→7", "→4"]
    assert "3 of 5 correct" in fig.layout.title.text
    assert "predicted 7 (WRONG)" in fig.data[2].text[1] and fig.data[2].x[1] == 5   # its centre
    # between thumbnails: a number drawn in the background's grey (no NaN for JSON to refuse)
    assert np.isfinite(z).all() and set(z[3].tolist()) == set(z[:, 3].tolist()) == {0.5}
    scale = dict((v, c) for v, c in fig.data[0].colorscale[2:4])
    assert scale == {0.495: fig.layout.plot_bgcolor, 0.505: fig.layout.plot_bgcolor}


# --------------------------------------------------------------------------- the explorer

def test_default_view_reads_the_shipped_results(explorer, shipped):
    r = shipped[("rotate", "ntk")]
    assert explorer.widget._dom_classes == ("ntkviz-accuracy-explorer",)
    assert _data_value(explorer.readout.value, "ntkviz-accuracy") == r.at("gcnn", 8)
    assert _data_value(explorer.readout.value, "ntkviz-accuracy-full") == r.at("gcnn", 8, which="full_accuracy")
    assert _data_value(explorer.readout.value, "ntkviz-accuracy-in") == r.at("gcnn", 8, which="in_accuracy")
    assert (_setting(explorer.readout.value, "action"), _setting(explorer.readout.value, "n")) == ("rotate", "8")
    curve = explorer.traces("curve")
    assert len(curve) == len(acc.DEFAULT_ARCHITECTURES) + 3
    for i, key in enumerate(acc.DEFAULT_ARCHITECTURES):
        np.testing.assert_allclose(curve[i].y, 100 * r.curve(key))
        assert curve[i].line.dash == ("dash" if key in ("mlp1", "cnn_flatten") else "solid")
    np.testing.assert_allclose(explorer.traces("bars")[0].y, [100 * r.at(k, 8) for k in r.architectures])
    predicted = r.leave_out_predictions("gcnn", 8, "all")[:, :4]
    assert f"{int((predicted == np.arange(10)[:, None]).sum())} of 40" in explorer.panel_title("digits")
    assert explorer.progress.layout.visibility == "hidden"
    for control in ("ntkviz-action", "ntkviz-N", "ntkviz-leave-out", "ntkviz-architecture", "ntkviz-kind"):
        assert any(control in w._dom_classes for w in (explorer.action_buttons, explorer.N_slider,
                                                       explorer.leave_out_dropdown,
                                                       explorer.architecture_dropdown, explorer.kind_buttons))


def test_controls_update_the_figure_in_place(explorer, shipped):
    plot = explorer.plot
    explorer.N_slider.value = 3
    r = shipped[("rotate", "ntk")]
    assert explorer.plot is plot and explorer.state["N"] == 3
    assert list(explorer.traces("curve")[-2].x) == [3, 3]
    assert _data_value(explorer.readout.value, "ntkviz-accuracy") == r.at("gcnn", 3)
    explorer.architecture_dropdown.value = "mlp1"
    assert _data_value(explorer.readout.value, "ntkviz-accuracy") == r.at("mlp1", 3)
    assert explorer.traces("curve")[0].line.width > explorer.traces("curve")[3].line.width
    assert explorer.panel_title("digits").startswith("MLP, 1 hidden layer, N = 3")
    explorer.leave_out_dropdown.value = 6
    assert _data_value(explorer.readout.value, "ntkviz-accuracy") == r.at("mlp1", 3, 6)
    z = np.asarray(explorer.traces("digits")[0].z, dtype=float)
    wrong = int(np.sum(r.leave_out_predictions("mlp1", 3, 6) != 6))
    assert len(explorer.traces("digits")[1].text) == wrong
    assert z.shape == (4 * 15 - 1, 8 * 15 - 1)
    explorer.kind_buttons.value = "nngp"
    assert _data_value(explorer.readout.value, "ntkviz-accuracy") == shipped[("rotate", "nngp")].at("mlp1", 3, 6)


def test_action_change_moves_N_to_the_new_grid(explorer, shipped):
    assert explorer.set(action="rotate", N=8, leave_out="all", highlight="gcnn", kind="ntk")
    explorer.action_buttons.value = "shift"
    assert explorer.state["action"] == "shift" and explorer.state["N"] == 7
    assert list(explorer.N_slider.options) == [2, 7, 14] and explorer.N_slider.value == 7
    assert _data_value(explorer.readout.value, "ntkviz-accuracy") == shipped[("shift", "ntk")].at("gcnn", 7)
    assert _setting(explorer.readout.value, "action") == "shift"
    assert explorer.set(action="rot90")
    assert explorer.state["N"] == 4 and list(explorer.traces("curve")[0].x) == [2, 4]


@pytest.mark.parametrize("kwargs, name", [(dict(N=5), "N"), (dict(action="flip"), "action"),
                                          (dict(leave_out=12), "leave_out"), (dict(highlight="vit"), "highlight"),
                                          (dict(kind="gp"), "kind")])
def test_bad_value_shows_message_and_keeps_figure(explorer, kwargs, name):
    assert explorer.set(action="rotate", N=8, leave_out="all", highlight="gcnn", kind="ntk")
    before = [np.array(t.y, dtype=float) for t in explorer.traces("curve")[:5]]
    readout = explorer.readout.value
    assert explorer.set(**kwargs) is False
    assert "ntkviz-message-error" in explorer.message.value and name in explorer.message.value
    for b, t in zip(before, explorer.traces("curve")[:5]):
        np.testing.assert_array_equal(np.array(t.y, dtype=float), b)
    assert explorer.readout.value == readout and explorer.N_slider.value == 8
    assert explorer.set(N=16) and "error" not in explorer.message.value


def test_failure_inside_update_is_caught(explorer, monkeypatch):
    def boom(*args, **kwargs):
        raise np.linalg.LinAlgError("singular kernel")

    monkeypatch.setattr(accuracy_plots, "accuracy_bars_update", boom)
    explorer.N_slider.value = 24  # a real control event: must not raise
    assert "singular kernel" in explorer.message.value


def test_missing_results_are_computed_live_with_progress():
    seen = []
    e = AccuracyExplorer(action="rot90", N=2, config=TINY, results={}, architectures=("mlp1", "mlp5"))
    e.progress.observe(lambda change: seen.append(change["new"]), names="value")
    assert e.set(kind="nngp")
    r = acc.accuracy_curves(TINY, ("mlp5",), "rot90", "nngp")
    assert e.accuracy("mlp5") == r.at("mlp5", 2)
    assert seen and seen[-1] == e.progress.max  # the bar moved and ended full, then hid
    assert e.progress.layout.visibility == "hidden"
    assert e.state["highlight"] == "mlp1" and len(e.leave_out_dropdown.options) == 4
    z = np.asarray(e.traces("digits")[0].z, dtype=float)
    assert z.shape == (4 * 15 - 1, 3 * 15 - 1)  # 4 of the 5 test digits (14×14) of each of 3 classes


def test_bad_constructor_arguments_raise():
    with pytest.raises(ValueError, match="N"):
        AccuracyExplorer(action="rot90", N=3)
    with pytest.raises(TypeError, match="config"):
        AccuracyExplorer(config={"classes": 3})


def test_thumbnails_without_predictions_mark_the_second_outcome():
    images = np.ones((3, 2, 2))
    fig = plots.digit_thumbnails(images, [False, True, True], names=["a", "b", "c"], outcomes=("kept", "removed"))
    assert list(fig.data[1].text) == ["✗"]  # no predicted label to write: a mark, not colour alone
    assert list(fig.data[2].text) == ["a<br>removed", "b<br>kept", "c<br>kept"]

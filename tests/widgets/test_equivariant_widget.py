"""widgets.EquivariantKernelsExplorer and plots.equivariant_accuracy: set(), controls, readouts,
bad input in the message line, traces that follow the data."""

from __future__ import annotations

import html
import json
import re

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import pytest

from ntkviz.experiments import equivariant_accuracy as eq
from ntkviz.plots import equivariant_accuracy as eq_plots
from ntkviz.widgets.equivariant import EquivariantKernelsExplorer
from ntkviz.widgets.plot import figure_json


@pytest.fixture(scope="module")
def results():
    return eq.load_precomputed()


@pytest.fixture()
def explorer(results):
    return EquivariantKernelsExplorer(results=results)


def _span(readout: str, css: str):
    match = re.search(rf'class="ntkviz-value {css}" data-value="([^"]*)"', readout)
    assert match, css
    return html.unescape(match.group(1))


def _classes(widget) -> set:
    return set(widget._dom_classes)


# --------------------------------------------------------------------------- explorer

def test_structure_controls_and_css_classes(explorer):
    assert "ntkviz-equivariant-explorer" in _classes(explorer.widget)
    assert isinstance(explorer.figure, go.Figure)
    assert isinstance(explorer.n_train_slider, W.SelectionSlider)
    assert {"ntkviz-n-train", "ntkviz-slider"} <= _classes(explorer.n_train_slider)
    assert "ntkviz-mode" in _classes(explorer.mode_buttons)
    assert "ntkviz-kind" in _classes(explorer.kind_buttons)
    for key, box in explorer.kernel_boxes.items():
        assert {"ntkviz-kernel-toggle", f"ntkviz-show-{key.replace('_', '-')}"} <= _classes(box)
    assert "ntkviz-progress" in _classes(explorer.progress)
    # one figure holds every panel, shown by one plot
    assert json.loads(explorer.plot.figure) == json.loads(figure_json(explorer.figure))
    assert len(explorer.traces("accuracy")) == 2 * len(eq.KERNELS) + 1
    assert len(explorer.traces("invariance")) == len(explorer.results.config.angles) + 1
    assert len(explorer.traces("width")) == 7
    assert "Props. 1–4" in explorer.table.value and "ntkviz-proposition-table" in explorer.table.value
    side, main = explorer.widget.children[-1].children   # the table sits under the figure
    assert main.children[-1] is explorer.table and explorer.plot in main.children


def test_readouts_are_the_stored_numbers(explorer, results):
    assert explorer.set(mode="rotate", kind="nngp", n_train=50)
    text = explorer.readout.value
    assert _span(text, "ntkviz-n-train-value") == "50"
    for key in eq.KERNELS:
        css = key.replace("_", "-")
        mean, std = results.curve("rotate", "nngp", key)
        i = results.config.n_train.index(50)
        assert float(_span(text, f"ntkviz-acc-{css}")) == mean[i]
        assert float(_span(text, f"ntkviz-acc-std-{css}")) == std[i]
        assert explorer.accuracy(key) == mean[i]
        for angle in results.config.angles:
            value = float(_span(text, f"ntkviz-inv-{css}-{angle:g}"))
            assert value == results.deviation("rotate", "nngp", key, angle)
    assert float(_span(text, "ntkviz-inv-gcnn-90")) <= 1e-10
    assert float(_span(text, "ntkviz-inv-cnn-gap-90")) > 1e-8
    width = results.companions["width"]
    assert float(_span(text, "ntkviz-width-slope-ntk")) == width["ntk_slope"]
    assert float(_span(text, "ntkviz-width-invariance-gap")) == width["max_invariance_gap"]
    assert _span(text, "ntkviz-propositions-agree") == "True"
    assert 'data-mode="rotate"' in text and 'data-kind="nngp"' in text


def test_set_moves_controls_and_traces(explorer, results):
    before = [list(t.y) for t in explorer.traces("accuracy")[1::2][:4]]
    assert explorer.set(kind="nngp")
    assert explorer.kind_buttons.value == "nngp"
    after = [list(t.y) for t in explorer.traces("accuracy")[1::2][:4]]
    assert after != before
    g = eq.KERNELS.index("gcnn")
    mean, _ = results.curve("rot90", "nngp", "gcnn")
    np.testing.assert_allclose(np.array(explorer.traces("accuracy")[2 * g + 1].y, dtype=float), 100 * mean)
    assert "NNGP" in explorer.panel_title("accuracy") and "NNGP" in explorer.table.value
    # hiding kernels keeps the traces, invisible
    assert explorer.set(shown=["gcnn", "cnn_gap"])
    visible = [t.visible for t in explorer.traces("accuracy")[:2 * len(eq.KERNELS)]]
    assert visible == [True, True, True, True, False, False, False, False]
    assert explorer.kernel_boxes["cnn_flatten"].value is False
    bars = explorer.traces("invariance")[0]
    assert bars.y[2] is None and bars.y[0] is not None
    # the current-n line follows the slider
    assert explorer.set(n_train=20)
    assert list(explorer.traces("accuracy")[-1].x) == [20, 20]
    assert explorer.n_train_slider.value == 20


def test_controls_drive_the_explorer(explorer):
    explorer.mode_buttons.value = "rotate"
    assert explorer.state["mode"] == "rotate"
    assert "continuous" in explorer.panel_title("accuracy")
    explorer.kernel_boxes["gcnn"].value = False
    assert "gcnn" not in explorer.state["shown"]
    explorer.n_train_slider.value = 100
    assert explorer.state["n_train"] == 100
    assert _span(explorer.readout.value, "ntkviz-n-train-value") == "100"


@pytest.mark.parametrize("kwargs, word", [
    (dict(mode="shift"), "mode"), (dict(kind="both"), "kind"), (dict(n_train=7), "n_train"),
    (dict(shown=["mlp1"]), "shown"), (dict(shown=3), "shown"), (dict(n_train="many"), "n_train"),
])
def test_bad_input_goes_to_the_message_line(explorer, kwargs, word):
    state, readout = dict(explorer.state), explorer.readout.value
    data = [list(t.y) for t in explorer.traces("accuracy")[1::2]]
    assert explorer.set(**kwargs) is False
    assert "ntkviz-message-error" in explorer.message.value and word in explorer.message.value
    assert explorer.state == state and explorer.readout.value == readout
    assert [list(t.y) for t in explorer.traces("accuracy")[1::2]] == data
    assert explorer.set(kind="nngp")  # and it recovers
    assert "ntkviz-message-error" not in explorer.message.value


def test_no_kernel_shown_is_a_note(explorer):
    assert explorer.set(shown=[])
    assert "ntkviz-message-note" in explorer.message.value
    assert not any(t.visible for t in explorer.traces("accuracy")[:2 * len(eq.KERNELS)])


def test_bad_results_argument():
    with pytest.raises(TypeError, match="results"):
        EquivariantKernelsExplorer(results={"not": "a result"})
    with pytest.raises(ValueError, match="mode"):
        EquivariantKernelsExplorer(results=eq.load_precomputed(), mode="rot45")


# --------------------------------------------------------------------------- figures

def test_accuracy_figure_and_its_update(results):
    curves = {k: results.curve("rot90", "ntk", k) for k in results.kernels}
    n = results.config.n_train
    fig = eq_plots.accuracy_vs_ntrain(n, curves, shown=["gcnn"], current=50, labels=eq.KERNEL_LABELS)
    assert len(fig.data) == 2 * len(curves) + 1
    band, line = fig.data[0], fig.data[1]
    mean, std = curves["gcnn"]
    np.testing.assert_allclose(np.array(line.y, dtype=float), 100 * mean)
    np.testing.assert_allclose(np.array(band.y, dtype=float),
                               100 * np.concatenate([mean + std, (mean - std)[::-1]]))
    assert fig.data[3].visible is False and line.visible is True
    assert line.line.color == eq_plots.KERNEL_COLORS["gcnn"]
    assert fig.layout.xaxis.type == "log" and "n<sub>train</sub>" in fig.layout.xaxis.title.text
    assert "accuracy" in line.hovertemplate
    update = eq_plots.accuracy_vs_ntrain_update(n, curves, current=50)
    assert len(update["data"]) == len(fig.data)


def test_invariance_bars_floor_exact_zeros_and_hover_exact_values():
    fig = eq_plots.invariance_bars(["a", "b"], [45.0, 90.0], [[1e-4, 0.0], [2e-3, 3e-5]],
                                   labels={"a": "A", "b": "B"})
    assert fig.layout.yaxis.type == "log" and len(fig.data) == 3
    assert fig.data[1].y == (1e-17, 3e-5)
    assert fig.data[1].customdata[0][0] == 0.0 and fig.data[1].text[0] == "exact"
    assert "90°" in fig.data[1].name and "45°" in fig.data[0].name
    update = eq_plots.invariance_bars_update(["a", "b"], [45.0, 90.0], [[1e-4, 0.0], [2e-3, 3e-5]],
                                             shown=["b"])
    assert update["data"][0]["y"] == [None, 2e-3]

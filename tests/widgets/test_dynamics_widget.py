"""DynamicsExplorer: controls drive the panels, t moves are closed form, Train streams, bad
input is shown in the message line and never raised."""

import re

import ipywidgets as W
import numpy as np
import pytest

from ntkviz.experiments import dynamics as core
from ntkviz.widgets import DynamicsExplorer


def _value(html: str, css: str) -> float:
    return float(re.search(rf'class="[^"]*{css}[^"]*" data-value="([^"]+)"', html).group(1))


@pytest.fixture(scope="module")
def explorer():
    return DynamicsExplorer()


def test_opens_with_shipped_networks(explorer):
    st = explorer.state
    assert st.has_runs and st.seeds == core.SEEDS and "ntkviz-dynamics-explorer" in explorer.widget._dom_classes
    assert (explorer.dataset_toggle.value, explorer.time_slider.value, explorer.width_slider.value) == ("circle", 100, 256)
    want = core.dynamics_state("circle", **core.DEFAULTS, width=256, t=100,
                               runs=core.finite_runs("circle", **core.DEFAULTS))
    np.testing.assert_allclose(explorer.traces("outputs")[2].y, want.mu_test)
    assert _value(explorer.readout.value, "ntkviz-test-error") == want.test_error_t
    assert _value(explorer.readout.value, "ntkviz-stop-time") == want.t_stop
    assert _value(explorer.readout.value, "ntkviz-distance") == want.distance
    assert [len(explorer.traces(k)) for k in explorer.PANELS] == [6, 2 * len(want.modes) + 1, 6, 4]
    assert "error" not in explorer.message.value


def test_controls_have_css_classes(explorer):
    for control, css in ((explorer.dataset_toggle, "ntkviz-dataset"), (explorer.time_slider, "ntkviz-time"),
                         (explorer.width_slider, "ntkviz-width"), (explorer.depth_slider, "ntkviz-depth"),
                         (explorer.lr_slider, "ntkviz-lr"), (explorer.noise_slider, "ntkviz-noise"),
                         (explorer.train_button, "ntkviz-train"), (explorer.progress, "ntkviz-progress")):
        assert css in control._dom_classes
    for slider in (explorer.time_slider, explorer.width_slider, explorer.depth_slider):
        assert isinstance(slider, (W.SelectionSlider, W.IntSlider)) and "ntkviz-slider" in slider._dom_classes


def test_time_moves_change_the_traces(explorer):
    explorer.set(dataset="circle", t=100, width=256)
    before = np.array(explorer.traces("outputs")[2].y, dtype=float)
    nets_before = list(explorer.traces("outputs")[4].y)
    plot = explorer.plot
    explorer.time_slider.value = 5  # a real slider event
    assert explorer.state.t == 5 and explorer.plot is plot
    after = np.array(explorer.traces("outputs")[2].y, dtype=float)
    assert not np.allclose(before, after)
    s = explorer.state.setup
    np.testing.assert_allclose(after, core.mean_prediction(s, s.eta(0.5), 5.0)[1])
    assert list(explorer.traces("outputs")[4].y) != nets_before
    assert explorer.traces("modes")[-1].x[0] == 5 and explorer.traces("errors")[5].x[0] == 5
    assert _value(explorer.readout.value, "ntkviz-t") == 5.0
    assert "t = 5 steps" in explorer.panel_title("outputs")


def test_set_moves_every_control(explorer):
    assert explorer.set(dataset="mnist", t=43, width=64, depth=1, lr_factor=0.5, noise=1.0)
    assert (explorer.dataset_toggle.value, explorer.time_slider.value, explorer.width_slider.value,
            explorer.depth_slider.value, explorer.lr_slider.value, explorer.noise_slider.value) == (
        "mnist", 43, 64, 1, 0.5, 1.0)
    assert explorer.state.has_runs  # MNIST default is shipped too
    assert "digit index" in explorer.figure.layout[explorer._axes["outputs"][0]].title.text
    assert len(explorer.traces("outputs")[2].y) == 2 * core.MNIST_TEST
    assert explorer.set(t=77)  # snapped to the nearest checkpoint
    assert explorer.state.t in core.TIMES and explorer.time_slider.value == explorer.state.t
    assert explorer.set(depth=2)
    assert not explorer.state.has_runs and "Train" in explorer.message.value
    assert np.isnan(_value(explorer.readout.value, "ntkviz-distance"))


@pytest.mark.parametrize("kwargs, name", [(dict(width=5), "width"), (dict(depth=9), "depth"),
                                          (dict(dataset="cifar"), "dataset"), (dict(lr_factor=3.0), "lr_factor"),
                                          (dict(noise=0.3), "noise"), (dict(t=-1), "t")])
def test_bad_input_stays_in_the_message_line(explorer, kwargs, name):
    explorer.set(dataset="circle", t=100, width=256, depth=1, lr_factor=0.5, noise=1.0)
    y_before = list(explorer.traces("outputs")[2].y)
    readout_before = explorer.readout.value
    assert explorer.set(**kwargs) is False
    assert "ntkviz-message-error" in explorer.message.value and name in explorer.message.value
    assert list(explorer.traces("outputs")[2].y) == y_before and explorer.readout.value == readout_before
    assert explorer.width_slider.value == 256
    assert explorer.set(t=100) and "error" not in explorer.message.value


def test_failure_inside_update_is_caught(explorer, monkeypatch):
    def boom(*args, **kwargs):
        raise np.linalg.LinAlgError("broken")

    monkeypatch.setattr(core, "dynamics_state", boom)
    explorer.time_slider.value = 15  # must not raise
    assert "ntkviz-message-error" in explorer.message.value and "broken" in explorer.message.value


@pytest.mark.slow
def test_train_streams_updates():
    ex = DynamicsExplorer(dataset="circle", t=1000, width=8, depth=2, lr_factor=0.25, noise=0.5,
                          widths=(8, 16), seeds=(0, 1))
    assert not ex.state.has_runs
    before = ex.redraws
    assert ex.train(wait=True)
    assert ex.redraws - before >= 2
    assert ex.state.has_runs and ex.state.seeds == (0, 1)
    assert list(ex.state.widths) == [8, 16] and np.all(np.isfinite(ex.state.D))
    assert ex.progress.value == ex.progress.max and ex.progress.bar_style == "success"
    run = core.train_network("circle", 2, 8, 1, 0.25, 0.5)
    np.testing.assert_allclose(ex.state.net_test[1], run.f_test[-1])
    assert ex.train(wait=True) is False  # already trained: a note, nothing recomputed
    # a background training of another setting streams too, and the explorer stays usable
    assert ex.set(noise=0.0)
    before = ex.redraws
    assert ex.train()
    ex.time_slider.value = 43
    ex.join(120)
    assert not ex.thread.is_alive() and ex.redraws - before >= 2
    assert ex.state.has_runs and ex.state.t == 43 and "Trained" in ex.message.value

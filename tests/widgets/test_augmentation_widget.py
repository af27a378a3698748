"""AugmentationExplorer: shipped runs drawn at once, controls redraw from cache, training in a
background thread streams into the figure, bad input is shown, never raised."""

import html as html_lib
import re

import numpy as np
import pytest

from ntkviz.experiments import augmentation as aug
from ntkviz.plots.augmentation import SLOTS
from ntkviz.widgets import AugmentationExplorer

SMALL = aug.AugmentConfig(classes=4, n_train=12, n_test=10, blocks=3, batch_size=24,
                          epochs=10, learning_rate=0.2)


def _data_value(html: str, css: str):
    found = re.search(rf'class="ntkviz-value {css}" data-value="([^"]+)"', html)
    return html_lib.unescape(found.group(1))


def _number(html: str, css: str) -> float:
    return float(_data_value(html, css))


@pytest.fixture(scope="module")
def explorer():
    return AugmentationExplorer(warm_up=False)


def test_opens_with_the_shipped_runs(explorer):
    shipped = aug.load_precomputed()
    config = aug.AugmentConfig(strategy="augmented", init="generic")
    run = shipped[config]
    assert explorer.config == config and explorer.run is run
    assert "ntkviz-augmentation-explorer" in explorer.widget._dom_classes
    html = explorer.readout.value
    assert _number(html, "ntkviz-aug-loss") == run.final_loss
    assert _number(html, "ntkviz-aug-accuracy") == run.final_accuracy
    assert _number(html, "ntkviz-aug-distance") == run.final_distance
    assert _number(html, "ntkviz-aug-distance-start") == float(run.distance[0].max())
    assert _number(html, "ntkviz-aug-invariance") == float(run.invariance[-1])
    assert _data_value(html, "ntkviz-aug-status") == "'trained'"
    assert {k: len(explorer.traces(k)) for k in explorer.PANELS} == {"distance": 7, "loss": 7, "accuracy": 8}
    for i, (strategy, init) in enumerate(SLOTS):   # every slot of the setting is drawn
        slot_run = shipped[config.replace(strategy=strategy, init=init)]
        np.testing.assert_allclose(explorer.traces("loss")[i].y, slot_run.loss)
        np.testing.assert_allclose(explorer.traces("accuracy")[i].y, slot_run.accuracy)
    selected = SLOTS.index(("augmented", "generic"))
    widths = [t.line.width for t in explorer.traces("loss")]
    assert widths[selected] == 4 and sorted(widths)[:6] == [2] * 6
    distance = np.asarray(explorer.traces("distance")[selected].y, dtype=float)
    np.testing.assert_allclose(distance[: len(run.epochs)], run.distance[:, 0])
    assert explorer.panel_title("loss") == "Training loss (C4 quarter turns, depth 2, η = 0.1)"
    assert explorer.panel_title("accuracy") == "Accuracy on rotated test digits"


def test_controls_have_css_classes(explorer):
    for control, css in ((explorer.strategy_buttons, "ntkviz-strategy"),
                         (explorer.init_buttons, "ntkviz-init"),
                         (explorer.group_dropdown, "ntkviz-group"),
                         (explorer.depth_slider, "ntkviz-depth"),
                         (explorer.lr_slider, "ntkviz-learning-rate"),
                         (explorer.epochs_slider, "ntkviz-epochs"),
                         (explorer.train_button, "ntkviz-train"),
                         (explorer.train_all_button, "ntkviz-train-all"),
                         (explorer.progress, "ntkviz-progress")):
        assert css in control._dom_classes


def test_set_and_controls_redraw_from_cache(explorer):
    # timings of these moves are in benchmarks/results_augmentation.md, not asserted here
    shipped = aug.load_precomputed()
    plot = explorer.plot
    assert explorer.set(strategy="equivariant")
    assert not explorer.training          # a shipped run: shown from the cache, nothing trains
    assert explorer.plot is plot
    assert explorer.strategy_buttons.value == "equivariant"
    assert _number(explorer.readout.value, "ntkviz-aug-distance") < 1e-12
    assert _number(explorer.readout.value, "ntkviz-aug-invariance") < 1e-11
    explorer.group_dropdown.value = "shift"          # a control move (no event loop: at once)
    config = aug.AugmentConfig(action="shift", strategy="equivariant")
    assert explorer.config == config
    assert _number(explorer.readout.value, "ntkviz-aug-accuracy") == shipped[config].final_accuracy
    assert explorer.panel_title("accuracy") == "Accuracy on shifted test digits"
    explorer.depth_slider.value = 0
    assert explorer.run is shipped[config.replace(depth=0)]
    assert explorer.set(action="rot90", depth=2, strategy="augmented", init="generic")
    assert explorer.init_buttons.value == "generic"
    assert explorer.message.value == '<div class="ntkviz-message"></div>'


def test_an_untrained_setting_says_so_and_keeps_controls(explorer):
    assert explorer.set(learning_rate=0.03)
    assert explorer.run is None
    assert _data_value(explorer.readout.value, "ntkviz-aug-status") == "'untrained'"
    assert "press Train" in explorer.message.value
    assert all(len(t.x) == 0 for t in explorer.traces("loss"))
    assert explorer.set(learning_rate=0.1)
    assert explorer.run is not None


@pytest.mark.parametrize("kwargs, name", [
    (dict(depth=9), "depth"), (dict(learning_rate=0.07), "learning_rate"),
    (dict(epochs=12), "epochs"), (dict(action="rotate"), "action"),
    (dict(strategy="both"), "strategy"), (dict(init=3), "init"),
    (dict(learning_rate="fast"), "learning_rate")])
def test_bad_input_is_shown_not_raised(explorer, kwargs, name):
    before = explorer.config
    ys = [list(t.y) for t in explorer.traces("loss")]
    assert explorer.set(**kwargs) is False
    assert "ntkviz-message-error" in explorer.message.value and name in explorer.message.value
    assert explorer.config == before
    assert [list(t.y) for t in explorer.traces("loss")] == ys


@pytest.mark.slow
def test_training_streams_in_a_background_thread():
    ex = AugmentationExplorer(strategy="augmented", init="equivariant", base=SMALL, epochs=10,
                              warm_up=False)
    assert ex.run is None
    draws = []
    original = ex.refresh
    ex.refresh = lambda: (draws.append(True), original())[1]
    assert ex.train(block=False)
    assert ex.training or ex.run is not None
    assert ex.train_button.disabled or not ex.training
    ex.wait(120)
    assert not ex.training and not ex.train_button.disabled
    assert ex.progress.layout.visibility == "hidden" and ex.progress.value == 10
    run = ex.run
    assert run is not None and run.complete and run is aug.cached_run(ex.config)
    assert run.distance.max() < 1e-12
    assert len(draws) >= 2                      # during training and at the end
    slot = SLOTS.index(("augmented", "equivariant"))
    np.testing.assert_allclose(ex.traces("accuracy")[slot].y, run.accuracy)
    assert _number(ex.readout.value, "ntkviz-aug-loss") == run.final_loss
    # a second press trains nothing new; "Train all" fills the other slots
    assert ex.train(block=True)
    assert "Already trained" in ex.message.value
    ex.train_all_button.click()
    ex.wait(180)
    assert all(len(t.x) == 11 for t in ex.traces("loss"))
    nominal = ex.traces("distance")[SLOTS.index(("nominal", "equivariant"))]
    assert np.nanmax(np.asarray(nominal.y, dtype=float)) > 1e-3
    assert ex.set(strategy="equivariant")
    loss = _number(ex.readout.value, "ntkviz-aug-loss")
    np.testing.assert_allclose(loss, run.final_loss, rtol=1e-9)


@pytest.mark.slow
def test_second_train_while_running_is_refused():
    ex = AugmentationExplorer(base=SMALL.replace(seed=5), epochs=200, warm_up=False)
    assert ex.train(block=False)
    if ex.training:
        assert ex.train(block=False) is False
        assert "still training" in ex.message.value
    ex.wait(180)
    assert ex.run is not None and ex.run.complete


@pytest.mark.slow
def test_warm_up_compiles_the_current_shape_in_the_background():
    base = SMALL.replace(blocks=2)                  # a shape no other test compiles
    ex = AugmentationExplorer(base=base, epochs=10)
    assert ex.warm_up_thread is not None
    ex.warm_up_thread.join(180)
    key = (base.action, base.N, base.blocks, base.depth, base.classes, base.n_train,
           base.batch_size)
    for strategy in aug.STRATEGIES:                 # already compiled: a cache hit
        hits = aug.training._compiled.cache_info().hits
        aug.training._compiled(strategy, *key)
        assert aug.training._compiled.cache_info().hits == hits + 1
    thread = ex.warm_up_thread
    assert ex.set(learning_rate=0.05, epochs=20)     # same shape: nothing new to compile
    assert ex.warm_up_thread is thread and len(ex._warmed) == 1
    ex.train(block=True)
    assert ex.run is not None and ex.run.complete

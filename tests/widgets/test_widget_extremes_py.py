"""Every explorer driven to its extremes from Python (the browser twin is
``test_widget_extremes.py``): ``set`` with hostile values returns False, shows the error in the
message line and keeps the readout and the figure's traces; every control's ``.value`` driven
to its min, max and every option goes through the observers without raising, and a normal
move afterwards still shows what the core computes.
"""

from __future__ import annotations

import html as html_lib
import json
import re

import ipywidgets as W
import numpy as np
import plotly.utils
import pytest

from ntkviz import widgets as w
from ntkviz.experiments import accuracy, circle, dynamics, orbits, width
from ntkviz.experiments import augmentation as aug
from ntkviz.experiments import equivariant_accuracy as eq

#: Values no argument of any explorer accepts (types, non-finite, absurd sizes, text).
HOSTILE = ("", "-1", "1e309", "nan", "abc", 10**30, -10**30, float("nan"), float("inf"),
           -float("inf"), [1], object())

#: Explorer → (factory, {argument of set → values it must refuse besides HOSTILE}).
CASES = {
    "circle": (w.CircleExplorer, {
        "delta": (-0.05, 3.05, -1e-300), "N": (1, 0, 65, 2.5), "length_scale": (0.0, -1.0, 0.01, 6.0)}),
    "orbit": (w.OrbitExplorer, {
        "a": ((3, -1), (3, 10**6), (10, 0), (-1, 0), (3,), "3,0", (8, 0)),
        "b": ((8, -1), (8, 10**6), (3, 0), (3.5, 0)),
        "action": ("ROTATE", "rot45"), "N": (1, 0, 65, 7.5, 1000),
        "architecture": ("resnet", "MLP1"), "kind": ("ntk ", "gp")}),
    "accuracy": (w.AccuracyExplorer, {
        "action": ("rot45",), "N": (5, 64, 1, 0), "leave_out": (10, -1, "10", "all classes", 2.5),
        "highlight": ("mlp5", "resnet"), "kind": ("NTK",)}),
    "width": (w.WidthExplorer, {"width": (17, 0, 4000), "depth": (0, 5), "activation": ("tanh", "RELU")}),
    "equivariant": (w.EquivariantKernelsExplorer, {
        "mode": ("shift",), "kind": ("gp",), "shown": ("resnet", ["gcnn", "resnet"], 5),
        "n_train": (11, 0, 201)}),
    "dynamics": (w.DynamicsExplorer, {
        "dataset": ("cifar",), "t": (-1, 1001, -1e-9), "width": (0, 17, 2048), "depth": (0, 4),
        "lr_factor": (0.0, 2.0, 0.3), "noise": (0.3, -0.5, 2.0)}),
    "augmentation": (lambda: w.AugmentationExplorer(warm_up=False), {
        "strategy": ("plain",), "init": ("zeros",), "action": ("rotate",), "depth": (-1, 4),
        "learning_rate": (0.004, 0.0, 2.0), "epochs": (0, 4, 7, 301)}),
}

_EXPLORERS: dict = {}


def explorer_of(name):
    """One explorer per name for the whole module (construction costs up to a few seconds)."""
    if name not in _EXPLORERS:
        _EXPLORERS[name] = CASES[name][0]()
    return _EXPLORERS[name]


def snapshot(explorer) -> str:
    """Every trace of the explorer's figure, as the JSON the browser receives."""
    return json.dumps([t.to_plotly_json() for t in explorer.figure.data], cls=plotly.utils.PlotlyJSONEncoder)


def data_value(html: str, css: str) -> str:
    found = re.search(rf'class="ntkviz-value {css}" data-value="([^"]*)"', html)
    assert found, f"no {css} in the readout"
    return html_lib.unescape(found.group(1))


def number(explorer, css: str) -> float:
    return float(data_value(explorer.readout.value, css))


def controls(explorer) -> dict:
    """The explorer's interactive controls (attribute name → widget), found by type."""
    kinds = (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.SelectionSlider, W.Dropdown,
             W.ToggleButtons, W.BoundedIntText, W.Checkbox, W.Button)
    found = {k: v for k, v in vars(explorer).items() if isinstance(v, kinds)}
    for k, v in vars(explorer).items():  # the equivariant explorer keeps its checkboxes in a dict
        if isinstance(v, dict):
            found.update({f"{k}[{key}]": box for key, box in v.items() if isinstance(box, W.Checkbox)})
    return found


def extremes(control) -> list:
    """Min and max (sliders, boxes), every option (dropdowns, toggles, selection sliders)."""
    if isinstance(control, (W.Dropdown, W.ToggleButtons, W.SelectionSlider)):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [values[0], values[-1], *values] if isinstance(control, W.SelectionSlider) else values
    if isinstance(control, W.Checkbox):
        return [not control.value, control.value]
    if isinstance(control, W.FloatLogSlider):
        return [control.base ** control.min, control.base ** control.max]
    return [control.min, control.max]


def assert_quiet(explorer):
    """No NaN printed in the readout; the message line holds at most one message."""
    readout = explorer.readout.value
    shown = re.sub(r"<[^>]+>", " ", readout)
    assert not re.search(r"\bnan\b", shown, re.IGNORECASE), shown
    assert explorer.message.value.count("<div") == 1


# --- set() with hostile values ---------------------------------------------------------------
@pytest.mark.parametrize("name, argument", [(n, a) for n, (_, args) in CASES.items() for a in args])
def test_set_refuses_every_hostile_value_and_keeps_the_figure(name, argument):
    explorer = explorer_of(name)
    figure, readout, traces = explorer.figure, explorer.readout.value, snapshot(explorer)
    for value in HOSTILE + CASES[name][1][argument]:
        assert explorer.set(**{argument: value}) is False, f"{name}.set({argument}={value!r}) was accepted"
        message = explorer.message.value
        assert "ntkviz-message-error" in message, (argument, value, message)
        assert argument in message or "must" in message, (argument, value, message)
        assert explorer.readout.value == readout
    assert explorer.figure is figure and snapshot(explorer) == traces


def test_circle_recovers_to_the_core_after_hostile_values():
    e = explorer_of("circle")
    for value in HOSTILE:
        e.set(delta=value)
    assert e.set(delta=0.0, N=64, length_scale=e.length_slider.base ** e.length_slider.min)
    s = circle.circle_state(64, 0.0, e.length_slider.base ** e.length_slider.min)
    assert number(e, "ntkviz-eps") == s.eps_spectral and number(e, "ntkviz-loo") == s.loo_error
    assert np.asarray(e.traces("kernel")[0].z).shape == (128, 128)
    assert (e.delta_slider.value, e.N_slider.value) == (0.0, 64)
    assert_quiet(e)


def test_survey_refuses_hostile_pair_counts_and_indices():
    s = w.PairSurvey(action="rot90", N=4)
    for value in HOSTILE + (0, 15, 513, 2.5):
        assert s.run(n_pairs=value) is False
        assert "ntkviz-message-error" in s.message.value and "n_pairs" in s.message.value
        assert not s.run_button.disabled and s.result is None
    assert s.n_pairs_slider.value == 128
    assert s.run(n_pairs=16)
    for index in HOSTILE + (-1, 16, 10**9):
        assert s.select_pair(index) is False
        assert "ntkviz-message-error" in s.message.value


def test_survey_refuses_a_run_that_would_block_the_page():
    """128 pairs of the GAP CNN at N = 64 took ~9 minutes here: the button answers with a note."""
    s = w.PairSurvey(architecture="cnn_gap", N=64, n_pairs=128)
    assert w.survey.estimated_seconds("cnn_gap", 64, 128) > w.survey.BUDGET_SECONDS
    assert s.run() is False and s.result is None
    assert "ntkviz-message-note" in s.message.value and "Not run" in s.message.value
    assert "smaller N" in s.message.value  # not even 16 pairs fit
    s = w.PairSurvey(architecture="mlp1", N=64, n_pairs=512)
    assert s.run() is False and "choose at most" in s.message.value
    fits = int(re.search(r"at most (\d+) pairs", s.message.value).group(1))
    assert 16 <= fits < 512 and w.survey.estimated_seconds("mlp1", 64, fits) <= w.survey.BUDGET_SECONDS
    assert not s.run_button.disabled


# --- every control to its extremes ----------------------------------------------------------
EXPECTED_CONTROLS = {
    "circle": {"delta_slider", "N_slider", "length_slider"},
    "orbit": {"class_a", "sample_a", "class_b", "sample_b", "random_button", "action", "N_slider",
              "architecture", "kind"},
    "accuracy": {"action_buttons", "N_slider", "leave_out_dropdown", "architecture_dropdown", "kind_buttons"},
    "width": {"width_slider", "depth_slider", "activation_dropdown"},
    "equivariant": {"mode_buttons", "kind_buttons", "n_train_slider"} | {f"kernel_boxes[{k}]" for k in eq.KERNELS},
    "dynamics": {"dataset_toggle", "time_slider", "width_slider", "depth_slider", "lr_slider",
                 "noise_slider", "train_button"},
    "augmentation": {"strategy_buttons", "init_buttons", "group_dropdown", "depth_slider", "lr_slider",
                     "epochs_slider", "train_button", "train_all_button"},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_every_control_to_its_extremes(name):
    explorer = explorer_of(name)
    found = controls(explorer)
    assert set(found) == EXPECTED_CONTROLS[name], "a control was added or renamed: cover it here"
    readout, n_traces = explorer.readout.value, len(explorer.figure.data)
    start = {k: c.value for k, c in found.items() if not isinstance(c, W.Button)}
    for key, control in found.items():
        if isinstance(control, W.Button):
            continue
        for value in extremes(control):
            control.value = value  # the real observer path: must never raise
            assert_quiet(explorer)
            assert len(explorer.figure.data) == n_traces
        control.value = start[key]
        # rapid alternation between the two ends lands on the last value
        ends = extremes(control)[:2]
        for value in ends * 2:
            control.value = value
        control.value = start[key]
    for key, value in start.items():
        found[key].value = value
    if name == "orbit":  # the bounded sample boxes clamp silently; (3, 0) vs (8, 0) again
        explorer.set(a=(3, 0), b=(8, 0))
    assert explorer.readout.value == readout, "back at the start the readout must be the start's"
    assert "ntkviz-message-error" not in explorer.message.value


@pytest.mark.slow
def test_orbit_every_architecture_at_the_largest_N():
    """The slowest kernels (GAP CNN, group CNN) at N = 64: computed in seconds,
    shown without NaN; ⟨λ⁻¹⟩ = ∞ of a rank-deficient kernel comes with its note."""
    e = explorer_of("orbit")
    for key in ("cnn_gap", "gcnn"):
        assert e.set(N=64, architecture=key, kind="nngp")
        s = orbits.orbit_pair_state(e.state.a, e.state.b, "rotate", 64, key, "nngp")
        assert number(e, "ntkviz-exact") == s.eps_exact and number(e, "ntkviz-eps") == s.eps_spectral
        assert np.asarray(e.traces("kernel")[0].z).shape == (128, 128)
        if not np.isfinite(s.mean_inverse):
            assert "ntkviz-message-note" in e.message.value and "vanish" in e.message.value
    assert e.set(N=8, architecture="mlp1", kind="ntk")


def test_buttons_answer_in_place():
    e = explorer_of("orbit")
    before = e.state
    e.random_button.click()
    assert e.state is not before and "ntkviz-message-error" not in e.message.value
    s = orbits.orbit_pair_state(e.state.a, e.state.b, e.state.action, e.state.N, e.state.architecture,
                                e.state.kind)
    assert number(e, "ntkviz-exact") == s.eps_exact
    e.set(a=(3, 0), b=(8, 0))

    d = explorer_of("dynamics")  # the default setting is shipped: Train says so, trains nothing
    d.set(dataset="circle", depth=1, lr_factor=0.5, noise=1.0)
    d.train_button.click()
    assert d.thread is None and "already trained" in d.message.value

    a = explorer_of("augmentation")
    a.set(strategy="augmented", init="generic", action="rot90", depth=2,
          learning_rate=a.base.learning_rate, epochs=a.base.epochs)
    a.train_button.click()
    assert not a.training and "Already trained" in a.message.value


def test_dynamics_untrained_extremes_say_so_in_words():
    d = explorer_of("dynamics")
    assert d.set(dataset="mnist", depth=dynamics.MAX_DEPTH, lr_factor=1.9, noise=0.0, t=0)
    assert "Train finite networks" in d.message.value and "ntkviz-message-note" in d.message.value
    assert np.isnan(number(d, "ntkviz-distance"))
    assert "no networks trained" in d.readout.value
    assert_quiet(d)
    want = dynamics.dynamics_state("mnist", dynamics.MAX_DEPTH, 1.9, 0.0, d.state.width, 0)
    assert number(d, "ntkviz-test-error") == want.test_error_t
    assert d.set(dataset="circle", depth=1, lr_factor=0.5, noise=1.0, t=100)


def test_extreme_settings_match_the_core():
    """After all the hostile traffic, a normal move in each explorer shows the core's numbers."""
    acc = explorer_of("accuracy")
    assert acc.set(action="shift", N=14, leave_out=9, highlight="orbit_mlp", kind="nngp")
    shipped = accuracy.load_precomputed()[("shift", "nngp")]
    assert number(acc, "ntkviz-accuracy") == shipped.at("orbit_mlp", 14, 9)
    assert acc.set(action="rotate", N=8, leave_out="all", highlight="gcnn", kind="ntk")

    wid = explorer_of("width")
    assert wid.set(width=16, depth=1, activation="erf")
    assert number(wid, "ntkviz-mean-error") == width.width_state(1, 16, "erf").mean_error
    assert wid.set(width=500, depth=4, activation="relu")

    eqx = explorer_of("equivariant")
    assert eqx.set(mode="rotate", kind="nngp", shown=(), n_train=10)
    assert "No kernel selected" in eqx.message.value
    result = eq.load_precomputed()
    assert number(eqx, "ntkviz-acc-gcnn") == pytest.approx(result.at("rotate", "nngp", "gcnn", 10), rel=1e-12)
    assert eqx.set(mode="rot90", kind="ntk", shown=tuple(eq.KERNELS), n_train=200)

    au = explorer_of("augmentation")
    assert au.set(strategy="equivariant", action="shift", depth=0)
    run = aug.cached_run(au.config)
    if run is None:
        assert data_value(au.readout.value, "ntkviz-aug-status") == "'untrained'"
    else:
        assert number(au, "ntkviz-aug-loss") == run.final_loss
    assert au.set(strategy="augmented", init="generic", action="rot90", depth=2)

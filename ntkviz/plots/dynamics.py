"""Figures of training in the kernel regime (arXiv 1806.07572;
docs/theory.md#training-in-the-kernel-regime), each from an
``experiments.dynamics.DynamicsState``: the outputs f_t on training and test points, the decay
of the residual along Θ's eigenvectors, train/test error against time with the early-stopping
point, and the distance of finite networks to the kernel prediction against width.

The figures only read the state's arrays and numbers (``_FIELDS``); they compute nothing.
Every figure ``f(state) -> go.Figure`` has a ``f_update(state) -> {"data", "layout"}`` twin
with the same traces, for in-place updates of the explorers' figures.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import (
    CLASS_DASHES,
    CLASS_SYMBOLS,
    COLORS,
    FILLS,
    MODE_COLORS,
    MODE_DASHES,
    MODE_SYMBOLS,
    apply_update,
    finite_or_none,
    layout,
)

__all__ = ["outputs_figure", "outputs_figure_update", "mode_decay", "mode_decay_update",
           "error_vs_time", "error_vs_time_update", "distance_vs_width", "distance_vs_width_update"]

_NET = FILLS["finite"]  # COLORS["accent"], semi-transparent: finite networks
_LIN = "rgba(90,90,90,0.8)"
#: Smallest ratio drawn on the log-y decay panel.
FLOOR = 1e-6
_PI_TICKS = dict(tickvals=[-np.pi, -np.pi / 2, 0.0, np.pi / 2, np.pi],
                 ticktext=["−π", "−π/2", "0", "π/2", "π"])


def _gapped(x, rows):
    """Rows (S, m) as one line with gaps: (x, y, seed index)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    if rows.size == 0:
        return [], [], []
    gap = np.full((len(rows), 1), np.nan)
    xs = np.hstack([np.broadcast_to(x, rows.shape), gap]).ravel()
    ys = np.hstack([rows, gap]).ravel()
    return finite_or_none(xs), finite_or_none(ys), np.repeat(np.arange(len(rows)), rows.shape[1] + 1)


def _class_colors(y) -> list:
    return [COLORS["A"] if v > 0 else COLORS["B"] for v in np.asarray(y)]


def _class_symbols(y) -> list:
    return [CLASS_SYMBOLS["A"] if v > 0 else CLASS_SYMBOLS["B"] for v in np.asarray(y)]


def _fmt_t(t: float) -> str:
    return f"{t:.4g}"


def _is_circle(state) -> bool:
    return state.setup.dataset == "circle"


#: What the figures read of a state (``experiments.dynamics.DynamicsState`` has them all).
_FIELDS = ("setup", "t", "width", "seeds", "kind", "mu_train", "mu_test", "net_test", "lin_test",
           "t_net", "times", "train_error", "test_error", "t_stop", "test_error_stop",
           "test_error_inf", "modes", "lam_modes", "mode_pred", "ckpt", "mode_measured",
           "net_test_error", "widths", "D", "D_mean", "distance", "has_runs")


def _check_state(state) -> None:
    if not all(hasattr(state, field) for field in _FIELDS):
        raise TypeError(f"state must be a dynamics state (experiments.dynamics.dynamics_state), "
                        f"got {type(state).__name__}")


# --- outputs --------------------------------------------------------------------------------
def outputs_figure_update(state) -> dict:
    _check_state(state)
    s = state.setup
    seeds = np.asarray(state.seeds)
    x_net, y_net, who = _gapped(s.coord_test, state.net_test)
    x_lin, y_lin, _ = _gapped(s.coord_test, state.lin_test)
    seed_of = seeds[who].tolist() if len(who) else []
    nets = (f"{len(state.seeds)} networks of width {state.width} at t = {_fmt_t(state.t_net)}"
            if state.has_runs else "no finite networks trained for this setting")
    return {
        "data": [
            dict(x=s.coord_test, y=s.y_test),
            dict(x=s.coord_train, y=s.y_train, marker=dict(color=_class_colors(s.y_clean), symbol=_class_symbols(s.y_clean))),
            dict(x=s.coord_test, y=state.mu_test),
            dict(x=s.coord_train, y=state.mu_train),
            dict(x=x_net, y=y_net, customdata=seed_of),
            dict(x=x_lin, y=y_lin, customdata=seed_of),
        ],
        "layout": {"title_text": f"Outputs f_t at t = {_fmt_t(state.t)} steps: kernel mean μ_t; {nets}",
                   **_outputs_axis(s)},
    }


def _outputs_axis(s) -> dict:
    """The abscissa of the outputs panel (it changes with the dataset)."""
    if s.dataset == "circle":
        return {"xaxis_title_text": "angle γ (radians), x = (cos γ, sin γ)",
                "xaxis_range": [-np.pi, np.pi], "xaxis_tickvals": _PI_TICKS["tickvals"],
                "xaxis_ticktext": _PI_TICKS["ticktext"]}
    n, m = len(s.y_train), len(s.y_test)
    a, b = s.classes
    return {"xaxis_title_text": f"digit index: 0–{n - 1} training, {n}–{n + m - 1} test "
                                f"(class A = {a}s, then class B = {b}s)",
            "xaxis_range": [-1, n + m], "xaxis_tickvals": None, "xaxis_ticktext": None}


def outputs_figure(state) -> go.Figure:
    """Outputs on training and test points at time t: targets, the kernel mean μ_t (bold), the
    finite networks of the chosen width (thin, one line per seed) and their linearised kernel
    predictions with the same f_0 (dotted).

    Traces: 0 clean test target, 1 training targets (class colours; noisy), 2 μ_t on test
    points, 3 μ_t on training points, 4 finite networks on test points, 5 linearised (same f_0).
    """
    _check_state(state)
    circle = _is_circle(state)
    line = "lines" if circle else "lines+markers"
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        mode="lines" if circle else "markers", name="clean target",
        line=dict(color="#999999", width=1.5, dash="dot"), marker=dict(symbol="line-ew-open", size=8, color="#999999"),
        hovertemplate="x = %{x:.6g}<br>target = %{y:.10g}<extra>clean target</extra>"))
    fig.add_trace(go.Scatter(
        mode="markers", name="training targets y (with noise)",
        marker=dict(size=10, symbol="circle", line=dict(width=1, color="#000")),
        hovertemplate="x = %{x:.6g}<br>y = %{y:.10g}<extra>training target</extra>"))
    fig.add_trace(go.Scatter(
        mode=line, name="kernel mean μ_t (test)", line=dict(color=COLORS["missing"], width=3),
        marker=dict(size=4), hovertemplate="x = %{x:.6g}<br>μ_t = %{y:.10g}<extra>kernel mean, test</extra>"))
    fig.add_trace(go.Scatter(
        mode="markers", name="kernel mean μ_t (train)",
        marker=dict(size=9, symbol="diamond-open", color=COLORS["missing"], line=dict(width=2)),
        hovertemplate="x = %{x:.6g}<br>μ_t = %{y:.10g}<extra>kernel mean, train</extra>"))
    fig.add_trace(go.Scatter(
        mode=line, name="finite networks f_t (one per seed)", line=dict(color=_NET, width=1.3),
        marker=dict(size=3), connectgaps=False,
        hovertemplate="seed %{customdata}<br>x = %{x:.6g}<br>f_t = %{y:.10g}<extra>finite network</extra>"))
    fig.add_trace(go.Scatter(
        mode="lines", name="linearised, same f₀", line=dict(color=_LIN, width=1, dash="dot"),
        connectgaps=False,
        hovertemplate="seed %{customdata}<br>x = %{x:.6g}<br>f_lin = %{y:.10g}<extra>linearised</extra>"))
    layout(fig, "", yaxis=dict(title="output f_t(x)"))
    return apply_update(fig, outputs_figure_update(state))


# --- per-mode decay -------------------------------------------------------------------------
def _floored(values):
    values = np.asarray(values, dtype=float)
    return finite_or_none(np.where(values >= FLOOR, values, np.nan))


def mode_decay_update(state) -> dict:
    _check_state(state)
    dense = state.times[1:]
    checkpoints = state.ckpt[1:].astype(float)
    data = []
    for k in range(len(state.modes)):
        data.append(dict(x=dense, y=_floored(state.mode_pred[1:, k]),
                         name=f"mode {k + 1}: λ = {state.lam_modes[k]:.4g}"))
    for k in range(len(state.modes)):
        data.append(dict(x=checkpoints, y=_floored(state.mode_measured[1:, k])))
    t = state.t if state.t > 0 else None
    data.append(dict(x=[t, t], y=[FLOOR, 1.5]))
    rule = "(1 − ηλᵢ)ᵗ" if state.kind == "gd" else "exp(−ηλᵢt)"
    who = f"width-{state.width} networks" if state.has_runs else "no networks trained"
    return {"data": data,
            "layout": {"title_text": f"Residual along eigenvectors vᵢ of Θ: {rule} (lines), "
                                     f"{who} (markers)"}}


def mode_decay(state) -> go.Figure:
    """Per-mode residual decay on log-log axes: predicted ``d_i(t)`` (lines) and the measured
    ratio ``|p_i(t)/p_i(0)|`` of the finite networks (markers, mean over seeds).

    Traces: K predicted lines, K measured marker sets, then the current time (vertical line).
    """
    _check_state(state)
    fig = go.Figure()
    K = len(state.modes)
    for k in range(K):
        fig.add_trace(go.Scatter(
            mode="lines", name=f"mode {k + 1}: λ = {state.lam_modes[k]:.4g}",
            line=dict(color=MODE_COLORS[k % len(MODE_COLORS)], width=2,
                      dash=MODE_DASHES[k % len(MODE_DASHES)]),
            hovertemplate="t = %{x:.6g}<br>predicted = %{y:.10g}<extra>%{fullData.name}</extra>"))
    for k in range(K):
        fig.add_trace(go.Scatter(
            mode="markers", name=f"mode {k + 1} measured",
            marker=dict(color=MODE_COLORS[k % len(MODE_COLORS)], size=7,
                        symbol=MODE_SYMBOLS[k % len(MODE_SYMBOLS)],
                        line=dict(width=2)),
            hovertemplate=f"mode {k + 1}<br>t = %{{x}}<br>measured Σ|pᵢ(t)|/Σ|pᵢ(0)| = %{{y:.10g}}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="current t", line=dict(color=COLORS["accent"], width=1.5, dash="dash"),
                             hovertemplate="t = %{x}<extra>current time</extra>"))
    layout(fig, "", xaxis=dict(title="training time t (steps, log scale)", type="log"),
           yaxis=dict(title="|residual along vᵢ| / initial (log scale)", type="log",
                      range=[np.log10(FLOOR), 0.2]))
    return apply_update(fig, mode_decay_update(state))


# --- errors against time --------------------------------------------------------------------
def error_vs_time_update(state) -> dict:
    _check_state(state)
    dense = state.times[1:]
    checkpoints = state.ckpt[1:].astype(float)
    err = state.net_test_error[1:]
    t = state.t if state.t > 0 else None
    top = float(np.nanmax(np.r_[state.test_error, state.train_error]))
    return {
        "data": [
            dict(x=dense, y=finite_or_none(state.train_error[1:])),
            dict(x=dense, y=finite_or_none(state.test_error[1:])),
            dict(x=checkpoints, y=finite_or_none(err)),
            dict(x=[state.t_stop], y=[state.test_error_stop]),
            dict(x=[dense[0], dense[-1]], y=[state.test_error_inf] * 2),
            dict(x=[t, t], y=[0.0, 1.05 * top]),
        ],
        "layout": {"title_text": f"Mean squared error of μ_t: early stopping at t* = {_fmt_t(state.t_stop)} "
                                 f"(test {state.test_error_stop:.4g}, t → ∞: {state.test_error_inf:.4g})"},
    }


def error_vs_time(state) -> go.Figure:
    """Training and test MSE of the kernel mean μ_t against time (log x), the finite networks'
    test MSE at the checkpoints (mean over seeds), the early-stopping point and t → ∞.

    Traces: 0 train μ_t, 1 test μ_t, 2 networks' test MSE, 3 early stopping t*, 4 t → ∞ level,
    5 current time.
    """
    _check_state(state)
    fig = go.Figure()
    fig.add_trace(go.Scatter(mode="lines", name="train MSE of μ_t (noisy targets)",
                             line=dict(color=COLORS["A"], width=2),
                             hovertemplate="t = %{x:.6g}<br>train MSE = %{y:.10g}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="test MSE of μ_t (clean targets)",
                             line=dict(color=COLORS["B"], width=2.5, dash=CLASS_DASHES["B"]),
                             hovertemplate="t = %{x:.6g}<br>test MSE = %{y:.10g}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="markers", name="finite networks: test MSE (mean over seeds)",
                             marker=dict(color=COLORS["accent"], size=7, symbol="circle-open", line=dict(width=2)),
                             hovertemplate="t = %{x}<br>networks' test MSE = %{y:.10g}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="markers", name="early stopping t*",
                             marker=dict(color=COLORS["missing"], size=15, symbol="star"),
                             hovertemplate="t* = %{x:.6g}<br>test MSE = %{y:.10g}<extra>early stopping</extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="test MSE at t → ∞ (GP mean, no ridge)",
                             line=dict(color="#777777", width=1.5, dash="dot"),
                             hovertemplate="test MSE (t → ∞) = %{y:.10g}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="current t", line=dict(color=COLORS["accent"], width=1.5, dash="dash"),
                             hovertemplate="t = %{x}<extra>current time</extra>"))
    layout(fig, "", xaxis=dict(title="training time t (steps, log scale)", type="log"),
           yaxis=dict(title="mean squared error", rangemode="tozero"))
    return apply_update(fig, error_vs_time_update(state))


# --- distance against width -----------------------------------------------------------------
def distance_vs_width_update(state) -> dict:
    _check_state(state)
    widths = np.asarray(state.widths, dtype=float)
    D = np.asarray(state.D, dtype=float)
    S = D.shape[1] if D.ndim == 2 else 0
    ref = [None, None]
    if widths.size and np.isfinite(state.D_mean[0]):
        span = np.array([widths.min(), widths.max()])
        ref = finite_or_none(state.D_mean[0] * (span / span[0]) ** -0.5)
        span = span.tolist()
    else:
        span = [None, None]
    current = float(state.distance)
    return {
        "data": [
            dict(x=np.repeat(widths, S).tolist(), y=finite_or_none(D.ravel()),
                 customdata=np.tile(np.arange(S), len(widths)).tolist()),
            dict(x=widths.tolist(), y=finite_or_none(state.D_mean)),
            dict(x=span, y=ref),
            dict(x=[float(state.width)], y=finite_or_none([current])),
        ],
        "layout": {"title_text": "Distance of finite networks to the kernel prediction (same f₀) "
                                 + (f"at width {state.width}: {current:.4g}" if np.isfinite(current)
                                    else "— train networks to see it")},
    }


def distance_vs_width(state) -> go.Figure:
    """Log-log relative distance ‖f_net − f_lin‖/‖f_lin‖ (all checkpoints, train and test
    points) against width: per seed, mean, a width^(−1/2) reference and the current width.

    Traces: 0 per seed, 1 mean over seeds, 2 slope −1/2 reference, 3 current width.
    """
    _check_state(state)
    fig = go.Figure()
    fig.add_trace(go.Scatter(mode="markers", name="one seed", marker=dict(size=6, color=_NET),
                             hovertemplate="width %{x}<br>seed index %{customdata}<br>distance = %{y:.10g}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="lines+markers", name="mean over seeds",
                             line=dict(color=COLORS["missing"], width=2.5), marker=dict(size=7),
                             hovertemplate="width %{x}<br>mean distance = %{y:.10g}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="∝ width^(−1/2)", line=dict(color="#777777", width=1.5, dash="dot"),
                             hovertemplate="width %{x}<br>∝ width^(−1/2): %{y:.10g}<extra>reference</extra>"))
    fig.add_trace(go.Scatter(mode="markers", name="current width",
                             marker=dict(size=14, color=COLORS["accent"], symbol="diamond", line=dict(width=1, color="#000")),
                             hovertemplate="width %{x}<br>mean distance = %{y:.10g}<extra>current width</extra>"))
    layout(fig, "", xaxis=dict(title="width n (log scale)", type="log"),
           yaxis=dict(title="‖f_net − f_lin‖ / ‖f_lin‖ (log scale)", type="log"))
    return apply_update(fig, distance_vs_width_update(state))

"""Figures of the pair survey (arXiv 2412.11521, Fig. 4B, D, E and Fig. 5): spectral against
exact error, and the two geometric scatters (``λ_N`` against ``Δ²``, ``⟨λ⁻¹⟩`` against ``1/r``).

Every scatter has the same traces: 0 correctly classified pairs, 1 misclassified pairs (an exact
left-out prediction has the wrong sign), 2 a reference line (the diagonal, or nothing), 3 the
selected pair. ``customdata`` of traces 0 and 1 holds ``[index, label_a, sample_a, label_b,
sample_b]`` per point, so a click handler can find the pair.

Every ``*_update`` validates its arguments first (``TypeError``/``ValueError`` naming the
argument); each figure builds on its update. The per-pair arrays may be empty (an explorer before its first survey).
NaN is accepted only where the survey produces it: the correlation (undefined when a sample is
constant, shown as "undefined"); ``mean_inverse`` may be +inf (rank-deficient ``K̃``), and
such a pair is left out of the picture, as is a pair with radius 0 (infinite density).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import COLORS, apply_update, check_index, check_number, finite_or_none, layout

__all__ = ["error_scatter", "error_scatter_update", "separation_scatter", "separation_scatter_update",
           "density_scatter", "density_scatter_update"]

_HOVER_PAIR = ("pair %{customdata[0]}: A = %{customdata[1]} (#%{customdata[2]}), "
               "B = %{customdata[3]} (#%{customdata[4]})<br>")


def _column(name: str, values, length: int | None = None, like: str = "",
            posinf: bool = False, minimum: float | None = None) -> np.ndarray:
    """A 1-d float array (possibly empty) of finite numbers (+inf too with ``posinf``)."""
    if values is None or isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a 1-d array of real numbers, got {values!r:.60}")
    try:
        array = np.asarray(values)
    except Exception as error:  # ragged lists
        raise TypeError(f"{name} must be a 1-d array of real numbers, got {values!r:.60}") from error
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-d (one value per pair), got shape {array.shape}")
    if length is not None and len(array) != length:
        raise ValueError(f"{name} must have {length} entries, one per pair like {like}, got "
                         f"{len(array)}")
    bad = np.isnan(array) | ((array == -np.inf) if posinf else np.isinf(array))
    if bad.any():
        allowed = "finite or +inf" if posinf else "finite"
        raise ValueError(f"{name} must be {allowed}, but {int(bad.sum())} entries are not")
    if minimum is not None and np.any(array < minimum):
        raise ValueError(f"{name} must be >= {minimum}, got a minimum of {array.min():.6g}")
    return array


def _check_scatter(x_name, x, y_name, y, pairs, correlation, misclassified, selected, *,
                   x_minimum=None, y_posinf=False):
    """Validated ``(x, y, pairs, misclassified, selected)`` of a survey scatter."""
    x = _column(x_name, x, minimum=x_minimum)
    n = len(x)
    y = _column(y_name, y, n, x_name, posinf=y_posinf)
    if pairs is None or isinstance(pairs, (str, bytes)):
        raise TypeError(f"pairs must be an (n, 4) integer array, got {pairs!r:.60}")
    try:
        table = np.asarray(pairs)
    except Exception as error:
        raise TypeError(f"pairs must be an (n, 4) integer array, got {pairs!r:.60}") from error
    if table.dtype.kind not in "biuf":
        raise TypeError(f"pairs must hold integers, got dtype {table.dtype}")
    if table.ndim != 2 or table.shape != (n, 4):
        raise ValueError(f"pairs must have shape ({n}, 4) (label_a, sample_a, label_b, sample_b "
                         f"per pair, like {x_name}), got {table.shape}")
    if table.dtype.kind == "f" and not np.all(np.isfinite(table) & (table == np.round(table))):
        raise ValueError("pairs must hold integers (digit labels and sample indices)")
    check_number("correlation", correlation, allow_nan=True, nan_means="undefined")
    if misclassified is not None:
        wrong = _column("misclassified", misclassified, n, x_name)
        if not np.all((wrong == 0.0) | (wrong == 1.0)):
            raise ValueError("misclassified must hold booleans (True/False), one per pair")
        misclassified = wrong.astype(bool)
    if selected is not None:
        selected = check_index("selected", selected, n, "the pairs")
    return x, y, table.astype(np.int64), misclassified, selected


def _split(x, y, pairs, misclassified, selected):
    """The data of the pair traces (correct, misclassified) and of the selected pair."""
    custom = np.column_stack([np.arange(len(pairs)), pairs])
    wrong = np.zeros(len(x), dtype=bool) if misclassified is None else misclassified
    data = [dict(x=finite_or_none(x[mask]), y=finite_or_none(y[mask]), customdata=custom[mask])
            for mask in (~wrong, wrong)]
    if selected is None:
        return data, dict(x=[], y=[])
    return data, dict(x=finite_or_none([x[selected]]), y=finite_or_none([y[selected]]))


def _fmt(value: float) -> str:
    return "undefined" if not np.isfinite(value) else f"{value:.4f}"


def _scatter(xlabel: str, ylabel: str, hover_x: str, hover_y: str) -> go.Figure:
    fig = go.Figure()
    hover = _HOVER_PAIR + f"{hover_x} = %{{x:.10g}}<br>{hover_y} = %{{y:.10g}}"
    fig.add_trace(go.Scatter(mode="markers", name="correct sign", marker=dict(size=7, color=COLORS["neutral"], opacity=0.75),
                               hovertemplate=hover + "<extra>correct</extra>"))
    fig.add_trace(go.Scatter(mode="markers", name="misclassified (wrong sign)",
                               marker=dict(size=9, color=COLORS["accent"], symbol="x", line=dict(width=1)),
                               hovertemplate=hover + "<extra>misclassified</extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="y = x", line=dict(color="#999", dash="dash", width=1),
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(mode="markers", name="selected pair",
                             marker=dict(size=16, color="rgba(0,0,0,0)", symbol="circle",
                                         line=dict(width=3, color=COLORS["missing"])),
                             hoverinfo="skip"))
    layout(fig, "", xaxis=dict(title=xlabel), yaxis=dict(title=ylabel))
    fig.update_layout(width=520)
    return fig


def error_scatter_update(eps_spectral, eps_exact, pairs, correlation: float, misclassified=None,
                         selected: int | None = None) -> dict:
    """The data of ``error_scatter``."""
    eps_spectral, eps_exact, pairs, misclassified, selected = _check_scatter(
        "eps_spectral", eps_spectral, "eps_exact", eps_exact, pairs, correlation, misclassified,
        selected)
    data, chosen = _split(eps_spectral, eps_exact, pairs, misclassified, selected)
    values = np.concatenate([eps_spectral, eps_exact, [0.0]])
    top = float(np.max(values)) * 1.05 or 1.0
    if not np.isfinite(top):  # errors near the float64 limit
        top = float(np.max(values))
    return {
        "data": data + [dict(x=[0.0, top], y=[0.0, top]), chosen],
        "layout": {"title_text": f"Spectral vs exact error ({len(data[0]['x']) + len(data[1]['x'])} pairs): "
                                 f"corr = {_fmt(correlation)}"},
    }


def error_scatter(eps_spectral, eps_exact, pairs, correlation: float, misclassified=None,
                  selected: int | None = None) -> go.Figure:
    """Spectral error of ``K̃`` (Eq. 7) against the symmetrised exact error of K, one point per
    digit pair, with the diagonal and the Pearson correlation in the title (Fig. 4B).

    Parameters
    ----------
    eps_spectral, eps_exact : (n,) errors;  pairs : (n, 4) ints label_a, sample_a, label_b, sample_b
    correlation : Pearson correlation shown in the title as "corr" (NaN: undefined);  misclassified : (n,) bool or None
    selected : index of a pair to ring, or None

    The arrays may be empty (no pairs yet); all must have one entry per pair.
    """
    update = error_scatter_update(eps_spectral, eps_exact, pairs, correlation, misclassified,
                                  selected)
    fig = _scatter("spectral error ε (K̃, Eq. 7)", "exact symmetrised error (K)", "ε", "exact")
    return apply_update(fig, update)


def separation_scatter_update(separation_sq, lam_N, pairs, correlation: float, misclassified=None,
                              selected: int | None = None) -> dict:
    """The data of ``separation_scatter``."""
    separation_sq, lam_N, pairs, misclassified, selected = _check_scatter(
        "separation_sq", separation_sq, "lam_N", lam_N, pairs, correlation, misclassified, selected)
    data, chosen = _split(separation_sq, lam_N, pairs, misclassified, selected)
    return {"data": data + [dict(x=[], y=[]), chosen],
            "layout": {"title_text": f"λ<sub>N</sub> vs separation Δ²: corr = {_fmt(correlation)}"}}


def separation_scatter(separation_sq, lam_N, pairs, correlation: float, misclassified=None,
                       selected: int | None = None) -> go.Figure:
    """The label eigenvalue ``λ_N`` against ``Δ² = ‖mean A − mean B‖²`` (Fig. 4D): the spectral
    analogue of the separation δ of the circle model. Arguments as in ``error_scatter``."""
    update = separation_scatter_update(separation_sq, lam_N, pairs, correlation, misclassified,
                                       selected)
    fig = _scatter("orbit separation Δ² = ‖Ā − B̄‖²", "λ<sub>N</sub> (label frequency)", "Δ²", "λ_N")
    return apply_update(fig, update)


def density_scatter_update(radius, mean_inverse, pairs, correlation: float, misclassified=None,
                           selected: int | None = None) -> dict:
    """The data of ``density_scatter``."""
    radius, mean_inverse, pairs, misclassified, selected = _check_scatter(
        "radius", radius, "mean_inverse", mean_inverse, pairs, correlation, misclassified, selected,
        x_minimum=0.0, y_posinf=True)
    with np.errstate(divide="ignore"):
        density = np.where(radius > 0, 1.0 / np.where(radius > 0, radius, 1.0), np.inf)
    data, chosen = _split(density, mean_inverse, pairs, misclassified, selected)
    return {"data": data + [dict(x=[], y=[]), chosen],
            "layout": {"title_text": f"⟨λ⁻¹⟩ vs orbit density 1/r: corr = {_fmt(correlation)}"}}


def density_scatter(radius, mean_inverse, pairs, correlation: float, misclassified=None,
                    selected: int | None = None) -> go.Figure:
    """``⟨λ⁻¹⟩`` against the orbit density ``1/r`` (Fig. 4E); pairs with ``⟨λ⁻¹⟩ = ∞``
    (rank-deficient ``K̃``) are left out of the picture, as are pairs of radius 0 (infinite
    density). ``radius`` must be >= 0. Arguments as in ``error_scatter``."""
    update = density_scatter_update(radius, mean_inverse, pairs, correlation, misclassified,
                                    selected)
    fig = _scatter("orbit density 1/r", "⟨λ⁻¹⟩ (mean inverse eigenvalue)", "1/r", "⟨λ⁻¹⟩")
    return apply_update(fig, update)

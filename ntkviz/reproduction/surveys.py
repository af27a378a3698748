"""Digit-pair surveys for the reproduction targets of the neural kernel theory of symmetry
learning (arXiv 2412.11521, Figs. 4–5, App. D, G; docs/theory.md#pair-surveys): the per-pair
numbers of ``experiments.survey`` as JSON, and the statistics the claims read from them.

A survey's JSON (``survey_numbers``) holds, per pair, the digits and the spectral error ε (Eq. 7
on the circularised kernel), the symmetrised exact error and the two exact left-out predictions,
the ridge-free ``λ_N`` and ``⟨λ⁻¹⟩`` of the circularised kernel, the squared centroid distance
``Δ²`` and the mean orbit radius ``ρ``. A pair counts as classified correctly by the exact NTK
when both left-out points get the right sign, by Eq. 7 when ``ε < 1`` (``ŷ = y(1 − ε)``).
"""

from __future__ import annotations

import math

import numpy as np

from . import stats

__all__ = ["PER_PAIR", "survey_numbers", "arrays", "correct_counts", "fraction_correct",
           "correlation", "correlation_difference", "agreement", "agreement_text", "SIGNIFICANT"]

#: Per-pair fields kept from ``experiments.survey.SurveyResult``.
PER_PAIR = ("eps_spectral", "eps_exact", "prediction_a", "prediction_b", "lam_N_bare",
            "mean_inverse_bare", "separation_sq", "radius")
#: Significant digits stored per number (the JSON of 512 pairs × 6 N × 2 kernels stays < 1 MB;
#: far below every difference a claim looks at).
SIGNIFICANT = 9


def _rounded(values) -> list:
    out = []
    for v in np.asarray(values, dtype=float).ravel():
        out.append(float(f"{v:.{SIGNIFICANT}g}") if math.isfinite(v) else float(v))
    return out


def survey_numbers(architecture: str, action: str, N: int, n_pairs: int, seed: int, *,
                   kind: str = "ntk", order: int = 3, spectral_ridge: float | None = 1e-5,
                   progress=None) -> dict:
    """``experiments.survey.pair_survey`` as JSON-ready lists (``pairs``: label_a, sample_a,
    label_b, sample_b per pair; then ``PER_PAIR``)."""
    from ..experiments import survey

    r = survey.pair_survey(architecture, action, N, n_pairs=n_pairs, seed=seed, kind=kind,
                           progress=progress, order=order, spectral_ridge=spectral_ridge)
    return {"N": N, "pairs": r.pairs.tolist(), **{k: _rounded(getattr(r, k)) for k in PER_PAIR}}


def arrays(numbers: dict) -> dict[str, np.ndarray]:
    """The per-pair lists of a survey as float arrays (JSON null → NaN)."""
    return {k: np.array([np.nan if v is None else v for v in numbers[k]], dtype=float)
            for k in PER_PAIR}


def correct_counts(numbers: dict) -> np.ndarray:
    """Left-out points (0, 1, 2) the exact NTK predicts with the right sign, per pair."""
    a = arrays(numbers)
    return (a["prediction_a"] > 0).astype(int) + (a["prediction_b"] < 0).astype(int)


def fraction_correct(numbers: dict) -> tuple[float, float]:
    """Fractions of pairs classified correctly (both left-out points): exact NTK, Eq. 7."""
    a = arrays(numbers)
    return float(np.mean(correct_counts(numbers) == 2)), float(np.mean(a["eps_spectral"] < 1))


def correlation(x, y) -> stats.Interval:
    """Pearson r over the pairs with finite x and y, with its bootstrap interval."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return stats.pearson(x[keep], y[keep])


def correlation_difference(x1, y1, x2, y2) -> stats.Interval:
    """``r(x1, y1) − r(x2, y2)`` over the same pairs (paired bootstrap: the four arrays are
    resampled with the same indices); pairs where any value is not finite are dropped."""
    arrays_ = [np.asarray(v, dtype=float) for v in (x1, y1, x2, y2)]
    keep = np.logical_and.reduce([np.isfinite(v) for v in arrays_])
    return stats.bootstrap(lambda a, b, c, d: stats.pearson_r(a, b) - stats.pearson_r(c, d),
                           *(v[keep] for v in arrays_), vectorized=True)


def agreement(numbers: dict) -> tuple[stats.Interval, stats.Interval]:
    """Pearson r of (ε, exact) and the mean |ε − exact|, each with its interval over pairs."""
    a = arrays(numbers)
    gap = np.abs(a["eps_spectral"] - a["eps_exact"])
    return correlation(a["eps_spectral"], a["eps_exact"]), stats.mean(gap)


def agreement_text(numbers: dict, digits: int = 2) -> str:
    """``N = 8: r = 0.99 [0.98, 0.99], mean |ε − exact| = …; correct: exact 40%, Eq. 7 41%``."""
    r, gap = agreement(numbers)
    exact, spectral = fraction_correct(numbers)
    return (f"N = {numbers['N']}: r = {r.text(digits)}, mean |ε − exact| = {gap.text(3)}; "
            f"pairs correct: exact {100 * exact:.0f}%, Eq. 7 {100 * spectral:.0f}%")

"""What every multiclass experiment shares: the declared parameters, the digits of each class
and one Gram matrix over their orbits, sliced into interleaved pair blocks."""

from __future__ import annotations

import functools

import numpy as np

from ... import datasets, spectral
from ...params import Param, Params
from .. import architectures, digit_orbits, digits, orbits

__all__ = ["MAX_SEEDS", "MAX_TRIALS", "PARAMS", "class_samples", "samples", "gram", "pair_error",
           "checked_Ns", "checked_classes", "checked_N", "checked_ridge"]

#: Digits of the smallest class of the bundled test set (class 5): the most seeds per class.
MAX_SEEDS = 892
#: Most random class pairs ``seeds_agreement`` runs (each is a kernel computation per N; an
#: unbounded count let n_trials = 10**10 start and hang).
MAX_TRIALS = 100

PARAMS = Params(
    *(architectures.PARAMS[name] for name in ("architecture", "kind", "action")),
    Param("class_a", "int", 0, 9),
    Param("class_b", "int", 0, 9),
    Param("seeds", "int", 1, MAX_SEEDS),
    Param("seeds_per_class", "int", 1, MAX_SEEDS),
    Param("seed", "int", 0),
    Param("N", "int", 1),
    Param("resolution", "int", 1),
    Param("n_trials", "int", 1, MAX_TRIALS),
    Param("order", "choice", choices=datasets.ORDERS),
    Param("ridge", "real", 0.0),
    Param("relative_ridge", "flag"),
    Param("solver", "choice", choices=("auto", "block", "dense")),
)
#: Checked with their cross-conditions by ``checked_Ns`` / ``checked_classes`` (Ns may be one N).
NS = Param("Ns", "ints", 1)
CLASSES = Param("classes", "ints", 0, 9)


@PARAMS.validated
def class_samples(seeds: int, seed: int = 0) -> np.ndarray:
    """``(10, seeds)`` int: the sample indices (within each class, file order, as
    ``digits.digit(label, sample)``) of the digits used for each class 0..9.

    The digits of ``datasets.digits_per_class(seeds, seed)`` (the rule every experiment uses):
    a larger ``seeds`` extends the list of a class without changing its first entries.

    Examples
    --------
    >>> from ntkviz.experiments import digits, multiclass
    >>> samples = multiclass.class_samples(3)
    >>> samples.shape, samples[3].tolist()  # the three 3s: samples 790, 241 and 915 of class 3
    ((10, 3), [790, 241, 915])
    >>> bool(np.array_equal(multiclass.class_samples(5)[:, :3], samples))
    True
    >>> digits.digit(3, int(samples[3, 0])).shape  # the first digit used for class 3
    (28, 28)
    """
    return samples(seeds, seed)


@functools.lru_cache(maxsize=64)
def samples(seeds: int, seed: int) -> np.ndarray:
    """``class_samples`` on clean values (cached, read-only)."""
    chosen = datasets.digits_per_class(seeds, seed)
    rows = np.stack([np.searchsorted(digits.class_indices()[c], chosen[c]) for c in range(10)])
    rows.setflags(write=False)
    return rows


def gram(digits: tuple[tuple[int, int], ...], N: int, action: str, key: str,
         kind: str, order: int = 1) -> np.ndarray:
    """One Gram matrix over the orbits of ``digits``, orbit-major: row ``o·N + k`` is element k
    of orbit o (``digit_orbits.prepared_orbit``, at the architecture's resolution)."""
    X = np.concatenate([digit_orbits.prepared_orbit(d, action, N, key, order) for d in digits])
    return architectures.kernel_matrix(key, X, kind=kind, action=action, N=N)


def pair_error(G: np.ndarray, o_a: int, o_b: int, N: int,
               spectral_ridge: float | None = None) -> float:
    """``ε`` of Eq. 7 on the circularised interleaved block of orbits o_a (first) and o_b, rows
    ``A_0, B_0, A_1, …`` of ``G`` (``spectral_ridge``: None for ``orbits``' ridge convention,
    else ``σ² = ρ'·tr(K̃)``)."""
    rows = np.stack([o_a * N + np.arange(N), o_b * N + np.arange(N)], axis=1).ravel()
    Kc = spectral.circularize(G[np.ix_(rows, rows)])
    if spectral_ridge is None:
        _, analysis = orbits.spectral_part.unchecked(Kc)
    else:
        _, analysis = orbits.spectral_part.unchecked(Kc, spectral_ridge, full_trace=True)
    return float(analysis.error)


# --------------------------------------------------------------------------- the boundary

def checked_N(N: int, action: str, key: str) -> int:
    """``N`` allowed for ``action`` on architecture ``key`` (``digit_orbits.check_N``)."""
    return digit_orbits.check_N.unchecked(N, action, key)


def checked_Ns(Ns, action: str, key: str) -> tuple[int, ...]:
    """One N or a sequence of distinct ones, each allowed for ``action`` on ``key``."""
    Ns = NS.check((Ns,) if isinstance(Ns, (int, np.integer)) else Ns)
    if len(set(Ns)) != len(Ns):
        raise ValueError(f"Ns must not repeat, got {Ns}")
    return tuple(checked_N(N, action, key) for N in Ns)


def checked_classes(classes) -> tuple[int, ...]:
    """At least two distinct digit classes."""
    classes = CLASSES.check(classes)
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError(f"classes must hold at least two distinct digit classes, got {classes}")
    return classes


def checked_ridge(name: str, ridge) -> float | None:
    """None, or a ridge ≥ 0."""
    return None if ridge is None else PARAMS["ridge"].check(ridge, name)

"""More seeds, more classes: the spectral error beyond one pair of orbits (seed 001 Sec. 3.4,
Fig. 6; THEORY §3).

**Several seeds per class (Fig. 6A).** Class A and class B contribute S digits each, every digit
its whole orbit of N images (``orbits.prepared_orbit``). One Gram matrix over all 2·S·N images
is computed; for every cross-class pair of orbits (A_i, B_j) the interleaved 2N×2N block is
sliced out of it (rows ``A_i0, B_j0, A_i1, …``, class A first as in ``orbits``), circularised
(Eq. 12) and Eq. 7 gives ``ε_ij`` (``orbits.spectral_part``, the same ridge convention as one
pair). The *pair-averaged spectral error* is the mean of ``ε_ij`` over the S×S pairs. The
*exact error* uses the whole dataset at once: the angle-0 images of all S orbits of A are left
out together and predicted by GP regression on the remaining 2SN − S points (labels +1 for A,
−1 for B, ``gp.posterior`` with the package's relative ridge); the error is the mean of
``|ŷ − 1|``; then the same for B (``|ŷ + 1|``) and the two are averaged — with S = 1 this is
``gp.symmetrized_error`` of the pair.

**Ten classes, one versus many (Fig. 6B).** Every class contributes S orbits; one Gram over all
of them is sliced into pair blocks. For an orbit o of a leave-out class A and another class B
the spectral prediction at its angle-0 image is the mean of ``1 − ε`` over the pairs (o, each
orbit of B), with o's orbit first. The orbit is classified correctly if that mean is positive
for every other class B. The accuracy of class A is the fraction of its orbits classified
correctly; the reported accuracy is the mean over leave-out classes.

Digits: a ``numpy`` generator seeded with ``seed`` permutes the digits of each class 0..9 in turn
and the first S of each class are used — the rule of ``accuracy.select_digits``, so with the
same seed both experiments use the same digits, and a class's digits do not depend on which
other classes take part.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from .. import datasets, gp, spectral
from .._validate import check_choice, check_int
from . import architectures, orbits
from .survey import pearson

__all__ = [
    "SeedsTrial",
    "SeedsAgreement",
    "SpectralAccuracy",
    "SpectralAccuracyCurve",
    "class_samples",
    "seeds_trial",
    "seeds_agreement",
    "spectral_accuracy",
    "spectral_accuracy_vs_N",
]


def _frozen(array, dtype=np.float64) -> np.ndarray:
    array = np.array(array, dtype=dtype)
    array.setflags(write=False)
    return array


# --------------------------------------------------------------------------- digits


@functools.lru_cache(maxsize=1)
def _smallest_class() -> int:
    return min(orbits.class_size(c) for c in range(10))


def _check_seeds(name: str, seeds) -> int:
    return check_int(name, seeds, minimum=1, maximum=_smallest_class())


@functools.lru_cache(maxsize=64)
def _samples(seeds: int, seed: int) -> np.ndarray:
    """``datasets.digits_per_class`` as positions within each class (``orbits.digit``'s sample)."""
    digits = datasets.digits_per_class(seeds, seed)
    rows = np.stack([np.searchsorted(orbits._class_indices()[c], digits[c]) for c in range(10)])
    rows.setflags(write=False)
    return rows


def class_samples(seeds: int, seed: int = 0) -> np.ndarray:
    """``(10, seeds)`` int: the sample indices (within each class, file order, as
    ``orbits.digit(label, sample)``) of the digits used for each class 0..9.

    The digits of ``datasets.digits_per_class(seeds, seed)`` (the rule every experiment uses):
    a larger ``seeds`` extends the list of a class without changing its first entries.
    """
    return _samples(_check_seeds("seeds", seeds), check_int("seed", seed, minimum=0))


def _check_class(name: str, value) -> int:
    return check_int(name, value, minimum=0, maximum=9)


def _check_classes(classes) -> tuple[int, ...]:
    try:
        values = tuple(classes)
    except TypeError:
        raise TypeError(f"classes must be a sequence of digit classes 0..9, got {classes!r}"
                        ) from None
    values = tuple(_check_class("classes", c) for c in values)
    if len(values) < 2:
        raise ValueError(f"classes must hold at least two digit classes, got {values}")
    if len(set(values)) != len(values):
        raise ValueError(f"classes must not repeat, got {values}")
    return values


def _check_progress(progress):
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable(done, total) or None, got {progress!r}")
    return progress


def _setting(N, action, architecture, kind) -> tuple[int, str, str, str]:
    key = check_choice("architecture", architecture, tuple(architectures.ARCHITECTURES))
    check_choice("action", action, datasets.ACTIONS)
    check_choice("kind", kind, architectures.KINDS)
    return orbits.check_N(N, action, key), action, key, kind


# --------------------------------------------------------------------------- shared kernel work


def _gram(digits: tuple[tuple[int, int], ...], N: int, action: str, key: str,
          kind: str) -> np.ndarray:
    """One Gram matrix over the orbits of ``digits``, orbit-major: row ``o·N + k`` is element k
    of orbit o (``orbits.prepared_orbit``, at the architecture's resolution)."""
    X = np.concatenate([orbits.prepared_orbit(d, action, N, key) for d in digits])
    return architectures.kernel_matrix(key, X, kind=kind, action=action, N=N)


def _pair_rows(o_a: int, o_b: int, N: int) -> np.ndarray:
    """Rows of the Gram for the interleaved pair (orbit o_a first): ``A_0, B_0, A_1, …``."""
    return np.stack([o_a * N + np.arange(N), o_b * N + np.arange(N)], axis=1).ravel()


def _pair_error(G: np.ndarray, o_a: int, o_b: int, N: int) -> float:
    """``ε`` of Eq. 7 on the circularised interleaved block of orbits o_a (first) and o_b."""
    rows = _pair_rows(o_a, o_b, N)
    _, analysis = orbits.spectral_part(spectral.circularize(G[np.ix_(rows, rows)]))
    return float(analysis.error)


# --------------------------------------------------------------------------- several seeds


@dataclasses.dataclass(frozen=True)
class SeedsTrial:
    """Two classes with S orbits each: pair-averaged spectral against exact error (Fig. 6A).

    Arrays are read-only.

    Attributes
    ----------
    class_a, class_b, seeds, N, action, architecture, kind, seed : the setting (S = seeds)
    samples_a, samples_b : (S,) sample indices of the digits (``orbits.digit(class, sample)``)
    eps_pairs : (S, S) ``ε`` of ``K̃`` for the pair (orbit i of A first, orbit j of B)
    eps_spectral : mean of ``eps_pairs`` (the pair-averaged spectral error)
    predictions_a : (S,) exact GP predictions at the angle-0 images of A's orbits, all S left out
        at once and predicted from the other 2SN − S points (label +1)
    predictions_b : (S,) the same for B's orbits (label −1)
    error_a, error_b : mean ``|ŷ − 1|`` over ``predictions_a``, mean ``|ŷ + 1|`` over
        ``predictions_b``
    eps_exact : ``(error_a + error_b) / 2``
    """

    class_a: int
    class_b: int
    seeds: int
    N: int
    action: str
    architecture: str
    kind: str
    seed: int
    samples_a: np.ndarray
    samples_b: np.ndarray
    eps_pairs: np.ndarray
    eps_spectral: float
    predictions_a: np.ndarray
    predictions_b: np.ndarray
    error_a: float
    error_b: float
    eps_exact: float


def _leave_out(G: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    """GP posterior means at ``test`` from every other row (relative ridge, ``gp.posterior``)."""
    train = np.setdiff1d(np.arange(G.shape[0]), test)
    return gp.posterior(G, y[train], train, test).mean


@functools.lru_cache(maxsize=256)
def _seeds_trial(class_a, class_b, seeds, N, action, key, kind, seed) -> SeedsTrial:
    rows = _samples(seeds, seed)
    samples_a, samples_b = rows[class_a], rows[class_b]
    digits = (tuple((class_a, int(s)) for s in samples_a)
              + tuple((class_b, int(s)) for s in samples_b))
    G = _gram(digits, N, action, key, kind)
    eps = np.array([[_pair_error(G, i, seeds + j, N) for j in range(seeds)] for i in range(seeds)])
    y = np.repeat([1.0, -1.0], seeds * N)
    angle0 = np.arange(2 * seeds) * N
    pred_a = _leave_out(G, y, angle0[:seeds])
    pred_b = _leave_out(G, y, angle0[seeds:])
    error_a = float(np.mean(np.abs(pred_a - 1.0)))
    error_b = float(np.mean(np.abs(pred_b + 1.0)))
    return SeedsTrial(
        class_a=class_a, class_b=class_b, seeds=seeds, N=N, action=action, architecture=key,
        kind=kind, seed=seed, samples_a=_frozen(samples_a, np.int64),
        samples_b=_frozen(samples_b, np.int64), eps_pairs=_frozen(eps),
        eps_spectral=float(eps.mean()), predictions_a=_frozen(pred_a),
        predictions_b=_frozen(pred_b),
        error_a=error_a, error_b=error_b, eps_exact=0.5 * (error_a + error_b))


def seeds_trial(class_a: int, class_b: int, seeds: int = 3, N: int = 8, action: str = "rotate",
                architecture: str = "mlp1", kind: str = "ntk", seed: int = 0) -> SeedsTrial:
    """Pair-averaged spectral error and exact multi-seed error of two classes (THEORY §3, Fig. 6A).

    Parameters
    ----------
    class_a, class_b : two different digit classes 0..9
    seeds : S ≥ 1 digits (orbits) per class, chosen by ``class_samples(seeds, seed)``
    N : orbit size (``orbits.allowed_N(action, architecture)``);  action : ``"rotate"`` |
        ``"rot90"`` | ``"shift"``;  architecture : a key of ``architectures.ARCHITECTURES``;
        kind : ``"ntk"`` | ``"nngp"``;  seed : which digits (≥ 0)

    One kernel call over the 2·S·N images; cached on the validated arguments.
    """
    class_a = _check_class("class_a", class_a)
    class_b = _check_class("class_b", class_b)
    if class_a == class_b:
        raise ValueError(f"class_a and class_b must be two different classes, got both {class_a}")
    seeds = _check_seeds("seeds", seeds)
    seed = check_int("seed", seed, minimum=0)
    N, action, key, kind = _setting(N, action, architecture, kind)
    return _seeds_trial(class_a, class_b, seeds, N, action, key, kind, seed)


@dataclasses.dataclass(frozen=True)
class SeedsAgreement:
    """Pair-averaged spectral against exact error over random class pairs, per N (Fig. 6A).

    Arrays are read-only; axis 0 of the per-trial arrays runs over ``Ns``.

    Attributes
    ----------
    n_trials, seeds, Ns, action, architecture, kind, seed : the setting
    class_a, class_b : (n_trials,) the two classes of each trial (class A first)
    trial_seeds : (n_trials,) the digit seed of each trial (``seeds_trial(..., seed=...)``; the
        same digits at every N)
    eps_spectral, eps_exact : (len(Ns), n_trials) the two errors of each trial
    correlation : (len(Ns),) Pearson correlation across trials (NaN when either is constant)
    mean_abs_difference : (len(Ns),) mean ``|spectral − exact|`` across trials
    """

    n_trials: int
    seeds: int
    Ns: tuple[int, ...]
    action: str
    architecture: str
    kind: str
    seed: int
    class_a: np.ndarray
    class_b: np.ndarray
    trial_seeds: np.ndarray
    eps_spectral: np.ndarray
    eps_exact: np.ndarray
    correlation: np.ndarray
    mean_abs_difference: np.ndarray

    def at(self, N: int) -> dict[str, object]:
        """The numbers of one N: ``{"eps_spectral", "eps_exact", "correlation",
        "mean_abs_difference"}``."""
        check_choice("N", N, self.Ns)
        n = self.Ns.index(N)
        return {"eps_spectral": self.eps_spectral[n], "eps_exact": self.eps_exact[n],
                "correlation": float(self.correlation[n]),
                "mean_abs_difference": float(self.mean_abs_difference[n])}

    def trial(self, index: int, N: int) -> SeedsTrial:
        """The full ``SeedsTrial`` of trial ``index`` at ``N`` (cached, or recomputed)."""
        index = check_int("index", index, minimum=0, maximum=self.n_trials - 1)
        check_choice("N", N, self.Ns)
        return seeds_trial(int(self.class_a[index]), int(self.class_b[index]), self.seeds, N,
                           self.action, self.architecture, self.kind, int(self.trial_seeds[index]))


def _trial_plan(n_trials: int, seed: int) -> np.ndarray:
    """(n_trials, 3): class A, class B, digit seed; a longer plan starts with the shorter."""
    rng = np.random.default_rng(seed)
    plan = []
    for _ in range(n_trials):
        a, b = (int(c) for c in rng.choice(10, size=2, replace=False))
        plan.append((a, b, int(rng.integers(2**31))))
    return np.array(plan, dtype=np.int64).reshape(n_trials, 3)


def _check_Ns(Ns, action: str, key: str) -> tuple[int, ...]:
    if isinstance(Ns, (int, np.integer)):
        Ns = (Ns,)
    values = tuple(orbits.check_N(N, action, key) for N in Ns)
    if not values:
        raise ValueError("Ns must hold at least one orbit size N, got an empty sequence")
    if len(set(values)) != len(values):
        raise ValueError(f"Ns must not repeat, got {values}")
    return values


def seeds_agreement(n_trials: int = 8, seeds: int = 3, Ns=(4, 8, 16, 32), action: str = "rotate",
                    architecture: str = "mlp1", kind: str = "ntk", seed: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> SeedsAgreement:
    """``seeds_trial`` over ``n_trials`` random class pairs for each N of ``Ns`` (Fig. 6A).

    Trial t draws two different classes and a digit seed from ``numpy.random.default_rng(seed)``
    (reproducible; a longer run starts with the trials of a shorter one); the same digits are
    used at every N. ``progress(done, total)`` is called after each (trial, N), total =
    ``n_trials·len(Ns)``.
    """
    n_trials = check_int("n_trials", n_trials, minimum=1)
    seeds = _check_seeds("seeds", seeds)
    seed = check_int("seed", seed, minimum=0)
    _, action, key, kind = _setting(2, action, architecture, kind)
    Ns = _check_Ns(Ns, action, key)
    progress = _check_progress(progress)
    plan = _trial_plan(n_trials, seed)
    spectral_err = np.empty((len(Ns), n_trials))
    exact_err = np.empty((len(Ns), n_trials))
    total, done = len(Ns) * n_trials, 0
    for n, N in enumerate(Ns):
        for t, (a, b, s) in enumerate(plan):
            trial = _seeds_trial(int(a), int(b), seeds, N, action, key, kind, int(s))
            spectral_err[n, t], exact_err[n, t] = trial.eps_spectral, trial.eps_exact
            done += 1
            if progress is not None:
                progress(done, total)
    return SeedsAgreement(
        n_trials=n_trials, seeds=seeds, Ns=Ns, action=action, architecture=key, kind=kind,
        seed=seed,
        class_a=_frozen(plan[:, 0], np.int64), class_b=_frozen(plan[:, 1], np.int64),
        trial_seeds=_frozen(plan[:, 2], np.int64),
        eps_spectral=_frozen(spectral_err), eps_exact=_frozen(exact_err),
        correlation=_frozen([pearson(s, e) for s, e in zip(spectral_err, exact_err)]),
        mean_abs_difference=_frozen(np.mean(np.abs(spectral_err - exact_err), axis=1)))


# --------------------------------------------------------------------------- one versus many


@dataclasses.dataclass(frozen=True)
class SpectralAccuracy:
    """One-versus-many spectral classification of every orbit of every class (Fig. 6B).

    Arrays are read-only; C = ``len(classes)``, S = ``seeds_per_class``.

    Attributes
    ----------
    classes, seeds_per_class, N, action, architecture, kind, seed : the setting
    samples : (C, S) sample indices of the digits (``orbits.digit(classes[c], samples[c, i])``)
    eps : (C, S, C, S) ``ε`` of ``K̃`` for the pair (orbit i of class c first, orbit j of class
        d);
        NaN where c = d
    prediction : (C, S, C) mean of ``1 − ε`` over the orbits j of class d; NaN where c = d
    correct : (C, S) bool, ``prediction[c, i, d] > 0`` for every d ≠ c
    per_class : (C,) fraction of the orbits of each leave-out class classified correctly
    accuracy : mean of ``per_class``
    """

    classes: tuple[int, ...]
    seeds_per_class: int
    N: int
    action: str
    architecture: str
    kind: str
    seed: int
    samples: np.ndarray
    eps: np.ndarray
    prediction: np.ndarray
    correct: np.ndarray
    per_class: np.ndarray
    accuracy: float

    def of_class(self, label: int) -> float:
        """The accuracy of leave-out class ``label`` (a digit in ``classes``)."""
        check_choice("label", label, self.classes)
        return float(self.per_class[self.classes.index(label)])


@functools.lru_cache(maxsize=64)
def _spectral_accuracy(classes, S, N, action, key, kind, seed) -> SpectralAccuracy:
    C = len(classes)
    samples = _samples(S, seed)[list(classes)]
    digits = tuple((c, int(s)) for c, row in zip(classes, samples) for s in row)
    G = _gram(digits, N, action, key, kind)
    eps = np.full((C, S, C, S), np.nan)
    for c in range(C):
        for d in range(C):
            if c != d:
                for i in range(S):
                    for j in range(S):
                        eps[c, i, d, j] = _pair_error(G, c * S + i, d * S + j, N)
    prediction = np.mean(1.0 - eps, axis=3)  # NaN on c = d
    others = ~np.eye(C, dtype=bool)
    correct = np.all((prediction > 0) | ~others[:, None, :], axis=2)
    per_class = correct.mean(axis=1)
    return SpectralAccuracy(
        classes=classes, seeds_per_class=S, N=N, action=action, architecture=key, kind=kind,
        seed=seed, samples=_frozen(samples, np.int64), eps=_frozen(eps),
        prediction=_frozen(prediction), correct=_frozen(correct, bool),
        per_class=_frozen(per_class), accuracy=float(per_class.mean()))


def spectral_accuracy(seeds_per_class: int = 3, N: int = 8, action: str = "rotate",
                      architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                      seed: int = 0) -> SpectralAccuracy:
    """Spectral one-versus-many accuracy of each leave-out class and on average (THEORY §3,
    Fig. 6B).

    Parameters
    ----------
    seeds_per_class : S ≥ 1 orbits per class (``class_samples(S, seed)``)
    N, action, architecture, kind : as in ``seeds_trial``
    classes : at least two different digit classes (default all ten)
    seed : which digits (≥ 0)

    One kernel call over all C·S·N images; cached on the validated arguments.
    """
    classes = _check_classes(classes)
    S = _check_seeds("seeds_per_class", seeds_per_class)
    seed = check_int("seed", seed, minimum=0)
    N, action, key, kind = _setting(N, action, architecture, kind)
    return _spectral_accuracy(classes, S, N, action, key, kind, seed)


@dataclasses.dataclass(frozen=True)
class SpectralAccuracyCurve:
    """``spectral_accuracy`` against N.

    Attributes
    ----------
    Ns : the orbit sizes;  classes : the digit classes
    per_class : (len(Ns), C) accuracy of each leave-out class;  accuracy : (len(Ns),) their mean
    results : the ``SpectralAccuracy`` of each N
    """

    Ns: tuple[int, ...]
    classes: tuple[int, ...]
    per_class: np.ndarray
    accuracy: np.ndarray
    results: tuple[SpectralAccuracy, ...] = dataclasses.field(repr=False)


def spectral_accuracy_vs_N(Ns=(4, 8, 16, 32), seeds_per_class: int = 3, action: str = "rotate",
                           architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                           seed: int = 0, progress: Callable[[int, int], None] | None = None
                           ) -> SpectralAccuracyCurve:
    """``spectral_accuracy`` for each N of ``Ns`` (the same digits at every N); ``progress(done,
    total)`` is called after each N."""
    classes = _check_classes(classes)
    S = _check_seeds("seeds_per_class", seeds_per_class)
    seed = check_int("seed", seed, minimum=0)
    _, action, key, kind = _setting(2, action, architecture, kind)
    Ns = _check_Ns(Ns, action, key)
    progress = _check_progress(progress)
    results = []
    for n, N in enumerate(Ns):
        results.append(_spectral_accuracy(classes, S, N, action, key, kind, seed))
        if progress is not None:
            progress(n + 1, len(Ns))
    return SpectralAccuracyCurve(
        Ns=Ns, classes=classes, per_class=_frozen([r.per_class for r in results]),
        accuracy=_frozen([r.accuracy for r in results]), results=tuple(results))

"""More seeds, more classes: the spectral error beyond one pair of orbits (Neural kernel
theory of symmetry learning, arXiv 2412.11521, Sec. 3.4, Fig. 6;
docs/theory.md#several-seeds-and-ten-classes).

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

**Ten classes, exact (docs/theory.md#exact-classification).** ``exact_accuracy`` classifies by exact
GP regression instead: all C·S orbits form one dataset with C one-hot target columns; for each class
its angle-0 images are left out together and predicted from every other point (argmax over the C
outputs). For exact actions (cyclic shifts, quarter turns) the kernel is invariant under the action
on both inputs, the Gram matrix in element-major order is block-circulant and
``ntkviz.block_circulant`` solves it from its first block row only (10 classes × 100 seeds × 32
shifts = 32,000 points in seconds); ``solver="dense"`` is the dense reference.

Digits: a ``numpy`` generator seeded with ``seed`` permutes the digits of each class 0..9 in turn
and the first S of each class are used — the rule of ``accuracy.select_digits``, so with the
same seed both experiments use the same digits, and a class's digits do not depend on which
other classes take part.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import time
import types
from typing import Callable

import numpy as np
import scipy.linalg

from .. import block_circulant, datasets, gp, spectral
from .._validate import check_choice, check_int, check_real
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
    "ExactAccuracy",
    "ExactAccuracyCurve",
    "SOLVERS",
    "MAX_SHIFT_N",
    "MAX_DENSE_POINTS",
    "canvas_width",
    "exact_accuracy",
    "exact_accuracy_vs_N",
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
    rows = np.stack([np.searchsorted(orbits.class_indices()[c], digits[c]) for c in range(10)])
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
          kind: str, order: int = 1) -> np.ndarray:
    """One Gram matrix over the orbits of ``digits``, orbit-major: row ``o·N + k`` is element k
    of orbit o (``orbits.prepared_orbit``, at the architecture's resolution)."""
    X = np.concatenate([orbits.prepared_orbit(d, action, N, key, order) for d in digits])
    return architectures.kernel_matrix(key, X, kind=kind, action=action, N=N)


def _pair_rows(o_a: int, o_b: int, N: int) -> np.ndarray:
    """Rows of the Gram for the interleaved pair (orbit o_a first): ``A_0, B_0, A_1, …``."""
    return np.stack([o_a * N + np.arange(N), o_b * N + np.arange(N)], axis=1).ravel()


def _pair_error(G: np.ndarray, o_a: int, o_b: int, N: int,
                spectral_ridge: float | None = None) -> float:
    """``ε`` of Eq. 7 on the circularised interleaved block of orbits o_a (first) and o_b
    (``spectral_ridge``: None for ``orbits``' ridge convention, else ``σ² = ρ'·tr(K̃)``)."""
    rows = _pair_rows(o_a, o_b, N)
    Kc = spectral.circularize(G[np.ix_(rows, rows)])
    if spectral_ridge is None:
        _, analysis = orbits.spectral_part(Kc)
    else:
        _, analysis = orbits.spectral_part(Kc, spectral_ridge, full_trace=True)
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
    signed_error_a, signed_error_b : ``1 − mean ŷ_A`` and ``1 + mean ŷ_B`` (no absolute value:
        negative when the mean prediction overshoots its label, Fig. 6A's code)
    eps_exact_signed : ``(signed_error_a + signed_error_b) / 2``
    order, ridge, relative_ridge, spectral_ridge : rotation spline order; the exact solves'
        ridge (``ρ·tr(K_train)`` if ``relative_ridge`` else ``ρ``); Eq. 7's ridge convention
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
    signed_error_a: float = float("nan")
    signed_error_b: float = float("nan")
    eps_exact_signed: float = float("nan")
    order: int = 1
    ridge: float = gp.DEFAULT_RIDGE
    relative_ridge: bool = True
    spectral_ridge: float | None = None


def _leave_out(G: np.ndarray, y: np.ndarray, test: np.ndarray, ridge: float = gp.DEFAULT_RIDGE,
               relative: bool = True) -> np.ndarray:
    """GP posterior means at ``test`` from every other row (``gp.posterior``: ridge
    ``ρ·tr(K_train)`` if ``relative`` else ``ρ``)."""
    train = np.setdiff1d(np.arange(G.shape[0]), test)
    return gp.posterior(G, y[train], train, test, ridge=ridge, relative=relative).mean


@functools.lru_cache(maxsize=256)
def _seeds_trial(class_a, class_b, seeds, N, action, key, kind, seed, order=1,
                 ridge=gp.DEFAULT_RIDGE, relative=True, spectral_ridge=None) -> SeedsTrial:
    rows = _samples(seeds, seed)
    samples_a, samples_b = rows[class_a], rows[class_b]
    digits = (tuple((class_a, int(s)) for s in samples_a)
              + tuple((class_b, int(s)) for s in samples_b))
    G = _gram(digits, N, action, key, kind, order)
    eps = np.array([[_pair_error(G, i, seeds + j, N, spectral_ridge) for j in range(seeds)]
                    for i in range(seeds)])
    y = np.repeat([1.0, -1.0], seeds * N)
    angle0 = np.arange(2 * seeds) * N
    pred_a = _leave_out(G, y, angle0[:seeds], ridge, relative)
    pred_b = _leave_out(G, y, angle0[seeds:], ridge, relative)
    error_a = float(np.mean(np.abs(pred_a - 1.0)))
    error_b = float(np.mean(np.abs(pred_b + 1.0)))
    signed_a, signed_b = 1.0 - float(np.mean(pred_a)), 1.0 + float(np.mean(pred_b))
    return SeedsTrial(
        class_a=class_a, class_b=class_b, seeds=seeds, N=N, action=action, architecture=key,
        kind=kind, seed=seed, samples_a=_frozen(samples_a, np.int64),
        samples_b=_frozen(samples_b, np.int64), eps_pairs=_frozen(eps),
        eps_spectral=float(eps.mean()), predictions_a=_frozen(pred_a),
        predictions_b=_frozen(pred_b),
        error_a=error_a, error_b=error_b, eps_exact=0.5 * (error_a + error_b),
        signed_error_a=signed_a, signed_error_b=signed_b,
        eps_exact_signed=0.5 * (signed_a + signed_b), order=order, ridge=ridge,
        relative_ridge=relative, spectral_ridge=spectral_ridge)


def seeds_trial(class_a: int, class_b: int, seeds: int = 3, N: int = 8, action: str = "rotate",
                architecture: str = "mlp1", kind: str = "ntk", seed: int = 0, *,
                order: int = 1, ridge: float = gp.DEFAULT_RIDGE, relative_ridge: bool = True,
                spectral_ridge: float | None = None) -> SeedsTrial:
    """Pair-averaged spectral error and exact multi-seed error of two classes (Fig. 6A;
    docs/theory.md#pair-averaged-spectral-error).

    Parameters
    ----------
    class_a, class_b : two different digit classes 0..9
    seeds : S ≥ 1 digits (orbits) per class, chosen by ``class_samples(seeds, seed)``
    N : orbit size (``orbits.allowed_N(action, architecture)``);  action : ``"rotate"`` |
        ``"rot90"`` | ``"shift"``;  architecture : a key of ``architectures.ARCHITECTURES``;
        kind : ``"ntk"`` | ``"nngp"``;  seed : which digits (≥ 0)
    order : spline order of ``"rotate"`` (``datasets.ORDERS``; 3 is the paper's cubic)
    ridge, relative_ridge : the exact solves' ridge, ``ρ·tr(K_train)`` (default) or the
        absolute ``ρ`` (Fig. 6A's code: 1e-10)
    spectral_ridge : None (``orbits``' ridge convention) or ρ' for ``σ² = ρ'·tr(K̃)`` on every
        pair's Eq. 7 (the paper's code: 1e-5)

    One kernel call over the 2·S·N images; cached on the validated arguments.
    """
    class_a = _check_class("class_a", class_a)
    class_b = _check_class("class_b", class_b)
    if class_a == class_b:
        raise ValueError(f"class_a and class_b must be two different classes, got both {class_a}")
    seeds = _check_seeds("seeds", seeds)
    seed = check_int("seed", seed, minimum=0)
    N, action, key, kind = _setting(N, action, architecture, kind)
    order = check_choice("order", order, datasets.ORDERS)
    ridge = check_real("ridge", ridge, minimum=0.0)
    if not isinstance(relative_ridge, (bool, np.bool_)):
        raise TypeError(f"relative_ridge must be True or False, got {relative_ridge!r}")
    if spectral_ridge is not None:
        spectral_ridge = check_real("spectral_ridge", spectral_ridge, minimum=0.0)
    return _seeds_trial(class_a, class_b, seeds, N, action, key, kind, seed, order, ridge,
                        bool(relative_ridge), spectral_ridge)


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
    if isinstance(Ns, (str, bytes)) or not hasattr(Ns, "__iter__"):
        raise TypeError(f"Ns must be an orbit size N or a sequence of them, got {Ns!r}")
    values = tuple(orbits.check_N(N, action, key) for N in Ns)
    if not values:
        raise ValueError("Ns must hold at least one orbit size N, got an empty sequence")
    if len(set(values)) != len(values):
        raise ValueError(f"Ns must not repeat, got {values}")
    return values


#: Most random class pairs ``seeds_agreement`` runs (each is a kernel computation per N; an
#: unbounded count let n_trials = 10**10 start and hang).
MAX_TRIALS = 100


def seeds_agreement(n_trials: int = 8, seeds: int = 3, Ns=(4, 8, 16, 32), action: str = "rotate",
                    architecture: str = "mlp1", kind: str = "ntk", seed: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> SeedsAgreement:
    """``seeds_trial`` over ``n_trials`` random class pairs for each N of ``Ns`` (Fig. 6A).

    Trial t draws two different classes and a digit seed from ``numpy.random.default_rng(seed)``
    (reproducible; a longer run starts with the trials of a shorter one); the same digits are
    used at every N. ``progress(done, total)`` is called after each (trial, N), total =
    ``n_trials·len(Ns)``.
    """
    n_trials = check_int("n_trials", n_trials, minimum=1, maximum=MAX_TRIALS)
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
    """Spectral one-versus-many accuracy of each leave-out class and on average (Fig. 6B;
    docs/theory.md#ten-classes-one-versus-many).

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


# --------------------------------------------------------------------------- exact, one versus many

#: Solvers of ``exact_accuracy``: the structured one, the dense reference, or chosen by the action.
SOLVERS = ("auto", "block", "dense")

#: Largest orbit size of ``exact_accuracy`` for cyclic shifts (N not dividing the width pads).
MAX_SHIFT_N = 64

#: Largest number of points for which a dense Gram matrix is built (solver ``"dense"``, and the
#: block-circularised path of ``"rotate"``): 8000² float64 entries are 512 MB.
MAX_DENSE_POINTS = 8000

# Kernel calls of the block path hold about this many entries (rows × columns) each.
_CHUNK_ENTRIES = 8_000_000


def canvas_width(resolution: int, N: int, action: str) -> int:
    """Width of the canvas the digits are acted on: for ``"shift"`` the smallest width ≥
    ``resolution`` that N divides (28 → 32 for N = 8, 16, 32), else ``resolution``."""
    resolution = check_int("resolution", resolution, minimum=1)
    N = check_int("N", N, minimum=1)
    check_choice("action", action, datasets.ACTIONS)
    if action != "shift":
        return resolution
    return -(-resolution // N) * N


def _exact_N(N, action: str, key: str) -> int:
    """N for ``exact_accuracy``: ``orbits.check_N`` for rotations; 2..MAX_SHIFT_N for shifts."""
    if action != "shift":
        return orbits.check_N(N, action, key)
    N = check_int("N", N, minimum=2)
    if N > MAX_SHIFT_N:
        resolution = architectures.architecture(key).resolution
        raise ValueError(
            f"N={N} is not allowed for action 'shift' in exact_accuracy; allowed N: "
            f"2..{MAX_SHIFT_N} (N that do not divide the image width {resolution} are "
            f"zero-padded to the next multiple of N)")
    return N


def _resolve_solver(solver: str, action: str) -> str:
    check_choice("solver", solver, SOLVERS)
    if solver == "auto":
        return "block" if action in ("shift", "rot90") else "dense"
    return solver


def _seed_images(classes, S: int, seed: int, key: str, N: int, action: str) -> np.ndarray:
    """``(M, R, W)`` raw seed images (not normalised), orbit ``m = c·S + i`` (class-major),
    pooled to the architecture's resolution R and, for shifts, zero-padded left/right to the
    canvas width W."""
    resolution = architectures.architecture(key).resolution
    width = canvas_width(resolution, N, action)
    left = (width - resolution) // 2
    images = []
    for c, row in zip(classes, _samples(S, seed)[list(classes)]):
        for s in row:
            image = orbits.digit(c, int(s))
            while image.shape[-1] > resolution:
                image = datasets.pool2(image[None])[0]
            images.append(np.pad(image, ((0, 0), (left, width - resolution - left))))
    return np.stack(images)


def _act(X0: np.ndarray, d: int, N: int, action: str) -> np.ndarray:
    """Element d of every orbit: the exact action on the normalised seeds (a pixel permutation,
    so it commutes with centring and normalising; ``datasets.transform`` conventions)."""
    if action == "shift":
        return np.roll(X0, d * X0.shape[-1] // N, axis=-1)
    if action == "rot90":
        return np.rot90(X0, (4 * d // N) % 4, axes=(1, 2)).copy()
    raise ValueError(f"action {action!r} is not an exact permutation of pixels")


def _points(raw: np.ndarray, N: int, action: str) -> np.ndarray:
    """All ``M·N`` normalised points, element-major (point ``(g, m)`` at row ``g·M + m``).

    An interpolated rotation acts on the raw digit and each element is normalised
    (``datasets.orbit``, as ``orbits.prepared_orbit``); exact actions act on the normalised seed.
    """
    if action == "rotate":
        return block_circulant.element_major(np.stack([datasets.orbit(x, N, action) for x in raw]))
    X0 = datasets.normalize(raw)
    return np.concatenate([_act(X0, d, N, action) for d in range(N)])


def _kernel_function(key: str, kind: str, action: str, N: int) -> Callable:
    k = architectures.architecture(key).kernel(action, N)
    return k.ntk if kind == "ntk" else k.nngp


def _dense_leave_outs(K: np.ndarray, Y: np.ndarray, sets, shift: float) -> list[np.ndarray]:
    """``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹ [A⁻¹Y]_S`` for each S, ``A = K + shift·I`` factorised once."""
    A = K + shift * np.eye(K.shape[0])
    columns = np.concatenate(sets)
    E = np.zeros((K.shape[0], columns.size))
    E[columns, np.arange(columns.size)] = 1.0
    rhs = np.hstack([Y, E])
    try:
        solved = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, lower=True), rhs,
                                        check_finite=False)
    except np.linalg.LinAlgError:  # numerically indefinite: a symmetric solve instead
        solved = scipy.linalg.solve(A, rhs, assume_a="sym", check_finite=False)
    T, out, start = Y.shape[1], [], 0
    for S in sets:
        block = solved[S, T + start:T + start + S.size]
        out.append(Y[S] - np.linalg.solve(0.5 * (block + block.T), solved[S, :T]))
        start += S.size
    return out


@dataclasses.dataclass(frozen=True)
class ExactAccuracy:
    """Exact GP one-versus-many classification of the angle-0 images of every class
    (docs/theory.md#exact-classification).

    Arrays are read-only; C = ``len(classes)``, S = ``seeds_per_class``, M = C·S orbits.

    Attributes
    ----------
    classes, seeds_per_class, N, action, architecture, kind, seed : the setting
    solver : ``"block"`` (block-circulant, ``ntkviz.block_circulant``) or ``"dense"`` (the
        solver that ran; ``"auto"`` is resolved)
    circularized : True when the block solver ran on the block-circularised Gram matrix ``K̃``
        of an interpolated (not exact) action
    resolution : side R of the digits the kernel sees (28, or 14 for pixel-pair kernels)
    canvas_width : width W of the canvas (``canvas_width``; W > R only for shifts with N ∤ R:
        the digit is zero-padded left and right, then centred and normalised on the canvas)
    points : M·N, the size of the dataset;  ridge : the absolute ridge λ = ρ·tr(K) of the full
        matrix (ρ = ``gp.DEFAULT_RIDGE``)
    samples : (C, S) sample indices of the digits (``class_samples(S, seed)``, the digits of
        ``spectral_accuracy``)
    predictions : (C, S, C) GP outputs at the angle-0 image of orbit i of class c (all S of
        class c left out together, predicted from the other M·N − S points); column d is the
        one-hot target of ``classes[d]``
    predicted : (C, S) the digit class ``classes[argmax]`` of each prediction
    correct : (C, S) bool, ``predicted == classes[c]``
    per_class : (C,) fraction of the left-out images of each class classified correctly
    accuracy : mean of ``per_class``
    wall_time : seconds the computation took (a cached call returns the same result)
    timings : read-only mapping ``{"kernel", "solve", "leave-out"}`` → seconds. Block path:
        "kernel" = the first block row, "solve" = the N/2+1 frequency-block factorisations and
        the dual weights, "leave-out" = the C leave-outs on those factors. Dense path:
        "kernel" = the full Gram, "solve" = one Cholesky and every leave-out, "leave-out" = 0.
        The circularised path adds the block factorisation to "solve".
    circulant_deviation : ``‖K − K̃‖_F/‖K‖_F`` on the circularised path, else None
    prediction_difference : max ``|ŷ_block(K̃) − ŷ_dense(K)|`` on the circularised path, else
        None
    """

    classes: tuple[int, ...]
    seeds_per_class: int
    N: int
    action: str
    architecture: str
    kind: str
    seed: int
    solver: str
    circularized: bool
    resolution: int
    canvas_width: int
    points: int
    ridge: float
    samples: np.ndarray
    predictions: np.ndarray
    predicted: np.ndarray
    correct: np.ndarray
    per_class: np.ndarray
    accuracy: float
    wall_time: float
    timings: types.MappingProxyType = dataclasses.field(repr=False)
    circulant_deviation: float | None = None
    prediction_difference: float | None = None

    def of_class(self, label: int) -> float:
        """The accuracy of leave-out class ``label`` (a digit in ``classes``)."""
        check_choice("label", label, self.classes)
        return float(self.per_class[self.classes.index(label)])


def _block_row(kernel: Callable, X0: np.ndarray, N: int, action: str, tick) -> np.ndarray:
    """``C_d = K(X_0, X_d)`` ``(N, M, M)`` in a few kernel calls of equal shape (a divisor of N
    elements each): ``block_circulant.first_block_row`` split for memory and progress."""
    M = X0.shape[0]
    per_call = _chunking(M, N)
    C = np.empty((N, M, M))
    for start in range(0, N, per_call):
        elements = range(start, start + per_call)
        block = kernel(X0, np.concatenate([_act(X0, d, N, action) for d in elements]))
        C[start:start + per_call] = np.asarray(block, dtype=np.float64).reshape(
            M, per_call, M).transpose(1, 0, 2)
        tick()
    if not np.all(np.isfinite(C)):
        raise ValueError("the kernel returned NaN or infinite entries")
    return C


def _angle0_leave_outs(bc: block_circulant.BlockCirculantKernel, Y: np.ndarray, sets,
                       ridge: float, tick) -> list[np.ndarray]:
    """``block_circulant.leave_out_predictions(bc, Y, S, ridge, relative=False)`` for every S
    of ``sets``, when all of them are angle-0 points (indices < M), sharing the work.

    The identity ``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹[A⁻¹Y]_S`` needs ``[A⁻¹Y]_S`` (one solve with the C
    target columns) and the diagonal blocks of ``D_0 = [A⁻¹]_{(0,·),(0,·)} = (1/N) Σ_f
    (K̂_f + λI)⁻¹``. With the Cholesky factor ``K̂_f + λI = L Lᴴ`` (the one ``bc.solve``
    cached), ``[(K̂_f + λI)⁻¹]_SS = WᴴW`` with ``W = L⁻¹E_S``; E_S is zero above its first row,
    so W is one triangular solve on the trailing part of L: about M³/3 per frequency for all
    sets together, instead of a full solve with ``C + |S|`` right-hand sides per set.
    """
    N, M = bc.N, bc.M
    solved = bc.solve(Y, ridge, relative=False)[:M]  # [A⁻¹Y] at the angle-0 points
    factor = bc._factor(ridge)  # cached by the solve above
    half = len(factor.cholesky)
    weights = np.full(half, 2.0)
    weights[0] = 1.0
    if N % 2 == 0:
        weights[-1] = 1.0  # f = N/2 is its own conjugate
    blocks = [np.zeros((S.size, S.size)) for S in sets]
    for f in range(half):
        if factor.cholesky[f] is not None:
            L = np.tril(factor.cholesky[f][0])
            for k, S in enumerate(sets):
                lo = int(S.min())
                E = np.zeros((M - lo, S.size))
                E[S - lo, np.arange(S.size)] = 1.0
                W = scipy.linalg.solve_triangular(L[lo:, lo:], E, lower=True, check_finite=False)
                # Re(WᴴW) = Wrᵀ Wr + Wiᵀ Wi: one real product on interleaved (re, im) columns
                R = np.ascontiguousarray(W.T).view(np.float64)
                blocks[k] += weights[f] * (R @ R.T)
        else:  # singular block: its Hermitian pseudo-inverse, as bc.solve uses
            for k, S in enumerate(sets):
                blocks[k] += weights[f] * factor.pinv[f][np.ix_(S, S)].real
    out = []
    for S, block in zip(sets, blocks):
        block = 0.5 * (block + block.T) / N
        try:
            correction = scipy.linalg.solve(block, solved[S], assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            correction = np.linalg.pinv(block, hermitian=True) @ solved[S]
        out.append(Y[S] - correction)
        tick()
    return out


def _chunking(M: int, N: int) -> int:
    """Elements per kernel call of the block path: the smallest divisor of N with at least
    ``_CHUNK_ENTRIES`` kernel entries per call (equal shapes: JAX compiles once)."""
    return next(e for e in range(1, N + 1) if N % e == 0 and (e * M * M >= _CHUNK_ENTRIES
                                                             or e == N))


def _compute_exact(classes, S, N, action, key, kind, seed, solver, progress) -> ExactAccuracy:
    """The uncached work of ``exact_accuracy`` on validated arguments."""
    start = time.perf_counter()
    C, M = len(classes), len(classes) * S
    raw = _seed_images(classes, S, seed, key, N, action)
    kernel = _kernel_function(key, kind, action, N)
    # element-major one-hot targets: point g·M + m has the class of orbit m = c·S + i
    Y = np.tile(np.repeat(np.eye(C), S, axis=0), (N, 1))
    sets = [block_circulant.point_index(0, c * S + np.arange(S), M) for c in range(C)]
    exact = action in ("shift", "rot90")
    if solver == "block" and exact:
        total = N // _chunking(M, N) + 1 + C
    else:
        total = 2 + C + (1 if solver == "block" else 0)
    done = [0]

    def tick():
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    timings = {}
    deviation = difference = dense = None
    t0 = time.perf_counter()
    if solver == "block" and exact:
        X0 = datasets.normalize(raw)
        bc = block_circulant.BlockCirculantKernel(_block_row(kernel, X0, N, action, tick))
        timings["kernel"] = time.perf_counter() - t0
        ridge = bc.ridge_shift(gp.DEFAULT_RIDGE)
    else:
        K = np.asarray(kernel(_points(raw, N, action)), dtype=np.float64)
        timings["kernel"] = time.perf_counter() - t0
        tick()
        ridge = gp.DEFAULT_RIDGE * float(np.trace(K))
        t0 = time.perf_counter()
        dense = _dense_leave_outs(K, Y, sets, ridge)
        timings["solve"] = time.perf_counter() - t0
        tick()
        if solver == "block":  # interpolated action: the block path on the circularised Gram
            deviation = block_circulant.block_circulant_deviation(K, M, N)
            bc = block_circulant.BlockCirculantKernel(block_circulant.block_row_average(K, M, N))
        del K
    if solver == "block":
        t0 = time.perf_counter()
        bc.solve(Y, ridge, relative=False)  # factorises the N/2+1 blocks once (cached per ridge)
        timings["solve"] = timings.get("solve", 0.0) + time.perf_counter() - t0
        tick()
        t0 = time.perf_counter()
        predictions = _angle0_leave_outs(bc, Y, sets, ridge, tick)
        timings["leave-out"] = time.perf_counter() - t0
        if dense is not None:
            difference = max(float(np.abs(a - b).max()) for a, b in zip(predictions, dense))
    else:
        predictions = dense
        timings["leave-out"] = 0.0  # inside "solve": one factorisation serves every class
        for _ in range(C):
            tick()
    predictions = np.stack(predictions)  # (C, S, C)
    predicted = np.asarray(classes)[predictions.argmax(axis=2)]
    correct = predicted == np.asarray(classes)[:, None]
    per_class = correct.mean(axis=1)
    resolution = architectures.architecture(key).resolution
    return ExactAccuracy(
        classes=classes, seeds_per_class=S, N=N, action=action, architecture=key, kind=kind,
        seed=seed, solver=solver, circularized=deviation is not None, resolution=resolution,
        canvas_width=canvas_width(resolution, N, action), points=M * N, ridge=float(ridge),
        samples=_frozen(_samples(S, seed)[list(classes)], np.int64),
        predictions=_frozen(predictions), predicted=_frozen(predicted, np.int64),
        correct=_frozen(correct, bool), per_class=_frozen(per_class),
        accuracy=float(per_class.mean()), wall_time=time.perf_counter() - start,
        timings=types.MappingProxyType(timings), circulant_deviation=deviation,
        prediction_difference=difference)


# The progress callback of the call in flight: not part of the cache key.
_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("exact_accuracy_progress",
                                                           default=None)


# A result is small (predictions (C, S, C)); the block row and Gram matrix are not kept.
@functools.lru_cache(maxsize=16)
def _exact_accuracy(classes, S, N, action, key, kind, seed, solver) -> ExactAccuracy:
    return _compute_exact(classes, S, N, action, key, kind, seed, solver, _PROGRESS.get())


def _exact_setting(seeds_per_class, N, action, architecture, kind, classes, seed, solver):
    classes = _check_classes(classes)
    S = _check_seeds("seeds_per_class", seeds_per_class)
    seed = check_int("seed", seed, minimum=0)
    key = check_choice("architecture", architecture, tuple(architectures.ARCHITECTURES))
    check_choice("action", action, datasets.ACTIONS)
    check_choice("kind", kind, architectures.KINDS)
    N = _exact_N(N, action, key)
    solver = _resolve_solver(solver, action)
    points = len(classes) * S * N
    if (solver == "dense" or action == "rotate") and points > MAX_DENSE_POINTS:
        why = ("solver='dense'" if solver == "dense" else
               "solver='block' on interpolated rotations (block-circularises the dense Gram)")
        raise ValueError(
            f"{why} needs the dense Gram matrix of all {points} points "
            f"({8 * points**2 / 2**30:.1f} GiB); allowed up to {MAX_DENSE_POINTS} points: lower "
            "seeds_per_class or N, or use solver='block' with an exact action (shift, rot90)")
    return classes, S, N, action, key, kind, seed, solver


def exact_accuracy(seeds_per_class: int = 3, N: int = 8, action: str = "shift",
                   architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                   seed: int = 0, solver: str = "auto",
                   progress: Callable[[int, int], None] | None = None) -> ExactAccuracy:
    """Exact GP one-versus-many accuracy: each class's angle-0 images left out together and
    classified by GP regression on every other point (docs/theory.md#exact-classification).

    Dataset: the digits of ``class_samples(S, seed)`` (those of ``spectral_accuracy``), each
    expanded to its whole orbit of N images at the architecture's resolution R (the seed is
    pooled to R, centred and put on the unit sphere, docs/theory.md#image-orbits; an exact action
    permutes pixels, so every element is normalised too). Shifts need N to divide the width: for
    other N (e.g. 8, 16, 32 on 28-pixel digits) the digit is first zero-padded symmetrically
    left and right (one column more on the right if the padding is odd) to the smallest canvas
    width ≥ R that N divides (28 → 32) and normalised on that canvas, then shifted by
    ``width/N`` pixels per element (``result.canvas_width``). M = C·S orbits, M·N points,
    element-major (``block_circulant.point_index``).

    Targets: C one-hot columns (a ±1 one-versus-rest coding gives the same argmax: it is
    ``2·onehot − 1`` and the posterior mean is linear in the targets, so every column moves by
    the same amount). For each leave-out class c, the angle-0 images of its S orbits are left
    out together and predicted from all other points by the exact identity of
    ``block_circulant.leave_out_predictions``, ``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹[A⁻¹Y]_S`` with
    ``A = K + λI`` and the absolute ridge ``λ = ρ·tr(K)`` of the full matrix
    (ρ = ``gp.DEFAULT_RIDGE``); a prediction's class is the argmax over the C outputs. The
    accuracy of c is the fraction of its S images predicted as c; ``accuracy`` is their mean.

    Parameters
    ----------
    seeds_per_class : S ≥ 1 orbits per class
    N : orbit size: ``"rot90"`` 2 or 4; ``"rotate"`` 2..64; ``"shift"`` 2..64 (padded as above)
    action : ``"shift"`` | ``"rot90"`` | ``"rotate"``
    architecture : a key of ``architectures.ARCHITECTURES``;  kind : ``"ntk"`` | ``"nngp"``
    classes : at least two different digit classes (default all ten);  seed : which digits
    solver : ``"block"``: the block-circulant solver (``BlockCirculantKernel``) on the first
        block row ``K(X_0, X_d)`` only (M × MN kernel entries, never the dense Gram), exact
        for the exact actions, whose kernels are invariant under the action on both inputs;
        for ``"rotate"`` (interpolated, not exact) it runs on the block-circularised dense
        Gram ``K̃`` (``block_row_average``) and records ``circulant_deviation`` and
        ``prediction_difference`` against the dense solve on K.
        ``"dense"``: the full M·N × M·N Gram and a dense Cholesky. ``"auto"``: block for
        shift and rot90, dense for rotate. Dense Grams are limited to ``MAX_DENSE_POINTS``.
    progress : ``progress(done, total)`` after each kernel chunk, the factorisation and each
        leave-out class; a cached result calls ``progress(1, 1)`` once

    Returns
    -------
    ExactAccuracy (cached on the validated arguments; ``progress`` is not part of the key)

    Cost of the block path: O(M²N) kernel entries, O(N M³) for the factorisations and the
    leave-outs, memory O(N M²) (the first block row). 10 classes × 100 seeds × 32 shifts
    (32,000 points, MLP NTK) took 9–10 s on this machine's 2 shared cores with
    ``OPENBLAS_NUM_THREADS=1`` and ~30 s with the default BLAS threads while other processes
    loaded the cores (``benchmarks/results_block_circulant.md``); peak RSS ~1.2 GB.
    """
    setting = _exact_setting(seeds_per_class, N, action, architecture, kind, classes, seed,
                             solver)
    progress = _check_progress(progress)
    calls = [0]

    def counting(done, total):
        calls[0] += 1
        if progress is not None:
            progress(done, total)

    token = _PROGRESS.set(counting)
    try:
        result = _exact_accuracy(*setting)
    finally:
        _PROGRESS.reset(token)
    if progress is not None and calls[0] == 0:
        progress(1, 1)
    return result


@dataclasses.dataclass(frozen=True)
class ExactAccuracyCurve:
    """``exact_accuracy`` against N.

    Attributes
    ----------
    Ns : the orbit sizes;  classes : the digit classes;  solver : the solver that ran
    per_class : (len(Ns), C) accuracy of each leave-out class;  accuracy : (len(Ns),) their mean
    wall_time : (len(Ns),) seconds of each computation
    results : the ``ExactAccuracy`` of each N
    """

    Ns: tuple[int, ...]
    classes: tuple[int, ...]
    solver: str
    per_class: np.ndarray
    accuracy: np.ndarray
    wall_time: np.ndarray
    results: tuple[ExactAccuracy, ...] = dataclasses.field(repr=False)


def exact_accuracy_vs_N(Ns=(4, 8, 16, 32), seeds_per_class: int = 3, action: str = "shift",
                        architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                        seed: int = 0, solver: str = "auto",
                        progress: Callable[[int, int], None] | None = None
                        ) -> ExactAccuracyCurve:
    """``exact_accuracy`` for each N of ``Ns`` (the same digits at every N); ``progress(done,
    total)`` is called after each N."""
    if isinstance(Ns, (int, np.integer)):
        Ns = (Ns,)
    Ns = tuple(Ns)
    if not Ns:
        raise ValueError("Ns must hold at least one orbit size N, got an empty sequence")
    settings = [_exact_setting(seeds_per_class, N, action, architecture, kind, classes, seed,
                               solver) for N in Ns]
    Ns = tuple(s[2] for s in settings)
    if len(set(Ns)) != len(Ns):
        raise ValueError(f"Ns must not repeat, got {Ns}")
    progress = _check_progress(progress)
    results = []
    for n, setting in enumerate(settings):
        results.append(_exact_accuracy(*setting))
        if progress is not None:
            progress(n + 1, len(Ns))
    return ExactAccuracyCurve(
        Ns=Ns, classes=settings[0][0], solver=settings[0][7],
        per_class=_frozen([r.per_class for r in results]),
        accuracy=_frozen([r.accuracy for r in results]),
        wall_time=_frozen([r.wall_time for r in results]), results=tuple(results))

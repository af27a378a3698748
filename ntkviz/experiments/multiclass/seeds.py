"""Several seeds per class (Fig. 6A of arXiv 2412.11521; docs/theory.md#pair-averaged-spectral-error):
the pair-averaged spectral error of two classes against the exact error of the whole dataset."""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from ... import gp
from ..._validate import check_choice, check_int
from .._common import check_progress, frozen
from ..survey import pearson
from .data import PARAMS, checked_N, checked_Ns, checked_ridge, gram, pair_error, samples

__all__ = ["SeedsTrial", "SeedsAgreement", "seeds_trial", "seeds_agreement"]


@dataclasses.dataclass(frozen=True)
class SeedsTrial:
    """Two classes with S orbits each: pair-averaged spectral against exact error (Fig. 6A).

    Arrays are read-only.

    Attributes
    ----------
    class_a, class_b, seeds, N, seed : int
        The setting (S = seeds).
    action, architecture, kind : str
        The setting.
    samples_a, samples_b : ndarray of shape (S,)
        Sample indices of the digits (``digits.digit(class, sample)``).
    eps_pairs : ndarray of shape (S, S)
        ``ε`` of ``K̃`` for the pair (orbit i of A first, orbit j of B).
    eps_spectral : float
        Mean of ``eps_pairs`` (the pair-averaged spectral error).
    predictions_a : ndarray of shape (S,)
        Exact GP predictions at the angle-0 images of A's orbits, all S left out at once and
        predicted from the other 2SN − S points (label +1).
    predictions_b : ndarray of shape (S,)
        The same for B's orbits (label −1).
    error_a, error_b : float
        Mean ``|ŷ − 1|`` over ``predictions_a``, mean ``|ŷ + 1|`` over ``predictions_b``.
    eps_exact : float
        ``(error_a + error_b) / 2``.
    signed_error_a, signed_error_b : float
        ``1 − mean ŷ_A`` and ``1 + mean ŷ_B`` (no absolute value: negative when the mean
        prediction overshoots its label, Fig. 6A's code).
    eps_exact_signed : float
        ``(signed_error_a + signed_error_b) / 2``.
    order : int
        Rotation spline order.
    ridge : float
        The exact solves' ridge (``ρ·tr(K_train)`` if ``relative_ridge`` else ``ρ``).
    relative_ridge : bool
        Whether the exact solves' ridge is ``ρ·tr(K_train)`` (else ``ρ``).
    spectral_ridge : float or None
        Eq. 7's ridge convention.
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


def _leave_out(G: np.ndarray, y: np.ndarray, test: np.ndarray, ridge: float,
               relative: bool) -> np.ndarray:
    """GP posterior means at ``test`` from every other row (``gp.posterior``: ridge
    ``ρ·tr(K_train)`` if ``relative`` else ``ρ``)."""
    train = np.setdiff1d(np.arange(G.shape[0]), test)
    return gp.posterior(G, y[train], train, test, ridge=ridge, relative=relative).mean


@functools.lru_cache(maxsize=256)
def trial(class_a, class_b, seeds, N, action, key, kind, seed, order=1,
          ridge=gp.DEFAULT_RIDGE, relative=True, spectral_ridge=None) -> SeedsTrial:
    """``seeds_trial`` on clean values (cached)."""
    rows = samples(seeds, seed)
    samples_a, samples_b = rows[class_a], rows[class_b]
    digits = (tuple((class_a, int(s)) for s in samples_a)
              + tuple((class_b, int(s)) for s in samples_b))
    G = gram(digits, N, action, key, kind, order)
    eps = np.array([[pair_error(G, i, seeds + j, N, spectral_ridge) for j in range(seeds)]
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
        kind=kind, seed=seed, samples_a=frozen(samples_a, np.int64),
        samples_b=frozen(samples_b, np.int64), eps_pairs=frozen(eps),
        eps_spectral=float(eps.mean()), predictions_a=frozen(pred_a),
        predictions_b=frozen(pred_b),
        error_a=error_a, error_b=error_b, eps_exact=0.5 * (error_a + error_b),
        signed_error_a=signed_a, signed_error_b=signed_b,
        eps_exact_signed=0.5 * (signed_a + signed_b), order=order, ridge=ridge,
        relative_ridge=relative, spectral_ridge=spectral_ridge)


@PARAMS.validated
def seeds_trial(class_a: int, class_b: int, seeds: int = 3, N: int = 8, action: str = "rotate",
                architecture: str = "mlp1", kind: str = "ntk", seed: int = 0, *,
                order: int = 1, ridge: float = gp.DEFAULT_RIDGE, relative_ridge: bool = True,
                spectral_ridge: float | None = None) -> SeedsTrial:
    """Pair-averaged spectral error and exact multi-seed error of two classes (Fig. 6A;
    docs/theory.md#pair-averaged-spectral-error).

    One kernel call over the 2·S·N images; cached on the validated arguments.

    Parameters
    ----------
    class_a, class_b : int
        Two different digit classes 0..9.
    seeds : int
        S ≥ 1 digits (orbits) per class, chosen by ``class_samples(seeds, seed)``.
    N : int
        Orbit size (``digit_orbits.allowed_N(action, architecture)``).
    action : str
        ``"rotate"`` | ``"rot90"`` | ``"shift"``.
    architecture : str
        A key of ``architectures.ARCHITECTURES``.
    kind : str
        ``"ntk"`` | ``"nngp"``.
    seed : int
        Which digits (≥ 0).
    order : int
        Spline order of ``"rotate"`` (``datasets.ORDERS``; 3 is the paper's cubic).
    ridge : float
        ρ of the exact solves' ridge, ``ρ·tr(K_train)`` (default) or the absolute ``ρ``
        (Fig. 6A's code: 1e-10).
    relative_ridge : bool
        True for ``ρ·tr(K_train)`` (default), False for the absolute ``ρ`` (Fig. 6A's code).
    spectral_ridge : float or None
        None (``orbits``' ridge convention) or ρ' for ``σ² = ρ'·tr(K̃)`` on every
        pair's Eq. 7 (the paper's code: 1e-5).

    Examples
    --------
    Two 3s against two 8s, eight rotations each:

    >>> from ntkviz.experiments import multiclass, orbits
    >>> trial = multiclass.seeds_trial(3, 8, seeds=2, N=8)
    >>> trial.eps_pairs.shape, trial.predictions_a.shape
    ((2, 2), (2,))
    >>> print(f"pair-averaged ε = {trial.eps_spectral:.3f}, exact error = {trial.eps_exact:.3f}")
    pair-averaged ε = 1.216, exact error = 1.203

    With one seed per class it is the orbit pair of ``orbits.orbit_pair_state``:

    >>> one = multiclass.seeds_trial(3, 8, seeds=1, N=8)
    >>> pair = orbits.orbit_pair_state((3, int(one.samples_a[0])), (8, int(one.samples_b[0])))
    >>> bool(np.isclose(one.eps_spectral, pair.eps_spectral)
    ...      and np.isclose(one.eps_exact, pair.eps_exact))
    True
    """
    if class_a == class_b:
        raise ValueError(f"class_a and class_b must be two different classes, got both {class_a}")
    return trial(class_a, class_b, seeds, checked_N(N, action, architecture), action,
                 architecture, kind, seed, order, ridge, relative_ridge,
                 checked_ridge("spectral_ridge", spectral_ridge))


@dataclasses.dataclass(frozen=True)
class SeedsAgreement:
    """Pair-averaged spectral against exact error over random class pairs, per N (Fig. 6A).

    Arrays are read-only; axis 0 of the per-trial arrays runs over ``Ns``.

    Attributes
    ----------
    n_trials, seeds, seed : int
        The setting.
    Ns : tuple of int
        The setting.
    action, architecture, kind : str
        The setting.
    class_a, class_b : ndarray of shape (n_trials,)
        The two classes of each trial (class A first).
    trial_seeds : ndarray of shape (n_trials,)
        The digit seed of each trial (``seeds_trial(..., seed=...)``; the same digits at
        every N).
    eps_spectral, eps_exact : ndarray of shape (len(Ns), n_trials)
        The two errors of each trial.
    correlation : ndarray of shape (len(Ns),)
        Pearson correlation across trials (NaN when either is constant).
    mean_abs_difference : ndarray of shape (len(Ns),)
        Mean ``|spectral − exact|`` across trials.
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
        n = self.Ns.index(check_choice("N", N, self.Ns))
        return {"eps_spectral": self.eps_spectral[n], "eps_exact": self.eps_exact[n],
                "correlation": float(self.correlation[n]),
                "mean_abs_difference": float(self.mean_abs_difference[n])}

    def trial(self, index: int, N: int) -> SeedsTrial:
        """The full ``SeedsTrial`` of trial ``index`` at ``N`` (cached, or recomputed)."""
        index = check_int("index", index, minimum=0, maximum=self.n_trials - 1)
        return trial(int(self.class_a[index]), int(self.class_b[index]), self.seeds,
                     check_choice("N", N, self.Ns), self.action, self.architecture, self.kind,
                     int(self.trial_seeds[index]))


def _trial_plan(n_trials: int, seed: int) -> np.ndarray:
    """(n_trials, 3): class A, class B, digit seed; a longer plan starts with the shorter."""
    rng = np.random.default_rng(seed)
    plan = []
    for _ in range(n_trials):
        a, b = (int(c) for c in rng.choice(10, size=2, replace=False))
        plan.append((a, b, int(rng.integers(2**31))))
    return np.array(plan, dtype=np.int64).reshape(n_trials, 3)


@PARAMS.validated
def seeds_agreement(n_trials: int = 8, seeds: int = 3, Ns=(4, 8, 16, 32), action: str = "rotate",
                    architecture: str = "mlp1", kind: str = "ntk", seed: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> SeedsAgreement:
    """``seeds_trial`` over ``n_trials`` random class pairs for each N of ``Ns`` (Fig. 6A).

    Trial t draws two different classes and a digit seed from ``numpy.random.default_rng(seed)``
    (reproducible; a longer run starts with the trials of a shorter one); the same digits are
    used at every N. ``progress(done, total)`` is called after each (trial, N), total =
    ``n_trials·len(Ns)``.

    Examples
    --------
    Four random class pairs, two seeds per class, at N = 4 and 8:

    >>> from ntkviz.experiments import multiclass
    >>> agreement = multiclass.seeds_agreement(n_trials=4, seeds=2, Ns=(4, 8))
    >>> agreement.class_a.tolist(), agreement.class_b.tolist()
    ([7, 0, 1, 4], [6, 2, 8, 6])
    >>> agreement.eps_spectral.shape
    (2, 4)
    >>> print([f"{c:.2f}" for c in agreement.correlation])
    ['0.97', '0.85']
    """
    Ns = checked_Ns(Ns, action, architecture)
    progress = check_progress(progress, allow_bar=False)
    plan = _trial_plan(n_trials, seed)
    spectral_err = np.empty((len(Ns), n_trials))
    exact_err = np.empty((len(Ns), n_trials))
    total, done = len(Ns) * n_trials, 0
    for n, N in enumerate(Ns):
        for t, (a, b, s) in enumerate(plan):
            result = trial(int(a), int(b), seeds, N, action, architecture, kind, int(s))
            spectral_err[n, t], exact_err[n, t] = result.eps_spectral, result.eps_exact
            done += 1
            if progress is not None:
                progress(done, total)
    return SeedsAgreement(
        n_trials=n_trials, seeds=seeds, Ns=Ns, action=action, architecture=architecture,
        kind=kind, seed=seed,
        class_a=frozen(plan[:, 0], np.int64), class_b=frozen(plan[:, 1], np.int64),
        trial_seeds=frozen(plan[:, 2], np.int64),
        eps_spectral=frozen(spectral_err), eps_exact=frozen(exact_err),
        correlation=frozen([pearson(s, e) for s, e in zip(spectral_err, exact_err)]),
        mean_abs_difference=frozen(np.mean(np.abs(spectral_err - exact_err), axis=1)))

"""Statistics of the claims report: a value with its 95% bootstrap interval.

Every interval is a percentile bootstrap over the experiment's independent units (digit pairs,
trials, seeds, leave-out classes), resampled with replacement ``n_boot`` times from a fixed
seed, so a report recomputed from the same JSON gives the same intervals. Paired statistics
(a correlation, a difference) resample the pairs jointly.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

__all__ = ["Interval", "bootstrap", "pearson", "pearson_r", "mean", "mean_difference",
           "loglog_slope"]

N_BOOT = 2000
LEVEL = 0.95


@dataclasses.dataclass(frozen=True)
class Interval:
    """A statistic and its ``level`` bootstrap interval ``[low, high]`` over ``n`` units."""

    value: float
    low: float
    high: float
    n: int
    level: float = LEVEL

    def text(self, digits: int = 2) -> str:
        """``0.76 [0.72, 0.79]``: the value and its interval, ``digits`` decimals."""
        if not math.isfinite(self.value):
            return "undefined"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def above(self, threshold: float = 0.0) -> bool:
        """The whole interval lies above ``threshold``."""
        return bool(self.low > threshold)

    def below(self, threshold: float = 0.0) -> bool:
        """The whole interval lies below ``threshold``."""
        return bool(self.high < threshold)

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


def bootstrap(statistic: Callable[..., float], *samples, n_boot: int = N_BOOT, seed: int = 0,
              level: float = LEVEL, vectorized: bool = False) -> Interval:
    """``statistic(*samples)`` and its percentile bootstrap interval.

    ``samples`` are arrays sharing their first axis (the units); each replicate resamples the
    units with replacement, the same indices for every array. Replicates whose statistic is not
    finite (e.g. a correlation of constant values) are dropped. ``vectorized``: ``statistic``
    also takes arrays with a leading axis of replicates and returns one value per replicate,
    so many replicates are computed in one call.
    """
    arrays = [np.asarray(s, dtype=float) for s in samples]
    n = len(arrays[0])
    if n == 0 or any(len(a) != n for a in arrays):
        raise ValueError(f"samples must share a non-empty first axis, got lengths "
                         f"{[len(a) for a in arrays]}")
    value = float(statistic(*arrays))
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    if vectorized:   # blocks of replicates of at most ~2**22 values per array
        step = max(1, 2**22 // max(a.size for a in arrays))
        replicates = np.concatenate([
            np.asarray(statistic(*(a[draws[i:i + step]] for a in arrays)), dtype=float).ravel()
            for i in range(0, n_boot, step)])
    else:
        replicates = np.array([statistic(*(a[idx] for a in arrays)) for idx in draws],
                              dtype=float)
    replicates = replicates[np.isfinite(replicates)]
    if not math.isfinite(value) or replicates.size == 0:
        return Interval(value, math.nan, math.nan, n, level)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return Interval(value, float(low), float(high), n, level)


def pearson_r(x: np.ndarray, y: np.ndarray):
    """Pearson r of ``x`` and ``y`` along their last axis (NaN where either is constant)."""
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    norm = np.sqrt((x * x).sum(axis=-1) * (y * y).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, (x * y).sum(axis=-1) / norm, np.nan)


def pearson(x, y, **kwargs) -> Interval:
    """Pearson correlation of paired values, units = pairs."""
    return bootstrap(pearson_r, x, y, vectorized=True, **kwargs)


def mean(x, **kwargs) -> Interval:
    """Mean of independent values."""
    return bootstrap(lambda a: a.mean(axis=-1), x, vectorized=True, **kwargs)


def mean_difference(x, y, **kwargs) -> Interval:
    """Mean of ``x − y`` over paired units."""
    return bootstrap(lambda a, b: (a - b).mean(axis=-1), x, y, vectorized=True, **kwargs)


def loglog_slope(widths, errors, **kwargs) -> Interval:
    """Slope of ``log(mean error)`` against ``log(width)``; ``errors`` is (seeds, widths) and
    the units resampled are the seeds (each replicate averages its seeds per width first)."""
    logw = np.log(np.asarray(widths, dtype=float))

    def slope(e: np.ndarray) -> float:
        return float(np.polyfit(logw, np.log(e.mean(axis=0)), 1)[0])

    return bootstrap(slope, np.asarray(errors, dtype=float), **kwargs)

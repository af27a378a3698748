"""Bootstrap intervals of the claims report (ntkviz.reproduction.stats)."""

import numpy as np
import pytest

from ntkviz.reproduction import stats


def test_pearson_interval_is_deterministic_and_covers_the_value():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(200)
    y = 0.7 * x + 0.5 * rng.standard_normal(200)
    first, again = stats.pearson(x, y), stats.pearson(x, y)
    assert first == again
    assert first.value == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)
    assert first.low < first.value < first.high and first.above(0.5)
    assert first.text() == f"{first.value:.2f} [{first.low:.2f}, {first.high:.2f}]"


def test_interval_shrinks_with_more_units():
    rng = np.random.default_rng(0)
    small, large = (stats.mean(rng.standard_normal(n)) for n in (20, 2000))
    assert large.high - large.low < (small.high - small.low) / 4


def test_loglog_slope_of_a_power_law_over_seeds():
    widths = np.array([16, 64, 256, 1024])
    rng = np.random.default_rng(1)
    errors = widths**-0.5 * np.exp(0.05 * rng.standard_normal((30, widths.size)))
    slope = stats.loglog_slope(widths, errors)
    assert slope.low < -0.5 < slope.high and slope.below(0)


def test_paired_difference_and_undefined_statistics():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 2.0, 3.0])
    assert stats.mean_difference(a, b).text() == "1.00 [1.00, 1.00]"
    constant = stats.pearson(np.ones(5), np.arange(5.0))
    assert constant.text() == "undefined" and not constant.above(0)
    with pytest.raises(ValueError, match="share a non-empty first axis"):
        stats.pearson([1.0, 2.0], [1.0])


@pytest.mark.parametrize("n_boot", [2000, 37])
def test_vectorized_statistics_give_the_intervals_of_one_call_per_replicate(n_boot):
    """The vectorized path (all replicates per call, in blocks) against a loop over replicates
    with numpy's own statistics, the same resampled indices (3000 units: two blocks)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(3000)
    y = 0.4 * x + rng.standard_normal(3000)
    pairs = [(stats.pearson(x, y, n_boot=n_boot),
              stats.bootstrap(lambda a, b: np.corrcoef(a, b)[0, 1], x, y, n_boot=n_boot)),
             (stats.mean(x, n_boot=n_boot), stats.bootstrap(np.mean, x, n_boot=n_boot)),
             (stats.mean_difference(x, y, n_boot=n_boot),
              stats.bootstrap(lambda a, b: np.mean(a - b), x, y, n_boot=n_boot))]
    for fast, loop in pairs:
        for field in ("value", "low", "high"):
            assert getattr(fast, field) == pytest.approx(getattr(loop, field), abs=1e-12)

"""Pair survey: reproducible from its seed, per-pair numbers equal single states, summaries
against numpy."""

import numpy as np
import pytest

from ntkviz.experiments import digit_orbits, digits, orbits, survey


@pytest.fixture(scope="module")
def result():
    return survey.pair_survey("mlp1", "rotate", 6, n_pairs=24, seed=3)


def test_reproducible_from_the_seed(result):
    survey.pair_survey.cache_clear()
    again = survey.pair_survey("mlp1", "rotate", 6, n_pairs=24, seed=3)  # recomputed
    assert again is not result and not survey.pair_survey.cached("mlp1", "rotate", 6, "ntk", 24, 4)
    for name in ("label_a", "sample_a", "label_b", "sample_b", "eps_spectral", "eps_exact", "lam_N",
                 "mean_inverse", "separation_sq", "radius", "misclassified"):
        np.testing.assert_array_equal(getattr(again, name), getattr(result, name))
    other = survey.pair_survey("mlp1", "rotate", 6, n_pairs=24, seed=4)
    assert not np.array_equal(other.pairs, result.pairs)
    assert survey.pair_survey("mlp1", "rotate", 6, n_pairs=24, seed=3) is again  # cached
    assert survey.pair_survey.cached("mlp1", "rotate", 6, "ntk", 24, 3)


def test_pairs_and_per_pair_numbers_equal_single_states(result):
    pairs = digits.random_pairs(24, 3)
    assert [result.pair(i) for i in range(24)] == list(pairs)
    assert result.pairs.shape == (24, 4)
    assert np.all(result.label_a != result.label_b)
    for i in (0, 7, 23):
        s = orbits.orbit_pair_state(*pairs[i], "rotate", 6, "mlp1")
        assert result.eps_spectral[i] == s.eps_spectral
        assert result.eps_exact[i] == s.eps_exact
        assert result.lam_N[i] == s.lam_N and result.mean_inverse[i] == s.mean_inverse
        assert result.separation_sq[i] == s.separation_sq and result.radius[i] == s.radius
        assert result.misclassified[i] == (s.prediction_a <= 0 or s.prediction_b >= 0)


def test_summaries_against_numpy(result):
    assert result.correlation == pytest.approx(np.corrcoef(result.eps_spectral, result.eps_exact)[0, 1], rel=1e-12)
    assert result.correlation > 0.9  # Fig. 4B: the spectral error tracks the exact one
    assert result.mean_abs_difference == pytest.approx(np.mean(np.abs(result.eps_spectral - result.eps_exact)))
    wrong = (result.prediction_a <= 0) | (result.prediction_b >= 0)
    assert result.fraction_misclassified == pytest.approx(wrong.mean())
    np.testing.assert_array_equal(result.misclassified_spectral, result.eps_spectral >= 1)
    assert not result.eps_exact.flags.writeable


def test_survey_does_not_fill_the_explorer_caches():
    states = orbits.orbit_pair_state.cache_info().currsize
    orbits_before = digit_orbits.prepared_orbit.cache_info().currsize
    survey.pair_survey("mlp1", "rotate", 5, n_pairs=6, seed=21)
    assert orbits.orbit_pair_state.cache_info().currsize == states
    assert digit_orbits.prepared_orbit.cache_info().currsize == orbits_before


def test_pearson():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert survey.pearson(x, 2 * x + y) == pytest.approx(np.corrcoef(x, 2 * x + y)[0, 1], rel=1e-12)
    assert np.isnan(survey.pearson(np.zeros(5), x[:5]))


def test_progress_is_reported_in_order():
    calls = []
    r = survey.pair_survey("mlp1", "rot90", 4, n_pairs=5, seed=11, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(i, 5) for i in range(1, 6)]
    calls.clear()
    assert survey.pair_survey("mlp1", "rot90", 4, n_pairs=5, seed=11, progress=lambda d, t: calls.append((d, t))) is r
    assert calls == [(5, 5)]


def test_invariant_network_on_shift_orbits_is_always_right():
    r = survey.pair_survey("cnn_gap", "shift", 7, n_pairs=4, seed=0)
    np.testing.assert_array_equal(r.eps_spectral, 0.0)
    assert np.all(r.eps_exact < 1e-4) and r.fraction_misclassified == 0.0
    assert np.isnan(r.correlation)  # ε is constant: no correlation to measure
    assert np.all(np.isinf(r.mean_inverse))


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(n_pairs=1), ValueError, "n_pairs"), (dict(action="rot90", N=8), ValueError, "N=8"),
    (dict(progress=3), TypeError, "progress"), (dict(seed=-1), ValueError, "seed"),
    (dict(architecture="vit"), ValueError, "architecture")])
def test_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        survey.pair_survey(**kwargs)

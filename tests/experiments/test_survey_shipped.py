"""The survey shipped in ``data/results/survey.npz`` is the real ``pair_survey`` of its setting:
recomputed here and compared pair by pair; the file round-trips and refuses other settings."""

import numpy as np
import pytest

from ntkviz.experiments import survey

_INTEGERS = ("label_a", "sample_a", "label_b", "sample_b", "misclassified",
             "misclassified_spectral")
_REALS = ("eps_spectral", "eps_exact", "prediction_a", "prediction_b", "lam_N", "mean_inverse",
          "lam_N_bare", "mean_inverse_bare", "separation_sq", "radius", "circulant_deviation")


def test_the_shipped_survey_equals_a_recomputation():
    shipped = survey.shipped_result()
    assert shipped is not None, "run `ntkviz precompute --only survey`"
    setting = dict(survey.SHIPPED)
    assert {k: getattr(shipped, k) for k in setting} == setting
    fresh = survey.pair_survey(**setting)
    for name in _INTEGERS:
        np.testing.assert_array_equal(getattr(shipped, name), getattr(fresh, name), err_msg=name)
    for name in _REALS:
        # the same code on another machine's BLAS may differ in the last digits
        np.testing.assert_allclose(getattr(shipped, name), getattr(fresh, name), rtol=1e-9,
                                   atol=1e-300, err_msg=name)
    for name in ("correlation", "fraction_misclassified", "mean_abs_difference"):
        assert getattr(shipped, name) == pytest.approx(getattr(fresh, name), rel=1e-9), name


def test_a_saved_survey_round_trips(tmp_path):
    result = survey.pair_survey("mlp1", "rotate", 6, n_pairs=4, seed=2)
    loaded = survey.load_result(survey.save_result(result, tmp_path / "s.npz"))
    for name in (*_INTEGERS, *_REALS, "architecture", "action", "N", "kind", "seed", "n_pairs",
                 "order", "spectral_ridge", "correlation", "fraction_misclassified",
                 "mean_abs_difference"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(result, name), err_msg=name)
    assert not loaded.eps_exact.flags.writeable


def test_no_shipped_survey_for_another_setting():
    assert survey.shipped_result(N=12) is None
    assert survey.shipped_result(n_pairs=64) is None
    with pytest.raises(TypeError, match="SurveyResult"):
        survey.save_result("not a survey")

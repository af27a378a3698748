"""Hostile inputs for ntkviz.spectral."""

import numpy as np

from ntkviz import datasets
from ntkviz import spectral as S
from ntkviz.kernels import rbf

from ._support import Arr, Case, Real, Values, hostile_tests

X, _ = datasets.circle_pair(N=4, delta=1.0)
K = rbf(1.0)(X)
KC = S.circularize(K)
ROW = S.circulant_row(KC)
LAM = S.spectrum(KC)

MISSING = Values(((), [], None, "0", [0.5], [np.nan], [10**9], [-10**9], [2**63], [0, 0],
                  list(range(8)), [[0, 1]], [True], 1.5, np.array([1j]), [None]))

CASES = [
    Case(S.circulant, dict(row=ROW), dict(row=Arr(ROW))),
    Case(S.circularize, dict(K=K), dict(K=Arr(K))),
    Case(S.circulant_row, dict(K=KC), dict(K=Arr(KC))),
    Case(S.is_circulant, dict(K=KC), dict(K=Arr(KC), rtol=Real(minimum=0.0))),
    Case(S.spectrum, dict(Kc=KC), dict(Kc=Arr(KC), rtol=Real(minimum=0.0))),
    Case(S.inverse_spectrum, dict(lam=LAM, ridge=1e-10),
         dict(lam=Arr(LAM), ridge=Real(minimum=0.0)), allow_inf=True),
    Case(S.analyze, dict(Kc=KC), dict(Kc=Arr(KC), ridge=Real(minimum=0.0)), allow_inf=True,
         covers=(S.analyze, S.SpectralAnalysis)),
    Case(S.analyze_row, dict(row=ROW), dict(row=Arr(ROW), ridge=Real(minimum=0.0)), allow_inf=True),
    Case(S.spectral_error, dict(Kc=KC), dict(Kc=Arr(KC), ridge=Real(minimum=0.0), missing=MISSING)),
    Case(S.spectral_errors, dict(Kc=KC, missing=[0, 2]),
         dict(Kc=Arr(KC), ridge=Real(minimum=0.0), missing=MISSING)),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

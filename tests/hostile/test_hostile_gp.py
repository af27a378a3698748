"""Hostile inputs for ntkviz.gp."""

import numpy as np

from ntkviz import datasets, gp
from ntkviz.kernels import rbf

from ._support import Arr, Case, Int, Real, Values, hostile_tests

X, Y = datasets.circle_pair(N=4, delta=1.0)
K = rbf(1.0)(X)
INDICES = Values(((), None, "0", [0.5], [np.nan], [10**9], [-10**9], [2**63], [[0, 1]],
                  np.array([1j]), [None], 1.5, [True]))
RIDGE = Real(minimum=0.0)

CASES = [
    Case(gp.dual_weights, dict(K_train=K, y_train=Y),
         dict(K_train=Arr(K), y_train=Arr(Y), ridge=RIDGE)),
    Case(gp.posterior, dict(K=K, y_train=Y[1:], train=np.arange(1, 8), test=[0]),
         dict(K=Arr(K), y_train=Arr(Y[1:]), train=INDICES, test=INDICES, ridge=RIDGE),
         covers=(gp.posterior, gp.Posterior)),
    Case(gp.loo_prediction, dict(K=K, y=Y), dict(K=Arr(K), y=Arr(Y), index=Int(), ridge=RIDGE)),
    Case(gp.loo_error, dict(K=K, y=Y), dict(K=Arr(K), y=Arr(Y), index=Int(), ridge=RIDGE)),
    Case(gp.symmetrized_error, dict(K=K, y=Y), dict(K=Arr(K), y=Arr(Y), ridge=RIDGE)),
    Case(gp.conditioning, dict(K_train=K), dict(K_train=Arr(K), ridge=RIDGE),
         allow_inf=True),  # documented: κ = inf for a matrix singular to round-off
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

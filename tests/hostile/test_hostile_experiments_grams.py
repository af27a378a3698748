"""Hostile inputs for ntkviz.experiments.grams (no folder is set here: every call stops after
checking its arguments, so nothing is written)."""

import numpy as np

from ntkviz import datasets
from ntkviz.experiments import architectures as AR
from ntkviz.experiments import grams as G

from ._support import Arr, Case, Choice, Int, hostile_tests

X = np.random.default_rng(3).standard_normal((4, 14, 14))
K = X.reshape(4, -1) @ X.reshape(4, -1).T
ARGS = dict(architecture=Choice(tuple(AR.ARCHITECTURES)), kind=Choice(AR.KINDS),
            action=Choice(datasets.ACTIONS), N=Int(minimum=1), X=Arr(X))

CASES = [
    Case(G.folder),
    Case(G.code_digest),
    Case(G.prune),
    Case(G.load, dict(architecture="mlp1", kind="ntk", action="rotate", N=2, X=X), ARGS),
    Case(G.save, dict(architecture="mlp1", kind="ntk", action="rotate", N=2, X=X, K=K),
         dict(ARGS, K=Arr(K))),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

"""Hostile inputs for ntkviz.geometry."""


from ntkviz import datasets
from ntkviz import geometry as G

from ._support import Arr, Case, hostile_tests

X, _ = datasets.circle_pair(N=4, delta=1.0)
A, B = X[0::2], X[1::2]

CASES = [
    Case(G.orbit_separation_sq, dict(A=A, B=B), dict(A=Arr(A), B=Arr(B))),
    Case(G.orbit_radius, dict(A=A, B=B), dict(A=Arr(A), B=Arr(B))),
    Case(G.split_interleaved, dict(X=X), dict(X=Arr(X))),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

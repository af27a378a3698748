"""Hostile inputs for ntkviz.block_circulant."""

import numpy as np

from ntkviz import block_circulant as B
from ntkviz import datasets
from ntkviz.kernels import rbf

from ._support import Arr, Case, Fn, Int, Obj, Real, Values, hostile_tests

X, _ = datasets.circle_pair(N=4, delta=1.0)
ORBITS = np.stack([X[0::2], X[1::2]])  # (M=2, N=4, 3): rotation orbits, RBF is invariant
M, N = 2, 4
KERNEL = rbf(1.0)
K = KERNEL(B.element_major(ORBITS))
C = B.from_gram(K, M, N)
V = np.arange(M * N, dtype=float)
BC = B.BlockCirculantKernel(C)
INDICES = Values(((), None, "0", [0.5], [np.nan], [10**9], [-1], [2**63], [[0, 1]], [0, 0],
                  list(range(M * N)), np.array([1j]), [None], 1.5))
KERNEL_FN = Fn(returns=(lambda: np.full((M, M * N), np.nan), lambda: np.zeros((M, M)), None, "K",
                        lambda: np.full((M, M * N), np.inf), lambda: np.zeros((M, M * N), complex)))

CASES = [
    Case(B.element_major, dict(orbits=ORBITS), dict(orbits=Arr(ORBITS))),
    Case(B.point_index, dict(element=[0, 1], orbit=[1, 0], M=M),
         dict(element=INDICES, orbit=INDICES, M=Int(minimum=1))),
    Case(B.first_block_row, dict(kernel=KERNEL, orbits=ORBITS),
         dict(kernel=KERNEL_FN, orbits=Arr(ORBITS))),
    Case(B.from_gram, dict(K=K, M=M, N=N),
         dict(K=Arr(K), M=Int(minimum=1), N=Int(minimum=1), rtol=Real(minimum=0.0))),
    Case(B.block_circulant_deviation, dict(K=K, M=M, N=N),
         dict(K=Arr(K), M=Int(minimum=1), N=Int(minimum=1))),
    Case(B.block_row_average, dict(K=K, M=M, N=N),
         dict(K=Arr(K), M=Int(minimum=1), N=Int(minimum=1))),
    Case(B.block_circularize, dict(K=K, M=M, N=N),
         dict(K=Arr(K), M=Int(minimum=1), N=Int(minimum=1))),
    Case(B.block_circulant_dense, dict(C=C), dict(C=Arr(C)),
         # a million blocks of 2×2: the dense matrix would need 29 TiB (once a MemoryError)
         regressions=(("C", np.broadcast_to(C[:1], (10**6, M, M))),)),
    Case(B.block_circulant_matvec, dict(C=C, V=V), dict(C=Arr(C), V=Arr(V)),
         names={"C": ("V",)}),  # a smaller legal C shows as V of the wrong length
    Case(B.BlockCirculantKernel, dict(C=C), dict(C=Arr(C))),
    Case(B.BlockCirculantKernel.from_kernel, dict(kernel=KERNEL, orbits=ORBITS),
         dict(kernel=KERNEL_FN, orbits=Arr(ORBITS)), id="BlockCirculantKernel.from_kernel"),
    Case(B.leave_out_predictions, dict(bc=BC, Y=np.tile([1.0, -1.0], M * N // 2),
                                       left_out_indices=[0, 3]),
         dict(bc=Obj(), Y=Arr(np.tile([1.0, -1.0], M * N // 2)), left_out_indices=INDICES,
              ridge=Real(minimum=0.0))),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

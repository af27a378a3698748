"""Every kernel speed-up equals the plain computation it replaces (benchmarks/results_vs_nt.md).

* MLP: small Gram matrices in numpy against the compiled JAX recursion;
* CNN GAP: one pair per orbit of the joint symmetries of the square against all pairs i ≤ j;
* empirical NTK: layer-wise contractions against the full parameter Jacobians.
"""

import functools

import jax.numpy as jnp
import numpy as np
import pytest

from ntkviz import kernels
from ntkviz.kernels import _invariance, _pairwise, convolutional, finite_width, fully_connected
from ntkviz.kernels._x64 import enable_x64

RNG = np.random.default_rng(11)
TOL = 1e-12


def rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b))))


def quarter_turn_orbits(n_seeds: int, side: int) -> np.ndarray:
    """Interleaved orbits of random images under quarter turns: (4 · n_seeds, side, side, 1)."""
    seeds = RNG.normal(size=(n_seeds, side, side))
    return np.stack([np.rot90(s, k) for k in range(4) for s in seeds])[..., None].copy()


# --------------------------------------------------------------------------- MLP


@pytest.mark.parametrize("arch", [
    kernels.mlp(depth=1),
    kernels.mlp(depth=5),
    kernels.mlp(depth=2, activation="erf"),
    kernels.mlp(depth=3, W_std=1.5, b_std=0.1, activation="erf"),
], ids=lambda k: k.name)
@pytest.mark.slow
def test_small_mlp_in_numpy_equals_the_compiled_recursion(arch, monkeypatch):
    x, y = RNG.normal(size=(20, 30)), RNG.normal(size=(7, 30))
    assert 20 * 20 <= fully_connected.NUMPY_ENTRIES
    fast = arch.nngp_ntk(x) + arch.nngp_ntk(x, y)
    monkeypatch.setattr(fully_connected, "NUMPY_ENTRIES", 0)
    plain = arch.nngp_ntk(x) + arch.nngp_ntk(x, y)
    for f, p in zip(fast, plain):
        assert f.shape == p.shape
        assert rel(f, p) < TOL
    S, T = fast[:2]
    np.testing.assert_array_equal(T, T.T)
    np.testing.assert_array_equal(S, S.T)


@pytest.mark.parametrize("depth, W_std, b_std", [(1, 1.0, 1.0), (5, 1.0, 1.0), (3, 1.4, 0.3),
                                                  (2, 0.8, 0.0)])
def test_symmetric_relu_path_equals_the_general_numpy_recursion(depth, W_std, b_std):
    # duplicates and an antiparallel pair: cos t = ±1 off the diagonal must snap exactly as well
    x = RNG.normal(size=(13, 40))
    x = np.concatenate([x, x[:2], -x[2:3]])
    S, T = kernels.mlp(depth=depth, W_std=W_std, b_std=b_std).nngp_ntk(x)
    # the general path: x2 given, the variances carried alongside (not read off the diagonal)
    S0, T0 = kernels.mlp(depth=depth, W_std=W_std, b_std=b_std).nngp_ntk(x, x.copy())
    assert rel(S, S0) < TOL and rel(T, T0) < TOL
    np.testing.assert_array_equal(T, T.T)
    np.testing.assert_array_equal(T[13], T[0])  # a duplicate image: the same row, bit for bit
    np.testing.assert_array_equal(T[13, 13], T[0, 0])


def test_blas_product_runs_on_one_thread_and_restores_the_setting():
    from threadpoolctl import threadpool_info

    from ntkviz import _blas

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    a, b = RNG.normal(size=(300, 784)), RNG.normal(size=(200, 784))
    seen = []
    with _blas.single_threaded_blas():
        seen = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert seen and all(n == 1 for n in seen)
    np.testing.assert_allclose(_blas.product(a, b), a @ b.T, rtol=1e-13, atol=1e-11)
    np.testing.assert_array_equal(_blas.product(a[:3], b[:4]), a[:3] @ b[:4].T)  # below threading
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before


def test_small_mlp_diagonal_is_the_self_kernel():
    # cos t = 1 exactly on the diagonal: K(X)[i, i] equals K(x_i, x_i) to the last bits.
    x = RNG.normal(size=(12, 9))
    K = kernels.mlp(depth=3).ntk(x)
    single = [kernels.mlp(depth=3).ntk(x[i:i + 1])[0, 0] for i in range(12)]
    np.testing.assert_allclose(np.diag(K), single, rtol=1e-15)


# --------------------------------------------------------------------------- joint symmetries


def test_joint_permutations_find_the_quarter_turns_of_an_orbit_dataset():
    x = quarter_turn_orbits(2, 6)
    perms = _invariance.joint_permutations(x)
    assert len(perms) == 4  # identity, three quarter turns; no reflection maps it to itself
    for p in perms[1:]:
        moved = [np.rot90(x, k, axes=(1, 2)) for k in (1, 2, 3)]
        assert any(np.array_equal(x[p], m) for m in moved)


def test_pair_orbits_without_symmetry_are_the_upper_triangle():
    x = RNG.normal(size=(7, 5, 5, 1))
    rows, cols, slot = _invariance.pair_orbits(_invariance.joint_permutations(x))
    assert rows.size == 7 * 8 // 2 and np.all(rows <= cols)
    np.testing.assert_array_equal(slot, slot.T)
    np.testing.assert_array_equal(slot[rows, cols], np.arange(rows.size))


def test_pair_orbits_reproduce_a_jointly_invariant_matrix():
    x = quarter_turn_orbits(3, 5)
    n = x.shape[0]
    flat = x.reshape(n, -1)
    # K(x, x') = Σ_p f(x_p x'_p): invariant under any joint pixel permutation.
    K = np.tanh(flat) @ np.tanh(flat).T + (flat**2) @ (flat**2).T
    rows, cols, slot = _invariance.pair_orbits(_invariance.joint_permutations(x))
    assert rows.size < n * (n + 1) // 2 / 3
    np.testing.assert_allclose(K[rows, cols][slot], K, rtol=1e-13)


@pytest.mark.slow
@pytest.mark.parametrize("depth", [1, 2])
def test_gap_cnn_on_pair_orbits_equals_all_pairs(depth):
    x = quarter_turn_orbits(2, 6)
    x = np.concatenate([x, RNG.normal(size=(3, 6, 6, 1))])  # and images without partners
    arch = kernels.cnn(depth=depth, readout="gap")
    S, T = arch.nngp_ntk(x)
    settings = dict(depth=depth, filter_size=3, W_std=1.0, b_std=1.0, activation="relu")
    with enable_x64(True):
        per_pair, max_pairs = convolutional.pooled_chunking(depth, x.shape, blocks=1)
        S0, T0 = _pairwise.gram_by_pairs(functools.partial(convolutional._gap_pairs, **settings),
                                         x, None, per_pair, max_pairs)
    assert rel(S, S0) < TOL and rel(T, T0) < TOL
    np.testing.assert_array_equal(T, T.T)


@pytest.mark.slow
def test_gap_cnn_on_rotated_mnist_orbits_equals_all_pairs():
    from ntkviz import datasets

    images, labels = datasets.load_mnist()
    a, b = datasets.pool2(np.stack([images[0], images[int(np.argmax(labels != labels[0]))]]).astype(float))
    x = datasets.interleave(datasets.orbit(a[4:12, 4:12], 8), datasets.orbit(b[4:12, 4:12], 8))[0][..., None]
    assert len(_invariance.joint_permutations(x)) == 4  # 90° turns of 45° steps: round-off equal
    arch = kernels.cnn(depth=1, readout="gap")
    T = arch.ntk(x)
    with enable_x64(True):
        per_pair, max_pairs = convolutional.pooled_chunking(1, x.shape, blocks=1)
        compute = functools.partial(convolutional._gap_pairs, depth=1, filter_size=3, W_std=1.0,
                                    b_std=1.0, activation="relu")
        T0 = _pairwise.gram_by_pairs(compute, x, None, per_pair, max_pairs)[1]
    assert rel(T, T0) < TOL


# --------------------------------------------------------------------------- empirical NTK


@pytest.mark.parametrize("arch", [
    kernels.mlp(depth=1),
    kernels.mlp(depth=2, W_std=1.5, b_std=0.1),
    kernels.mlp(depth=1, activation="erf"),
    kernels.cnn(depth=1, readout="flatten"),
    kernels.cnn(depth=2, readout="flatten"),
    kernels.cnn(depth=1, readout="gap"),
    kernels.cnn(depth=2, readout="gap", activation="erf"),
], ids=lambda k: k.name)
@pytest.mark.slow
def test_layerwise_empirical_ntk_equals_the_jacobian_contraction(arch):
    is_mlp = isinstance(arch, fully_connected.MLP)
    x, y = RNG.normal(size=(5, 6, 6, 1)), RNG.normal(size=(3, 6, 6, 1))
    if is_mlp:
        x, y = x.reshape(5, -1), y.reshape(3, -1)
    with enable_x64(True):
        params = finite_width.init_params(arch, x.shape[-1] if is_mlp else 1, 1 if is_mlp else 36, 16, seed=2)
        for other in (None, y):
            plain = finite_width._jacobian_ntk(arch, params, jnp.asarray(x), None if other is None else jnp.asarray(other))
            fast = finite_width._layerwise_ntk(arch, params, x, other)
            assert rel(fast, plain) < TOL


@pytest.mark.slow
def test_empirical_ntk_uses_the_seeded_parameters():
    arch = kernels.mlp(depth=2)
    x = RNG.normal(size=(4, 10))
    first = kernels.empirical_ntk(arch, x, width=8, seed=3)
    np.testing.assert_array_equal(kernels.empirical_ntk(arch, x, width=8, seed=3), first)
    assert rel(kernels.empirical_ntk(arch, x, width=8, seed=4), first) > 1e-3
    with enable_x64(True):
        params = finite_width.init_params(arch, 10, 1, 8, seed=3)
        plain = finite_width._jacobian_ntk(arch, params, jnp.asarray(x))
    assert rel(first, plain) < TOL

"""The block-circulant solver against the dense path (numpy/scipy solves and ntkviz.gp)."""

import functools

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from property_budget import examples

from ntkviz import block_circulant as bcm
from ntkviz import datasets, gp, kernels

RTOL = 1e-8


def rel(a, b) -> float:
    """Largest deviation relative to the largest entry of the reference."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


@functools.lru_cache(maxsize=None)
def digits(size: int, count: int, start: int = 0) -> np.ndarray:
    images, _ = datasets.load_mnist()
    chosen = images[start:start + count].astype(float)
    while chosen.shape[1] > size:
        chosen = datasets.pool2(chosen)
    return chosen


def circle_orbits(N: int, delta: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    X, y = datasets.circle_pair(N, delta)
    # rows 2g + m are already element-major with M = 2
    return X.reshape(N, 2, 3).swapaxes(0, 1), y


CASES = {
    "mlp-shift": (lambda: kernels.mlp(depth=1), 14, 4, 7, "shift"),
    "mlp-rot90": (lambda: kernels.mlp(depth=2), 14, 3, 4, "rot90"),
    "rbf-shift": (lambda: kernels.rbf(1.0), 14, 6, 14, "shift"),
    "rbf-rot90": (lambda: kernels.rbf(0.8), 14, 5, 4, "rot90"),
    "cnn-gap-rot90": (lambda: kernels.cnn(depth=1, readout="gap"), 7, 3, 4, "rot90"),
    "cnn-flatten-rot90": (lambda: kernels.cnn(depth=1, readout="flatten"), 7, 3, 4, "rot90"),
    "circle": (lambda: kernels.rbf(1.0), None, 2, 8, None),
}


@functools.lru_cache(maxsize=None)
def case(name: str):
    """(kernel, orbits (M, N, ...), dense element-major Gram, block-circulant kernel)."""
    make_kernel, size, M, N, action = CASES[name]
    kernel = make_kernel()
    if action is None:
        orbits, _ = circle_orbits(N)
    else:
        orbits = np.stack([datasets.orbit(image, N, action) for image in digits(size, M)])
    K = kernel(bcm.element_major(orbits))
    return kernel, orbits, K, bcm.BlockCirculantKernel.from_kernel(kernel, orbits)


def one_hot(M: int, N: int, classes: int) -> np.ndarray:
    """Orbit m belongs to class m mod classes; every element of an orbit keeps its label."""
    labels = np.tile(np.arange(M) % classes, N)
    return np.eye(classes)[labels]


# ----------------------------------------------------------------------------- structure


def test_element_major_order_and_point_index():
    orbits = np.arange(3 * 4 * 2, dtype=float).reshape(3, 4, 2)
    X = bcm.element_major(orbits)
    for g in range(4):
        for m in range(3):
            np.testing.assert_array_equal(X[bcm.point_index(g, m, 3)], orbits[m, g])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_first_block_row_gives_the_dense_gram(name):
    kernel, orbits, K, bc = case(name)
    M, N = orbits.shape[:2]
    assert (bc.M, bc.N, bc.size) == (M, N, M * N)
    assert rel(bc.dense(), K) < 1e-12
    assert bcm.block_circulant_deviation(K, M, N) < 1e-12
    # an independent loop over blocks
    for g in range(N):
        for h in range(N):
            block = K[g * M:(g + 1) * M, h * M:(h + 1) * M]
            assert rel(block, bc.C[(h - g) % N]) < 1e-12
    assert bc.trace == pytest.approx(np.trace(K), rel=1e-12)


@pytest.mark.parametrize("name", ["mlp-shift", "rbf-rot90", "circle"])
def test_from_gram_recovers_blocks_and_rejects_other_matrices(name):
    _, orbits, K, bc = case(name)
    M, N = orbits.shape[:2]
    np.testing.assert_allclose(bcm.from_gram(K, M, N), bc.C, rtol=0, atol=1e-12 * np.abs(K).max())
    # a permuted order (orbit-major instead of element-major) is not block-circulant
    order = np.arange(M * N).reshape(N, M).T.ravel()
    if M > 1 and N > 1:
        wrong = K[np.ix_(order, order)]
        assert bcm.block_circulant_deviation(wrong, M, N) > 1e-5
        with pytest.raises(ValueError, match="not block-circulant"):
            bcm.from_gram(wrong, M, N)
        assert bcm.from_gram(wrong, M, N, rtol=None).shape == (N, M, M)


def test_block_circularize_is_idempotent_and_exact_on_block_circulant():
    _, orbits, K, _ = case("mlp-shift")
    M, N = orbits.shape[:2]
    np.testing.assert_allclose(bcm.block_circularize(K, M, N), K, rtol=0, atol=1e-13)
    # interpolated rotations are not an exact action: only approximately block-circulant
    rotated = np.stack([datasets.orbit(image, 8, "rotate") for image in digits(14, 3)])
    K_rot = kernels.mlp(depth=1)(bcm.element_major(rotated))
    assert bcm.block_circulant_deviation(K_rot, 3, 8) > 1e-4
    with pytest.raises(ValueError, match="rtol"):
        bcm.from_gram(K_rot, 3, 8)
    once = bcm.block_circularize(K_rot, 3, 8)
    np.testing.assert_allclose(bcm.block_circularize(once, 3, 8), once, rtol=0, atol=1e-13)
    assert bcm.block_circulant_deviation(once, 3, 8) < 1e-13
    np.testing.assert_allclose(once, once.T, atol=1e-14)
    # block-circularising = averaging cyclic block conjugates: the mean of the Gram matrices of
    # the orbits started at every element (an independent computation)
    P = np.arange(3 * 8).reshape(8, 3)
    orders = [np.roll(P, -s, axis=0).ravel() for s in range(8)]
    conjugates = [K_rot[np.ix_(order, order)] for order in orders]
    np.testing.assert_allclose(once, np.mean(conjugates, axis=0), atol=1e-14)
    approx = bcm.BlockCirculantKernel.from_gram(K_rot, 3, 8, exact=False)
    np.testing.assert_allclose(approx.dense(), once, atol=1e-14)
    assert np.linalg.eigvalsh(once).min() > -1e-12  # stays PSD


# ----------------------------------------------------------------------------- solver vs dense


@pytest.mark.parametrize("name", list(CASES))
def test_solve_eigenvalues_and_inverse_blocks_match_dense(name):
    _, orbits, K, bc = case(name)
    M, N = orbits.shape[:2]
    n = M * N
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(n, 3))
    shift = gp.DEFAULT_RIDGE * np.trace(K)
    assert bc.ridge_shift() == pytest.approx(shift, rel=1e-12)
    A = K + shift * np.eye(n)
    dense = scipy.linalg.solve(A, Y, assume_a="pos")
    assert rel(bc.solve(Y), dense) < RTOL
    assert rel(bc.solve(Y[:, 0]), gp.dual_weights(K, Y[:, 0])) < RTOL
    assert bc.solve(Y[:, 0]).shape == (n,)
    # absolute ridge
    absolute = np.linalg.solve(K + 0.3 * np.eye(n), Y)
    assert rel(bc.solve(Y, ridge=0.3, relative=False), absolute) < RTOL
    # matvec
    assert rel(bc.matvec(Y), K @ Y) < 1e-12
    # spectrum: all eigenvalues, and per frequency those of the Fourier blocks
    assert rel(bc.eigenvalues(), np.linalg.eigvalsh(K)) < 1e-10
    hat = bc.frequency_blocks()
    np.testing.assert_allclose(hat, np.conj(hat).transpose(0, 2, 1), atol=1e-12 * np.abs(K).max())
    # K̂_f from the definition Σ_d C_d e^{+2πi f d/N}
    for f in range(N):
        direct = sum(bc.C[d] * np.exp(2j * np.pi * f * d / N) for d in range(N))
        assert np.abs(hat[f] - direct).max() < 1e-12 * N * np.abs(bc.C).max()
    # inverse blocks
    inverse = np.linalg.inv(A)
    D = bc.inverse_blocks()
    assert rel(bcm.block_circulant_dense(D), inverse) < RTOL
    assert rel(bc.inverse_diagonal_block(), inverse[:M, :M]) < RTOL
    rows, cols = np.array([0, n - 1, 2]), np.array([1, n // 2])
    assert rel(bc.inverse_entries(rows, cols), inverse[np.ix_(rows, cols)]) < RTOL


@pytest.mark.parametrize("name", ["mlp-shift", "rbf-rot90", "cnn-gap-rot90", "circle"])
def test_posterior_mean_matches_gp_posterior(name):
    kernel, orbits, K, bc = case(name)
    M, N = orbits.shape[:2]
    if orbits.ndim == 3:  # circle: test orbits are the pair at another height
        test_orbits = circle_orbits(N, delta=0.2)[0]
    else:
        _, size, _, _, action = CASES[name]
        test_images = digits(size, 2, start=50)
        test_orbits = np.stack([datasets.orbit(image, N, action) for image in test_images])
    P = test_orbits.shape[0]
    train_X, test_X = bcm.element_major(orbits), bcm.element_major(test_orbits)
    joint = kernel(np.concatenate([train_X, test_X]))
    train = np.arange(M * N)
    test = np.arange(M * N, M * N + P * N)
    Y = one_hot(M, N, 2) - 0.5
    reference = np.stack([gp.posterior(joint, Y[:, t], train, test).mean for t in range(2)], axis=1)
    assert rel(bc.posterior_mean(joint[np.ix_(test, train)], Y), reference) < RTOL
    # test points that are whole orbits: the cross kernel's first block row is enough
    cross_row = kernel(test_orbits[:, 0], train_X)  # (P, MN) = K(T_0, X_d) blocks
    C_cross = cross_row.reshape(P, N, M).transpose(1, 0, 2)
    assert rel(bc.posterior_mean_orbits(C_cross, Y), reference) < RTOL


@pytest.mark.parametrize("name", list(CASES))
def test_leave_out_predictions_match_gp_on_the_reduced_set(name):
    _, orbits, K, bc = case(name)
    M, N = orbits.shape[:2]
    n = M * N
    classes = min(M, 3)
    Y = one_hot(M, N, classes)
    shift = bc.ridge_shift()
    leave_outs = {
        "one point": np.array([bcm.point_index(1 % N, M - 1, M)]),
        "an angle of class 0": bcm.point_index(0, np.arange(0, M, classes), M),
        "an angle of every orbit": bcm.point_index(N - 1, np.arange(M), M),
        "scattered": np.array([0, n - 1, n // 2]),
    }
    for label, S in leave_outs.items():
        S = np.unique(S)
        R = np.setdiff1d(np.arange(n), S)
        reference = np.stack(
            [
                gp.posterior(K, Y[R, t], R, S, ridge=shift, relative=False).mean
                for t in range(classes)
            ],
            axis=1,
        )
        predicted = bcm.leave_out_predictions(bc, Y, S)
        assert predicted.shape == (S.size, classes), label
        assert rel(predicted, reference) < RTOL, label
        # the labels at S do not enter their own predictions
        scrambled = Y.copy()
        scrambled[S] = 7.0
        assert rel(bcm.leave_out_predictions(bc, scrambled, S), reference) < RTOL, label
    # the one-point case with no ridge is gp.loo_prediction exactly
    y = Y[:, 0] - Y[:, 1 % classes]
    loo = bcm.leave_out_predictions(bc, y, [0], 0.0)
    assert loo.shape == (1,)
    assert loo[0] == pytest.approx(gp.loo_prediction(K, y, 0, ridge=0.0), rel=1e-8, abs=1e-10)


def test_circle_pair_leave_one_out_is_the_symmetrised_error():
    _, orbits, K, bc = case("circle")
    y = datasets.circle_pair(8, 0.7)[1]
    predictions = [bcm.leave_out_predictions(bc, y, [i], gp.DEFAULT_RIDGE)[0] for i in (0, 1)]
    # gp recomputes λ from the reduced trace: with ρ = 1e-10 the difference is tiny but nonzero
    errors = [abs(p - y[i]) for i, p in zip((0, 1), predictions)]
    assert np.mean(errors) == pytest.approx(gp.symmetrized_error(K, y), rel=1e-6)


@pytest.mark.slow
def test_gap_cnn_on_shifts_is_singular_and_still_solved_exactly():
    """A GAP CNN is invariant to shifting ONE input: every orbit collapses to a point, all
    blocks C_d are equal, K̂_0 = N·C_0 and every other K̂_f vanishes (rank M of MN)."""
    kernel = kernels.cnn(depth=1, readout="gap")
    orbits = np.stack([datasets.orbit(image, 7, "shift") for image in digits(7, 3)])
    bc = bcm.BlockCirculantKernel.from_kernel(kernel, orbits)
    K = kernel(bcm.element_major(orbits))
    assert rel(bc.dense(), K) < 1e-12
    np.testing.assert_allclose(bc.C, np.broadcast_to(bc.C[0], bc.C.shape), atol=1e-12)
    by_frequency = bc.eigenvalues_by_frequency()
    np.testing.assert_allclose(by_frequency[0], np.linalg.eigvalsh(7 * bc.C[0]), rtol=1e-10)
    assert np.abs(by_frequency[1:]).max() < 1e-10 * by_frequency[0].max()
    # with a ridge that keeps the problem well conditioned the block path equals the dense one
    Y = one_hot(3, 7, 3)
    ridge = 1e-3
    A = K + ridge * np.eye(K.shape[0])
    assert rel(bc.solve(Y, ridge=ridge, relative=False), np.linalg.solve(A, Y)) < RTOL
    S = bcm.point_index(0, np.arange(3), 3)
    R = np.setdiff1d(np.arange(21), S)
    reference = K[np.ix_(S, R)] @ np.linalg.solve(A[np.ix_(R, R)], Y[R])
    predicted = bcm.leave_out_predictions(bc, Y, S, ridge, relative=False)
    assert rel(predicted, reference) < RTOL
    # the other elements of each left-out orbit are exact copies: the classes come back
    np.testing.assert_array_equal(predicted.argmax(axis=1), Y[S].argmax(axis=1))


# ----------------------------------------------------------------------------- random SPD


def random_block_circulant(rng, M: int, N: int, rank: int, jitter: float) -> np.ndarray:
    """``C`` of ``B Bᵀ + jitter·I`` for a random block-circulant ``B`` with (M×rank) blocks.

    First block row of ``B Bᵀ``: ``Σ_g B_g B_{g−d}ᵀ`` — computed here by a loop, independently.
    """
    B = rng.normal(size=(N, M, rank))
    C = np.zeros((N, M, M))
    for d in range(N):
        for g in range(N):
            C[d] += B[g] @ B[(g - d) % N].T
    C[0] += jitter * np.eye(M)
    return C


def dense_from_blocks(C) -> np.ndarray:
    N, M, _ = C.shape
    return np.block([[C[(h - g) % N] for h in range(N)] for g in range(N)])


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    M=st.integers(1, 6),
    N=st.integers(1, 9),
    rank=st.integers(1, 4),
    ridge=st.sampled_from([0.0, 1e-10, 1e-3]),
)
def test_random_block_circulant_spd_matches_dense(seed, M, N, rank, ridge):
    rng = np.random.default_rng(seed)
    C = random_block_circulant(rng, M, N, rank, jitter=0.5)
    K = dense_from_blocks(C)
    np.testing.assert_allclose(K, K.T, atol=1e-12)
    bc = bcm.BlockCirculantKernel(C)
    assert rel(bc.dense(), K) < 1e-14
    n = M * N
    Y = rng.normal(size=(n, 2))
    A = K + ridge * np.trace(K) * np.eye(n)
    assert rel(bc.solve(Y, ridge=ridge), np.linalg.solve(A, Y)) < RTOL
    assert rel(bc.eigenvalues(), np.linalg.eigvalsh(K)) < 1e-10
    assert rel(bcm.block_circulant_dense(bc.inverse_blocks(ridge)), np.linalg.inv(A)) < RTOL
    if n > 1:
        S = np.unique(rng.integers(0, n, size=max(1, n // 3)))
        if S.size < n:
            R = np.setdiff1d(np.arange(n), S)
            reference = K[np.ix_(S, R)] @ np.linalg.solve(A[np.ix_(R, R)], Y[R])
            assert rel(bcm.leave_out_predictions(bc, Y, S, ridge), reference) < 1e-7


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), M=st.integers(1, 4), N=st.integers(2, 8))
def test_singular_blocks_fall_back_to_the_pseudo_inverse(seed, M, N):
    rng = np.random.default_rng(seed)
    C = random_block_circulant(rng, M, N, rank=1, jitter=0.0)  # rank ≤ N < MN when M > 1
    bc = bcm.BlockCirculantKernel(C)
    K = dense_from_blocks(C)
    y = K @ rng.normal(size=M * N)  # in the range of K
    alpha = bc.solve(y, ridge=0.0)
    assert np.all(np.isfinite(alpha))
    np.testing.assert_allclose(K @ alpha, y, atol=1e-8 * max(1.0, np.abs(y).max()))


def test_symmetrises_round_off():
    rng = np.random.default_rng(3)
    C = random_block_circulant(rng, 3, 5, 2, 0.1)
    noisy = C + 1e-15 * rng.normal(size=C.shape)
    bc = bcm.BlockCirculantKernel(noisy)
    dense = bc.dense()
    np.testing.assert_array_equal(dense, dense.T)
    assert not bc.C.flags.writeable


# ----------------------------------------------------------------------------- bad input


def test_bad_input_names_the_argument():
    bc = case("mlp-shift")[3]
    n = bc.size
    C = bc.C
    with pytest.raises(TypeError, match="kernel"):
        bcm.first_block_row("mlp", np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="orbits"):
        bcm.first_block_row(kernels.rbf(), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="kernel must return"):
        bcm.first_block_row(lambda a, b: np.zeros((2, 2)), np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="C must have shape"):
        bcm.BlockCirculantKernel(np.zeros((3, 2, 4)))
    with pytest.raises(ValueError, match="C must have 3 dimensions"):
        bcm.BlockCirculantKernel(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="K must be"):
        bcm.from_gram(np.eye(10), 3, 4)
    with pytest.raises(ValueError, match="K must be a square"):
        bcm.block_circularize(np.zeros((4, 3)), 2, 2)
    with pytest.raises(ValueError, match="M must be >= 1"):
        bcm.block_row_average(np.eye(4), 0, 4)
    with pytest.raises(ValueError, match="ridge must be >= 0"):
        bc.solve(np.ones(n), ridge=-1e-3)
    with pytest.raises(ValueError, match="ridge must be finite"):
        bc.solve(np.ones(n), ridge=float("nan"))
    with pytest.raises(TypeError, match="ridge must be a real number"):
        bcm.leave_out_predictions(bc, np.ones(n), [0], "big")
    with pytest.raises(ValueError, match="Y must have"):
        bc.solve(np.ones(n + 1))
    with pytest.raises(ValueError, match="Y must have 1 or 2 dimensions"):
        bc.solve(np.ones((n, 2, 2)))
    with pytest.raises(ValueError, match="Y must be finite"):
        bc.solve(np.full(n, np.nan))
    with pytest.raises(ValueError, match="K_test_train"):
        bc.posterior_mean(np.ones((2, n - 1)), np.ones(n))
    with pytest.raises(ValueError, match="C_cross"):
        bc.posterior_mean_orbits(np.ones((C.shape[0] + 1, 2, C.shape[1])), np.ones(n))
    with pytest.raises(ValueError, match="left_out_indices must hold"):
        bcm.leave_out_predictions(bc, np.ones(n), [n])
    with pytest.raises(ValueError, match="left_out_indices must be distinct"):
        bcm.leave_out_predictions(bc, np.ones(n), [1, 1])
    with pytest.raises(ValueError, match="left_out_indices must leave"):
        bcm.leave_out_predictions(bc, np.ones(n), np.arange(n))
    with pytest.raises(ValueError, match="left_out_indices must be a non-empty"):
        bcm.leave_out_predictions(bc, np.ones(n), [0.5])
    with pytest.raises(TypeError, match="bc must be"):
        bcm.leave_out_predictions(np.eye(n), np.ones(n), [0])
    with pytest.raises(ValueError, match="orbit must hold"):
        bcm.point_index(0, 5, 3)
    with pytest.raises(ValueError, match="rows must hold"):
        bc.inverse_entries([-1], [0])

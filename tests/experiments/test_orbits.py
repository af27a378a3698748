"""MNIST orbit pairs: digits, allowed actions, the state against independent computations,
Eq. 7 exact on circulant kernels, constant orbit kernels of the invariant architectures."""

import numpy as np
import pytest

from ntkviz import datasets, gp, spectral
from ntkviz.experiments import architectures, digit_orbits, digits, orbits

# --------------------------------------------------------------------------- digits and pairs


def test_digit_follows_the_file_order():
    images, labels = datasets.load_mnist()
    for label, sample in [(0, 0), (3, 5), (9, 100)]:
        row = np.flatnonzero(labels == label)[sample]
        np.testing.assert_array_equal(digits.digit(label, sample), images[row])
    assert digits.digit(3, 0).shape == (28, 28) and digits.digit(3, 0).dtype == np.float64
    assert digits.class_size(1) == int(np.sum(labels == 1))


@pytest.mark.parametrize("label, sample, name", [(10, 0, "label"), (-1, 0, "label"), (3, 10**5, "sample"),
                                                 (3, -1, "sample")])
def test_digit_rejects_bad_input(label, sample, name):
    with pytest.raises(ValueError, match=name):
        digits.digit(label, sample)
    with pytest.raises(TypeError, match="label"):
        digits.digit("3", 0)


def test_random_pairs_are_reproducible_and_of_two_classes():
    pairs = digits.random_pairs(50, seed=4)
    assert pairs == digits.random_pairs(50, seed=4)
    assert pairs[:10] == digits.random_pairs(10, seed=4)
    assert pairs != digits.random_pairs(50, seed=5)
    assert digits.random_pair(4) == pairs[0]
    for (la, sa), (lb, sb) in pairs:
        assert la != lb
        assert 0 <= sa < digits.class_size(la) and 0 <= sb < digits.class_size(lb)
    assert len({p[0][0] for p in pairs}) > 5  # classes are spread


# --------------------------------------------------------------------------- actions and N


def test_allowed_N():
    assert digit_orbits.allowed_N("rotate", "mlp1") == tuple(range(2, 65))
    assert digit_orbits.allowed_N("rot90", "gcnn") == (2, 4)
    assert digit_orbits.allowed_N("shift", "mlp1") == (2, 4, 7, 14, 28)
    assert digit_orbits.allowed_N("shift", "cnn_gap") == (2, 7, 14)  # 14×14 inputs


@pytest.mark.parametrize("action, N, architecture, allowed", [
    ("rot90", 8, "mlp1", "2, 4"), ("shift", 5, "mlp1", "2, 4, 7, 14, 28"),
    ("shift", 4, "cnn_gap", "2, 7, 14"), ("rotate", 65, "mlp1", "2..64")])
def test_bad_N_names_N_and_lists_the_allowed_values(action, N, architecture, allowed):
    with pytest.raises(ValueError, match=f"N={N}") as info:
        orbits.orbit_pair_state(action=action, N=N, architecture=architecture)
    assert allowed in str(info.value)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(N=1), ValueError, "N"), (dict(action="flip"), ValueError, "action"),
    (dict(kind="ntkk"), ValueError, "kind"), (dict(architecture="vit"), ValueError, "architecture"),
    (dict(a=(3, 0), b=(3, 0)), ValueError, "different"), (dict(a=3), TypeError, "a"),
    (dict(b=(8, 10**5)), ValueError, "b sample")])
def test_bad_setting_raises(kwargs, error, name):
    with pytest.raises(error, match=name):
        orbits.orbit_pair_state(**kwargs)


# --------------------------------------------------------------------------- the state


@pytest.mark.parametrize("architecture, action, N", [("mlp1", "rotate", 8), ("cnn_gap", "rotate", 6),
                                                     ("mlp5", "shift", 7)])
def test_state_matches_an_independent_computation(architecture, action, N):
    a, b = (3, 0), (8, 0)
    s = orbits.orbit_pair_state(a, b, action, N, architecture)
    arch = architectures.architecture(architecture)
    A = datasets.orbit(arch.prepare(digits.digit(*a)[None])[0], N, action)
    B = datasets.orbit(arch.prepare(digits.digit(*b)[None])[0], N, action)
    np.testing.assert_allclose(s.orbit_a, A, atol=1e-15)
    np.testing.assert_allclose(s.orbit_b, B, atol=1e-15)
    X = np.empty((2 * N,) + A.shape[1:])
    X[0::2], X[1::2] = A, B
    np.testing.assert_allclose(s.X, X, atol=1e-15)
    np.testing.assert_array_equal(s.y, np.tile([1.0, -1.0], N))
    K = architectures.kernel_matrix(architecture, X, action=action, N=N)
    np.testing.assert_allclose(s.K, K, rtol=1e-12)
    # circularisation by explicit loops over wrapped diagonals (Eq. 12)
    n = 2 * N
    row = np.array([np.mean([K[i, (i + d) % n] for i in range(n)]) for d in range(n)])
    Kc = np.array([[row[(j - i) % n] for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(s.Kc, Kc, rtol=1e-12)
    assert s.circulant_deviation == pytest.approx(np.linalg.norm(K - Kc) / np.linalg.norm(K), rel=1e-9)
    assert 0 < s.circulant_deviation < 0.05
    # eigenvalues against a dense solver, ridge σ² = ρ·tr(K̃_train) added
    assert s.sigma2 == pytest.approx(gp.DEFAULT_RIDGE * (n - 1) * Kc[0, 0], rel=1e-12)
    np.testing.assert_allclose(np.sort(s.lam), np.linalg.eigvalsh(Kc + s.sigma2 * np.eye(n)),
                               rtol=1e-8, atol=1e-12 * np.max(s.lam))
    assert s.lam_N == pytest.approx(s.lam[N], rel=1e-15)
    assert s.mean_inverse == pytest.approx(np.mean(1 / s.lam), rel=1e-12)
    assert s.eps_spectral == pytest.approx((1 / s.lam[N]) / np.mean(1 / s.lam), rel=1e-12)
    assert s.rectangle / s.area == pytest.approx(s.eps_spectral, rel=1e-12)
    # exact error on the raw K, and the two predictions by a plain dense solve
    assert s.eps_exact == pytest.approx(gp.symmetrized_error(K, s.y), rel=1e-10)
    for row_index, prediction in ((0, s.prediction_a), (1, s.prediction_b)):
        train = np.delete(np.arange(n), row_index)
        Kt = K[np.ix_(train, train)]
        alpha = np.linalg.solve(Kt + gp.DEFAULT_RIDGE * np.trace(Kt) * np.eye(n - 1), s.y[train])
        assert prediction == pytest.approx(K[row_index, train] @ alpha, rel=1e-7, abs=1e-9)
    # geometry
    flat_a, flat_b = A.reshape(N, -1), B.reshape(N, -1)
    assert s.separation_sq == pytest.approx(np.sum((flat_a.mean(0) - flat_b.mean(0)) ** 2), rel=1e-12)
    radius = 0.5 * (np.linalg.norm(flat_a[0] - flat_a.mean(0)) + np.linalg.norm(flat_b[0] - flat_b.mean(0)))
    assert s.radius == pytest.approx(radius, rel=1e-12)
    assert s.resolution == arch.resolution
    assert not s.K.flags.writeable and not s.orbit_a.flags.writeable


def test_spectral_error_tracks_the_exact_error_on_digits():
    """Not exact (K is not circulant) but close: Fig. 4B."""
    s = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 8, "mlp1")
    assert abs(s.eps_spectral - s.eps_exact) < 0.1
    assert s.note == ""


def test_states_are_cached_and_kinds_differ():
    s = orbits.orbit_pair_state((2, 1), (5, 3), "rotate", 6, "mlp1", "ntk")
    assert orbits.orbit_pair_state([2, 1], (5, 3), "rotate", 6.0, "mlp1", "ntk") is s
    nngp = orbits.orbit_pair_state((2, 1), (5, 3), "rotate", 6, "mlp1", "nngp")
    np.testing.assert_allclose(nngp.K, architectures.kernel_matrix("mlp1", s.X, kind="nngp"), rtol=1e-12)
    assert not np.allclose(nngp.K, s.K)


# --------------------------------------------------------------------------- Eq. 7 is exact on circulant K


def _interleaved_pair(action: str, N: int):
    """Class B = minus class A moved by half a group step: the orbits interleave exactly
    (Eq. 10 holds), so a kernel that depends on dot products only is circulant."""
    x = digits.digit(3, 0)
    half = np.roll(x, 1, axis=1) if action == "shift" else np.rot90(x)
    return datasets.orbit(x, N, action), datasets.orbit(-half, N, action)


@pytest.mark.parametrize("architecture", ["mlp1", "mlp5"])
@pytest.mark.parametrize("action, N", [("shift", 14), ("rot90", 2)])
def test_eq7_equals_the_exact_error_when_K_is_circulant(architecture, action, N):
    A, B = _interleaved_pair(action, N)
    s = orbits.pair_state_from_orbits(A, B, action=action, N=N, architecture=architecture)
    assert s.circulant_deviation < 1e-12
    assert spectral.is_circulant(s.K, rtol=1e-12)
    assert s.eps_spectral == pytest.approx(s.eps_exact, abs=1e-8)
    assert s.eps_exact == pytest.approx(gp.symmetrized_error(s.K, s.y), rel=1e-12)
    assert s.prediction_a == pytest.approx(1 - s.eps_spectral, abs=1e-8)
    assert "circulant" in s.note


def test_real_digit_pairs_are_not_interleaved():
    """arXiv 2412.11521, Sec. 3.3, Assumption 2: even an exact action and a dot-product kernel give
    a K that is not circulant for two digits of different classes; circularisation is an
    approximation."""
    s = orbits.orbit_pair_state((3, 0), (8, 0), "rot90", 4, "mlp1")
    assert s.circulant_deviation > 1e-6
    within = [s.K[0::2, 0::2], s.K[1::2, 1::2]]
    for block in within:  # each orbit alone is circulant (Assumption 1)
        assert spectral.is_circulant(block, rtol=1e-12)


# --------------------------------------------------------------------------- invariant architectures


def _block_spread(K: np.ndarray) -> float:
    blocks = (K[0::2, 0::2], K[1::2, 1::2], K[0::2, 1::2])
    return max(np.ptp(b) for b in blocks) / np.max(np.abs(K))


@pytest.mark.parametrize("architecture, action, N", [
    ("cnn_gap", "shift", 7), ("cnn_gap", "shift", 14), ("gcnn", "rot90", 4), ("gcnn", "shift", 7),
    ("orbit_mlp", "rot90", 4), ("orbit_mlp", "shift", 7)])
def test_invariant_architectures_give_constant_orbit_kernels(architecture, action, N):
    """Sec. 3.5 Prop. 2: constant over each orbit → K̃ rank-deficient → ⟨λ⁻¹⟩ = ∞ → ε = 0."""
    s = orbits.orbit_pair_state((3, 0), (8, 0), action, N, architecture)
    assert _block_spread(s.K) < 1e-10
    assert s.eps_spectral == 0.0
    assert s.mean_inverse == np.inf and s.lam_N > 0
    assert s.analysis.rank_deficient
    assert "rank-deficient" in s.note and "ε = 0" in s.note
    assert s.eps_exact < 1e-4  # only the tiny ridge keeps it from 0
    assert not s.misclassified


@pytest.mark.parametrize("architecture, action, N", [
    ("cnn_flatten", "shift", 7), ("mlp1", "rot90", 4), ("cnn_gap", "rot90", 4), ("mlp1", "shift", 7)])
def test_plain_architectures_do_not(architecture, action, N):
    """Props. 1, 3, 4 and the MLP: circulant over one orbit, not constant, full rank."""
    s = orbits.orbit_pair_state((3, 0), (8, 0), action, N, architecture)
    assert _block_spread(s.K) > 1e-6
    assert s.eps_spectral > 1e-4 and not s.analysis.rank_deficient
    assert spectral.is_circulant(s.K[0::2, 0::2], rtol=1e-9)

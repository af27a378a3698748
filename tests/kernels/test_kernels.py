"""Kernels: every reference array of neural-tangents 0.6.5 / equivariant-ntk, invariances,
and the contract shared by all kernels (symmetry, PSD, K(X) = K(X, X), errors)."""

import json
from pathlib import Path

import jax
import numpy as np
import pytest

import ntkviz as nv
from ntkviz import kernels

REFERENCE = np.load(Path(__file__).parents[1] / "reference" / "kernels_visible.npz")

# Reference architecture id -> the same network in ntkviz (tests/reference/README.md).
ARCHITECTURES = {
    "mlp1": kernels.mlp(depth=1),
    "mlp5": kernels.mlp(depth=5),
    "mlp2_w": kernels.mlp(depth=2, W_std=1.5, b_std=0.1),
    "mlp1_erf": kernels.mlp(depth=1, activation="erf"),
    "cnn_fc": kernels.cnn(depth=1, readout="flatten"),
    "cnn2_fc": kernels.cnn(depth=2, readout="flatten"),
    "cnn_fc_14": kernels.cnn(depth=1, readout="flatten"),
    "cnn_gap": kernels.cnn(depth=1, readout="gap"),
    "gcnn_gap": kernels.gcnn(depth=1),
    "gcnn2_gap": kernels.gcnn(depth=2),
}
IDS = [arch + suffix for arch in ARCHITECTURES for suffix in ("", "_scaled")]
REL_TOL = 1e-6  # the README's safe tolerance (library arccos round-off on ReLU diagonals)


def kernel_for(arch_id: str):
    return ARCHITECTURES[arch_id.removesuffix("_scaled")]


def relative_error(got, expected):
    return np.abs(got - expected).max() / np.abs(expected).max()


def test_every_reference_architecture_is_covered():
    settings = json.loads(str(REFERENCE["settings"]))
    stored = {key.split("__")[0] for key in REFERENCE.files if "__" in key}
    assert stored == set(IDS), settings.get("ids")


@pytest.mark.slow
@pytest.mark.parametrize("arch_id", IDS)
def test_reference_nngp_and_ntk(arch_id):
    kernel = kernel_for(arch_id)
    x1, x2 = REFERENCE[f"{arch_id}__x1"], REFERENCE[f"{arch_id}__x2"]
    for args, pair in (((x1,), "11"), ((x1, x2), "12")):
        nngp, ntk = kernel.nngp_ntk(*args)
        assert nngp.dtype == np.float64 and ntk.dtype == np.float64
        assert relative_error(nngp, REFERENCE[f"{arch_id}__nngp_{pair}"]) <= REL_TOL
        assert relative_error(ntk, REFERENCE[f"{arch_id}__ntk_{pair}"]) <= REL_TOL
        # Centred comparison: the discriminating part of kernels dominated by b² terms.
        for got, key in ((nngp, "nngp"), (ntk, "ntk")):
            expected = REFERENCE[f"{arch_id}__{key}_{pair}"]
            assert relative_error(got - expected.mean(), expected - expected.mean()) <= 1e-4


def test_group_cnn_matches_the_corrected_ntk_not_the_library_value():
    x1 = REFERENCE["gcnn_gap_scaled__x1"]
    ntk = kernels.gcnn(depth=1).ntk(x1)
    assert relative_error(ntk, REFERENCE["gcnn_gap_scaled__ntk_11"]) <= REL_TOL
    assert relative_error(ntk, REFERENCE["gcnn_gap_scaled__ntk_lib_11"]) > 1e-3


SYMMETRY_KEYS = sorted(key for key in REFERENCE.files if "__sym__" in key)
TRANSFORMS = {
    "rot90k1": lambda x: np.rot90(x, 1, axes=(1, 2)),
    "rot90k2": lambda x: np.rot90(x, 2, axes=(1, 2)),
    "rot90k3": lambda x: np.rot90(x, 3, axes=(1, 2)),
    "roll_ax1_s1": lambda x: np.roll(x, 1, axis=1),
    "roll_ax1_s5": lambda x: np.roll(x, 5, axis=1),
    "roll_ax2_s3": lambda x: np.roll(x, 3, axis=2),
}


@pytest.mark.slow
@pytest.mark.parametrize("key", [k for k in SYMMETRY_KEYS if k.endswith("nngp_12")])
def test_reference_symmetry_checks(key):
    arch_id, _, transform, _ = key.split("__")
    x1, x2 = REFERENCE[f"{arch_id}__x1"], TRANSFORMS[transform](REFERENCE[f"{arch_id}__x2"])
    nngp, ntk = kernel_for(arch_id).nngp_ntk(x1, x2)
    assert relative_error(nngp, REFERENCE[key]) <= REL_TOL
    assert relative_error(ntk, REFERENCE[key.replace("nngp_12", "ntk_12")]) <= REL_TOL


@pytest.mark.slow
@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("depth", [1, 2])
def test_group_cnn_is_invariant_to_rot90_and_shifts(transform, depth):
    x1, x2 = REFERENCE["gcnn_gap_scaled__x1"][:3], REFERENCE["gcnn_gap_scaled__x2"][:3]
    kernel = kernels.gcnn(depth=depth)
    moved = TRANSFORMS[transform]
    base = kernel.nngp_ntk(x1, x2)
    for got, expected in zip(kernel.nngp_ntk(x1, moved(x2)), base):
        assert np.abs(got - expected).max() <= 1e-10 * np.abs(expected).max()
    for got, expected in zip(kernel.nngp_ntk(moved(x1), x2), base):
        assert np.abs(got - expected).max() <= 1e-10 * np.abs(expected).max()


def test_gap_cnn_is_shift_invariant_but_not_rotation_invariant():
    x1, x2 = REFERENCE["cnn_gap_scaled__x1"][:3], REFERENCE["cnn_gap_scaled__x2"][:3]
    kernel = kernels.cnn(readout="gap")
    base = kernel.ntk(x1, x2)
    np.testing.assert_allclose(kernel.ntk(x1, np.roll(x2, 4, axis=2)), base, rtol=1e-12)
    assert np.abs(kernel.ntk(x1, np.rot90(x2, 1, axes=(1, 2))) - base).max() > 1e-4


# --- the contract shared by every kernel (scikit-learn style: one list, every invariant) ---

RNG = np.random.default_rng(7)
IMAGES = RNG.normal(size=(5, 6, 6, 2))
OTHER = RNG.normal(size=(3, 6, 6, 2))
ALL_KERNELS = [
    kernels.rbf(length_scale=3.0),
    kernels.mlp(depth=3),
    kernels.mlp(depth=2, activation="erf", W_std=1.3, b_std=0.2),
    kernels.cnn(depth=2, readout="flatten"),
    kernels.cnn(depth=2, readout="gap", W_std=1.2, b_std=0.3),
    kernels.cnn(depth=1, readout="gap", activation="erf"),
    kernels.cnn(depth=1, filter_size=5, readout="gap"),
    kernels.gcnn(depth=2),
    kernels.orbit_average(kernels.mlp(depth=1), action="rot90", N=4),
    kernels.orbit_average(kernels.cnn(readout="gap"), action="shift", N=3),
    kernels.orbit_average(kernels.rbf(2.0), action="rotate", N=5),
]


@pytest.mark.slow
@pytest.mark.parametrize("kernel", ALL_KERNELS, ids=lambda k: k.name)
def test_kernel_contract(kernel):
    K = kernel(IMAGES)
    assert K.shape == (5, 5) and K.dtype == np.float64
    np.testing.assert_array_equal(K, K.T)
    assert np.linalg.eigvalsh(K).min() >= -1e-10 * np.abs(K).max()
    np.testing.assert_allclose(kernel(IMAGES, IMAGES), K, rtol=1e-12, atol=1e-14 * np.abs(K).max())
    cross = kernel(IMAGES, OTHER)
    assert cross.shape == (5, 3)
    np.testing.assert_allclose(kernel(OTHER, IMAGES), cross.T, rtol=1e-12, atol=1e-14 * np.abs(K).max())
    np.testing.assert_allclose(kernel(IMAGES[:2], OTHER), cross[:2], rtol=1e-12)


NEURAL_KERNELS = [k for k in ALL_KERNELS if isinstance(getattr(k, "base", k), kernels.NeuralKernel)]


@pytest.mark.slow
@pytest.mark.parametrize("kernel", NEURAL_KERNELS, ids=lambda k: k.name)
def test_neural_kernel_ntk_is_the_call_and_dominates_the_nngp(kernel):
    nngp, ntk = kernel.nngp_ntk(IMAGES)
    np.testing.assert_array_equal(kernel(IMAGES), ntk)
    np.testing.assert_array_equal(kernel.nngp(IMAGES), nngp)
    assert np.all(np.diag(ntk) > np.diag(nngp) - 1e-12)


def test_mlp_flattens_images_and_matches_vectors():
    k = kernels.mlp(depth=2)
    np.testing.assert_array_equal(k(IMAGES), k(IMAGES.reshape(5, -1)))


def test_flatten_cnn_on_one_pixel_is_an_mlp():
    x = RNG.normal(size=(4, 1, 1, 7))
    np.testing.assert_allclose(
        kernels.cnn(depth=2, filter_size=1).nngp_ntk(x)[1], kernels.mlp(depth=2).ntk(x.reshape(4, 7)), rtol=1e-12
    )


@pytest.mark.slow
def test_orbit_average_matches_its_formula_and_is_invariant():
    base = kernels.cnn(readout="flatten")
    avg = kernels.orbit_average(base, action="rot90", N=4)
    x1, x2 = IMAGES[:, :, :, :1], OTHER[:, :, :, :1]
    expected = np.mean([base(x1, np.rot90(x2, k, axes=(1, 2))) for k in range(4)], axis=0)
    np.testing.assert_allclose(avg(x1, x2), expected, rtol=1e-12)
    np.testing.assert_allclose(avg(x1, np.rot90(x2, 1, axes=(1, 2))), expected, rtol=1e-12)
    np.testing.assert_allclose(avg(np.rot90(x1, 3, axes=(1, 2)), x2), expected, rtol=1e-10)


def test_kernels_leave_the_global_jax_configuration_alone():
    kernels.mlp()(IMAGES)
    assert not jax.config.jax_enable_x64


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: kernels.mlp(depth=0), "depth must be >= 1"),
        (lambda: kernels.mlp(activation="tanh"), "activation must be one of"),
        (lambda: kernels.mlp(W_std=0.0), "W_std must be > 0"),
        (lambda: kernels.mlp(b_std=-1.0), "b_std must be >= 0"),
        (lambda: kernels.cnn(readout="max"), "readout must be one of"),
        (lambda: kernels.cnn(filter_size=2), "filter_size must be odd"),
        (lambda: kernels.gcnn(depth=1.5), "depth must be an integer"),
        (lambda: kernels.rbf(length_scale=0.0), "length_scale must be > 0"),
        (lambda: kernels.orbit_average(kernels.mlp(), action="flip"), "action must be one of"),
        (lambda: kernels.orbit_average(kernels.mlp(), action="rot90", N=3)(IMAGES), "rot90"),
        (lambda: kernels.cnn()(IMAGES.reshape(5, -1)), "x1 must have 3 or 4 dimensions"),
        (lambda: kernels.cnn()(IMAGES, OTHER[:, :4]), "same shape apart from the first axis"),
        (lambda: kernels.cnn(filter_size=7)(IMAGES), "filter_size must be at most the image side 6"),
        # a quarter turn maps only a square pixel grid onto itself
        (lambda: kernels.gcnn()(IMAGES[:, :, :5]), "x1 must hold square images"),
        (lambda: kernels.mlp()(np.full((2, 3), np.nan)), "x1 must be finite"),
        (lambda: kernels.mlp()(np.array([["a"]])), "x1 must hold real numbers"),
        (lambda: kernels.empirical_ntk(kernels.rbf(), IMAGES), "arch must be an mlp, cnn or gcnn"),
        (lambda: kernels.empirical_ntk(kernels.mlp(), IMAGES, width=0), "width must be >= 1"),
    ],
)
def test_bad_input_names_the_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_public_names():
    assert set(kernels.__all__) >= {"rbf", "mlp", "cnn", "gcnn", "orbit_average", "empirical_ntk"}
    assert nv.kernels.mlp is kernels.mlp


@pytest.mark.slow
@pytest.mark.parametrize("kernel", [kernels.cnn(depth=1), kernels.cnn(depth=2), kernels.cnn(readout="gap")],
                         ids=lambda k: k.name)
def test_tiles_and_chunks_assemble_the_same_gram_matrix(kernel):
    # 70 inputs: more than one 64-tile (flatten) and many pair chunks (GAP); every block must
    # land in its place, and the symmetric path must agree with the two-argument one.
    x = np.random.default_rng(11).normal(size=(70, 6, 6, 1))
    K = kernel(x)
    np.testing.assert_array_equal(K, K.T)
    np.testing.assert_allclose(kernel(x[:65], x[65:]), K[:65, 65:], rtol=1e-12)
    np.testing.assert_allclose(kernel(x[60:], x[:3]), K[60:, :3], rtol=1e-12)
    single = np.array([[kernel(x[i:i + 1], x[j:j + 1])[0, 0] for j in (0, 64, 69)] for i in (1, 66)])
    np.testing.assert_allclose(K[np.ix_([1, 66], [0, 64, 69])], single, rtol=1e-12)

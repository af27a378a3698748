"""Interop with neural-tangents 0.6.5: our kernels equal ``neural_tangents.stax``'s, and
``kernels.from_stax`` makes real stax kernels usable everywhere
(docs/theory.md#kernels-from-neural-tangents).

Runs only in the environment with the neural-tangents stack (``make test`` runs
``pytest tests_nt tests`` there); neural_tangents is imported unconditionally so nothing can
skip. neural-tangents is always called inside ``enable_x64(True)`` (float64, the global JAX
switch untouched, as ``from_stax`` does).

Conventions checked (docs/theory.md#conventions, tests/reference/README.md): NTK
parameterisation, the same ``W_std``/``b_std`` in every layer including the width-1 Dense
readout; Conv with ``padding="CIRCULAR"`` averages the input kernel over the ``f×f`` window and the
channels (``W²/(f²C)`` per weight), Flatten takes the mean of the pixel diagonal, GlobalAvgPool the
mean over all pixel pairs. ``b_std=None`` (no bias) in stax is our ``b_std=0``.

One known difference, not ours: for ``x2=None`` neural-tangents evaluates the ReLU angle at
equal inputs as ``arccos`` of a cosine a few ulps below 1, so ``t ≈ 1e-8`` instead of 0 and its
diagonal NTK entries are off by up to ~1e-8 relative (the reference README measured 7e-8).
There the diagonal is checked against the exact closed form (ours to 1e-12) and NT's only to
the size of that round-off; every other entry to 1e-10.
"""

import itertools

import neural_tangents
import numpy as np
import pytest
from neural_tangents import stax

import ntkviz as nv
from ntkviz import gp, spectral
from ntkviz.experiments import architectures, orbits, propositions
from ntkviz.kernels._x64 import enable_x64

RTOL = 1e-10
ARCCOS_RTOL = 1e-7  # NT's ReLU diagonal for x2=None (module docstring)
ACTIVATIONS = {"relu": stax.Relu, "erf": stax.Erf}


def test_the_stack_is_the_one_the_reference_numbers_were_made_with():
    assert neural_tangents.__version__ == "0.6.5"


def nt_kernels(layers, x1, x2):
    """``(nngp, ntk)`` of ``stax.serial(*layers)`` in float64 numpy."""
    _, _, kernel_fn = stax.serial(*layers)
    with enable_x64(True):
        result = kernel_fn(x1, x2, ("nngp", "ntk"))
        assert result.nngp.dtype == np.float64
        return np.asarray(result.nngp), np.asarray(result.ntk)


def relative(got, expected):
    return float(np.abs(got - expected).max() / np.abs(expected).max())


def centred(got, expected):
    """Relative error of the part that varies (kernels with a bias are dominated by b²)."""
    mean = expected.mean()
    return relative(got - mean, expected - mean)


def assert_equal_kernels(ours, theirs, *, relu_diagonal: bool):
    """Our (nngp, ntk) against NT's to RTOL; for x2=None with ReLU, off-diagonal entries only
    (the diagonal is checked separately)."""
    for name, got, expected in zip(("NNGP", "NTK"), ours, theirs):
        assert got.shape == expected.shape
        mask = np.ones(got.shape, dtype=bool)
        if relu_diagonal:
            np.fill_diagonal(mask, False)
        assert relative(got[mask], expected[mask]) <= RTOL, name
        assert centred(got[mask], expected[mask]) <= RTOL, name
        if relu_diagonal:  # NT's arccos round-off, bounded
            assert relative(np.diag(got), np.diag(expected)) <= ARCCOS_RTOL, name


# --------------------------------------------------------------------------- MLPs


def mlp_layers(depth, W, b, activation):
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(512, W_std=W, b_std=b), ACTIVATIONS[activation]()]
    return layers + [stax.Dense(1, W_std=W, b_std=b)]


def exact_relu_mlp_diagonal(x, depth, W, b):
    """``Σ(x, x)``, ``Θ(x, x)`` of a ReLU MLP: at equal inputs the angle is exactly 0, so ReLU
    halves both (docs/theory.md#relu-and-erf with t = 0)."""
    sigma, theta = np.sum(x * x, 1) / x.shape[1], 0.0
    for _ in range(depth):
        sigma = W**2 * sigma + b**2
        theta = W**2 * theta + sigma
        sigma, theta = sigma / 2, theta / 2
    sigma = W**2 * sigma + b**2
    return sigma, W**2 * theta + sigma


#: (W_std, b_std); each (depth, activation) takes two in turn, so every activation meets every
#: setting at two depths (b_std = None is stax's "no bias").
MLP_SETTINGS = [(1.0, 1.0), (1.5, 0.1), (0.7, 0.0), (2.0, 0.5), (1.2, None)]


def mlp_settings(depth, activation):
    start = 2 * (depth - 1) + (activation == "erf")
    return [MLP_SETTINGS[(start + i) % len(MLP_SETTINGS)] for i in range(2)]


def test_every_activation_meets_every_mlp_setting():
    for activation in ("relu", "erf"):
        met = [s for depth in range(1, 6) for s in mlp_settings(depth, activation)]
        assert set(met) == set(MLP_SETTINGS)


@pytest.mark.parametrize("activation", ["relu", "erf"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_mlp_equals_neural_tangents(depth, activation):
    for seed, (W, b) in enumerate(mlp_settings(depth, activation)):
        rng = np.random.default_rng(100 * depth + seed)
        d = int(rng.integers(3, 40))
        # n1 = 9 ≠ n2 = 12 (both pad to one JAX shape bucket: one compilation per network)
        x1, x2 = rng.standard_normal((9, d)), rng.standard_normal((12, d))
        ours = nv.kernels.mlp(depth, W, 0.0 if b is None else b, activation)
        layers = mlp_layers(depth, W, b, activation)
        assert_equal_kernels(ours.nngp_ntk(x1, x2), nt_kernels(layers, x1, x2), relu_diagonal=False)
        mine = ours.nngp_ntk(x1)
        assert_equal_kernels(mine, nt_kernels(layers, x1, None), relu_diagonal=activation == "relu")
        if activation == "relu":
            for got, exact in zip(mine, exact_relu_mlp_diagonal(x1, depth, W, 0.0 if b is None else b)):
                np.testing.assert_allclose(np.diag(got), exact, rtol=1e-12)


# --------------------------------------------------------------------------- CNNs


def cnn_layers(depth, f, readout, W, b, activation):
    layers = []
    for _ in range(depth):
        layers += [stax.Conv(64, (f, f), padding="CIRCULAR", W_std=W, b_std=b),
                   ACTIVATIONS[activation]()]
    pool = stax.Flatten() if readout == "flatten" else stax.GlobalAvgPool()
    return layers + [pool, stax.Dense(1, W_std=W, b_std=b)]


def box(v, f):
    """Circular mean over the f×f window around every pixel of (n, H, W)."""
    r = f // 2
    return np.mean([np.roll(v, (u, w), axis=(1, 2))
                    for u in range(-r, r + 1) for w in range(-r, r + 1)], axis=0)


def exact_relu_flatten_diagonal(x, depth, f, W, b):
    """``Σ(x, x)``, ``Θ(x, x)`` of a ReLU CNN with a flatten readout: on the pixel diagonal of
    one image the angle is exactly 0, so ReLU halves both; Flatten is the pixel mean."""
    sigma, theta = np.mean(x * x, axis=-1), 0.0
    for _ in range(depth):
        sigma = W**2 * box(sigma, f) + b**2
        theta = W**2 * box(theta * np.ones_like(sigma), f) + sigma
        sigma, theta = sigma / 2, theta / 2
    sigma = W**2 * sigma.mean((1, 2)) + b**2
    return sigma, W**2 * theta.mean((1, 2)) + sigma


#: (depth, filter, readout, side, channels, activation, W_std, b_std): depth 1 and 2, filters 3
#: and 5, both readouts, 8×8 and 14×14, 1 and 2 channels, ReLU and erf, b_std = 0 included.
CNN_CASES = [
    (1, 3, "flatten", 8, 1, "relu", 1.0, 1.0),
    (1, 3, "gap", 8, 1, "relu", 1.0, 1.0),
    (1, 3, "gap", 8, 2, "erf", 1.5, 0.0),
    (2, 3, "flatten", 8, 2, "relu", 1.5, 0.0),
    (2, 3, "gap", 8, 2, "erf", 1.0, 1.0),
    (1, 3, "flatten", 14, 1, "erf", 1.5, 0.0),
    (1, 3, "gap", 14, 1, "relu", 1.0, 1.0),
    (2, 3, "flatten", 14, 1, "relu", 1.0, 1.0),
    (2, 3, "gap", 14, 1, "relu", 1.5, 0.0),
    (1, 5, "flatten", 8, 2, "relu", 2.0, 0.5),
    (1, 5, "gap", 8, 1, "erf", 1.0, 1.0),
    (2, 5, "flatten", 8, 1, "erf", 0.7, 0.0),
    (2, 5, "gap", 8, 2, "relu", 1.0, 1.0),
    (1, 5, "gap", 14, 2, "relu", 1.5, 0.1),
]


def test_the_cnn_cases_cover_every_setting():
    columns = list(zip(*CNN_CASES))
    assert set(columns[0]) == {1, 2} and set(columns[1]) == {3, 5}
    assert set(columns[2]) == {"flatten", "gap"} and set(columns[3]) == {8, 14}
    assert set(columns[4]) == {1, 2} and set(columns[5]) == {"relu", "erf"}
    for readout, depth in itertools.product(("flatten", "gap"), (1, 2)):
        assert any(c[2] == readout and c[0] == depth for c in CNN_CASES)
        assert any(c[2] == readout and c[7] == 0.0 for c in CNN_CASES)


@pytest.mark.parametrize("case", CNN_CASES, ids=lambda c: "-".join(map(str, c)))
def test_cnn_equals_neural_tangents(case):
    depth, f, readout, side, channels, activation, W, b = case
    rng = np.random.default_rng(CNN_CASES.index(case))
    x1 = rng.standard_normal((5, side, side, channels))
    x2 = rng.standard_normal((3, side, side, channels))
    ours = nv.kernels.cnn(depth, f, readout, W, b, activation)
    layers = cnn_layers(depth, f, readout, W, b, activation)
    assert_equal_kernels(ours.nngp_ntk(x1, x2), nt_kernels(layers, x1, x2), relu_diagonal=False)
    mine = ours.nngp_ntk(x1)
    assert_equal_kernels(mine, nt_kernels(layers, x1, None), relu_diagonal=activation == "relu")
    if activation == "relu" and readout == "flatten":
        for got, exact in zip(mine, exact_relu_flatten_diagonal(x1, depth, f, W, b)):
            np.testing.assert_allclose(np.diag(got), exact, rtol=1e-12)


# --------------------------------------------------------------------------- from_stax


def stax_kernel(layers, **kwargs):
    return nv.kernels.from_stax(stax.serial(*layers)[2], **kwargs)


def test_from_stax_equals_the_stored_reference_numbers():
    """The adapter on NT reproduces tests/reference/kernels_visible.npz (made with NT 0.6.5)."""
    from pathlib import Path

    reference = np.load(Path(__file__).parents[1] / "tests" / "reference" / "kernels_visible.npz")
    networks = {
        "mlp2_w": mlp_layers(2, 1.5, 0.1, "relu"),
        "mlp1_erf_scaled": mlp_layers(1, 1.0, 1.0, "erf"),
        "cnn_fc_14_scaled": cnn_layers(1, 3, "flatten", 1.0, 1.0, "relu"),
    }  # (cnn_gap: our GAP kernel equals NT above and the stored numbers in tests/test_kernels)
    for arch, layers in networks.items():
        k = stax_kernel(layers)
        x1, x2 = reference[f"{arch}__x1"], reference[f"{arch}__x2"]
        for (a, b), pair in (((x1, x2), "12"), ((x1, None), "11")):
            for got, name in zip(k.nngp_ntk(a, b), ("nngp", "ntk")):
                expected = reference[f"{arch}__{name}_{pair}"]
                off = ~np.eye(*got.shape, dtype=bool) if pair == "11" else np.ones(got.shape, bool)
                np.testing.assert_allclose(got[off], expected[off], rtol=1e-12)
                # NT's own ReLU diagonal (x2=None) varies with its arccos round-off
                np.testing.assert_allclose(np.diag(got), np.diag(expected), rtol=ARCCOS_RTOL)


def test_from_stax_on_real_stax_kernels_equals_the_built_ins():
    rng = np.random.default_rng(7)
    images = rng.standard_normal((6, 8, 8))
    dense = stax_kernel(mlp_layers(2, 1.3, 0.2, "relu"), name="stax MLP", batch_size=4)
    conv = stax_kernel(cnn_layers(1, 3, "gap", 1.0, 1.0, "erf"))
    cases = ((dense, nv.kernels.mlp(2, 1.3, 0.2)),  # auto: images are flattened for Dense
             (conv, nv.kernels.cnn(1, 3, "gap", activation="erf")))  # auto: NHWC for Conv
    for k, built_in in cases:
        for got, expected in zip(k.nngp_ntk(images[:4], images[4:]), built_in.nngp_ntk(images[:4], images[4:])):
            assert got.dtype == np.float64
            assert relative(got, expected) <= RTOL and centred(got, expected) <= RTOL
        K = k(images)
        assert np.array_equal(K, K.T)
        off = ~np.eye(6, dtype=bool)
        assert relative(K[off], built_in(images)[off]) <= RTOL
    assert dense.name == "stax MLP"
    assert len({dense, conv, dense}) == 2


def test_a_stax_kernel_runs_through_the_analysis():
    X, y = nv.datasets.circle_pair(N=6, delta=0.7)
    k = stax_kernel(mlp_layers(1, 1.0, 1.0, "erf"))
    built_in = nv.kernels.mlp(1, activation="erf")
    K, reference = k(X), built_in(X)
    assert spectral.is_circulant(K)
    assert spectral.analyze(K).error == pytest.approx(spectral.analyze(reference).error, rel=1e-9)
    assert gp.loo_error(K, y) == pytest.approx(gp.loo_error(reference, y), rel=1e-9)
    image = np.random.default_rng(2).random((6, 6))
    ours = propositions.orbit_properties(k, image, action="shift", N=6)
    theirs = propositions.orbit_properties(built_in, image, action="shift", N=6)
    np.testing.assert_allclose(ours.K, theirs.K, rtol=RTOL)
    assert ours.rank == theirs.rank == 6 and ours.circulant_deviation < 1e-12


def test_a_registered_stax_kernel_drives_the_orbit_experiment_and_explorer():
    from ntkviz.widgets.orbit import OrbitExplorer

    key = "test_nt_gap"
    k = stax_kernel(cnn_layers(1, 3, "gap", 1.0, 1.0, "relu"), name="neural-tangents GAP CNN")
    architectures.register_architecture(key, k, resolution=14, symmetry="cyclic shifts")
    try:
        ours = orbits.orbit_pair_state((1, 0), (7, 0), "rot90", 4, key)
        built_in = orbits.orbit_pair_state((1, 0), (7, 0), "rot90", 4, "cnn_gap")
        assert relative(ours.K, built_in.K) <= RTOL
        assert ours.eps_spectral == pytest.approx(built_in.eps_spectral, rel=1e-6)
        explorer = OrbitExplorer((1, 0), (7, 0), "rot90", 4, architecture=key)  # the cached state
        assert ("neural-tangents GAP CNN", key) in explorer.architecture.options
        assert explorer.state.architecture == key and explorer.state.K is ours.K
    finally:
        architectures.unregister_architecture(key)

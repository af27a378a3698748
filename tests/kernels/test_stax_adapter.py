"""``kernels.from_stax`` and ``architectures.register_architecture``
(docs/theory.md#kernels-from-neural-tangents).

The main environment has no neural-tangents, so the wrapped callables here are stand-ins with
the stax signature ``kernel_fn(x1, x2, get)``: one around ``kernels.mlp`` that, like a stax
network starting with ``Dense``, keeps the pixel axes of image inputs (so its result is not
``(n1, n2)``), one around ``kernels.cnn`` that, like ``Conv``, needs NHWC images, and a small
pure-JAX arc-cosine kernel (the one-hidden-layer ReLU NNGP/NTK written out independently).
``tests_nt/`` checks the adapter on real neural-tangents kernels.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import ntkviz as nv
from ntkviz import gp, spectral
from ntkviz.experiments import architectures, digit_orbits, orbits, propositions

MLP = nv.kernels.mlp(depth=2, W_std=1.3, b_std=0.2)
CNN = nv.kernels.cnn(depth=1, filter_size=3, readout="gap")
RNG = np.random.default_rng(0)
X1 = RNG.standard_normal((7, 6, 6))
X2 = RNG.standard_normal((5, 6, 6))


class Recorder:
    """A stax-signature stand-in around an ntkviz kernel, recording every call."""

    def __init__(self, kernel, layout):
        self.kernel, self.layout, self.calls = kernel, layout, []

    def __call__(self, x1, x2, get):
        self.calls.append((np.shape(x1), None if x2 is None else np.shape(x2), get,
                           jnp.asarray(x1).dtype))
        if self.layout == "vectors" and np.ndim(x1) != 2:
            # a Dense-first stax network keeps leading pixel axes: not one scalar per pair
            return np.zeros((len(x1), len(x1 if x2 is None else x2)) + np.shape(x1)[1:-1])
        if self.layout == "images" and np.ndim(x1) != 4:
            raise TypeError("conv needs NHWC inputs")
        nngp, ntk = self.kernel.nngp_ntk(np.asarray(x1), None if x2 is None else np.asarray(x2))
        return {"nngp": nngp, "ntk": ntk}[get] if isinstance(get, str) else (nngp, ntk)


def arccos_fn(x1, x2, get):
    """One hidden ReLU layer, W_std = b_std = 1, written directly in jax.numpy
    (docs/theory.md#relu-and-erf)."""
    x1 = jnp.asarray(x1)
    x2 = x1 if x2 is None else jnp.asarray(x2)
    d = x1.shape[1]
    s = x1 @ x2.T / d + 1.0
    v1 = jnp.sum(x1 * x1, 1) / d + 1.0
    v2 = jnp.sum(x2 * x2, 1) / d + 1.0
    norm = jnp.sqrt(v1[:, None] * v2[None, :])
    t = jnp.arccos(jnp.clip(s / norm, -1.0, 1.0))
    nngp = norm * (jnp.sin(t) + (jnp.pi - t) * jnp.cos(t)) / (2 * jnp.pi) + 1.0
    ntk = s * (jnp.pi - t) / (2 * jnp.pi) + nngp
    out = {"nngp": nngp, "ntk": ntk}
    return out[get] if isinstance(get, str) else (nngp, ntk)


# --------------------------------------------------------------------------- the kernel


@pytest.mark.parametrize("x2", [None, X2, X1[:3]], ids=["x2=None", "n1!=n2", "overlap"])
def test_from_stax_equals_the_wrapped_kernel(x2):
    k = nv.kernels.from_stax(Recorder(MLP, "any"))
    nngp, ntk = k.nngp_ntk(X1, x2)
    expected_nngp, expected_ntk = MLP.nngp_ntk(X1, x2)
    for got, expected in ((nngp, expected_nngp), (ntk, expected_ntk), (k(X1, x2), expected_ntk),
                          (k.ntk(X1, x2), expected_ntk), (k.nngp(X1, x2), expected_nngp)):
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        assert got.shape == (7, 7 if x2 is None else len(x2))
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
    if x2 is None:
        assert np.array_equal(ntk, ntk.T) and np.array_equal(nngp, nngp.T)


@pytest.mark.slow
def test_pure_jax_arccos_kernel_matches_the_built_in_mlp_in_float64():
    x1, x2 = RNG.standard_normal((9, 5)), RNG.standard_normal((4, 5))
    k = nv.kernels.from_stax(arccos_fn, name="arc-cosine")
    mlp = nv.kernels.mlp(depth=1)
    np.testing.assert_allclose(k.nngp(x1, x2), mlp.nngp(x1, x2), rtol=1e-13)
    np.testing.assert_allclose(k(x1, x2), mlp(x1, x2), rtol=1e-13)
    off = ~np.eye(9, dtype=bool)  # diagonal: arccos(1 − ulp) ≠ 0, a float64 round-off of ~1e-8
    np.testing.assert_allclose(k(x1)[off], mlp(x1)[off], rtol=1e-13)
    np.testing.assert_allclose(np.diag(k(x1)), np.diag(mlp(x1)), rtol=1e-7)
    assert k.name == "arc-cosine"


def test_calls_run_in_float64_without_touching_the_global_switch():
    before = jax.config.jax_enable_x64
    spy = Recorder(MLP, "any")
    nv.kernels.from_stax(spy, inputs="vectors").nngp_ntk(X1.astype(np.float32), X2)
    assert [c[3] for c in spy.calls] == [jnp.float64]
    assert jax.config.jax_enable_x64 == before
    x = RNG.standard_normal((4, 3))
    assert np.abs(nv.kernels.from_stax(arccos_fn).nngp(x) - nv.kernels.mlp(1).nngp(x)).max() < 1e-14


def test_each_method_asks_only_for_what_it_needs():
    spy = Recorder(MLP, "any")
    k = nv.kernels.from_stax(spy, inputs="vectors")
    k.ntk(X1), k.nngp(X1), k(X1, X2), k.nngp_ntk(X1)
    assert [c[2] for c in spy.calls] == ["ntk", "nngp", "ntk", ("nngp", "ntk")]
    assert spy.calls[0][1] is None  # x2=None is passed on as None


@pytest.mark.slow
def test_auto_inputs_flatten_for_dense_and_keep_images_for_conv():
    dense, conv = Recorder(MLP, "vectors"), Recorder(CNN, "images")
    k_dense, k_conv = nv.kernels.from_stax(dense), nv.kernels.from_stax(conv)
    np.testing.assert_allclose(k_dense(X1, X2), MLP(X1, X2), rtol=1e-14)
    np.testing.assert_allclose(k_conv(X1, X2), CNN(X1, X2), rtol=1e-13)
    assert dense.calls[-1][:2] == ((7, 36), (5, 36))
    assert conv.calls[-1][:2] == ((7, 6, 6, 1), (5, 6, 6, 1))
    # (n, d) vectors go as they are; two-channel images stay NHWC
    k_dense(X1.reshape(7, -1))
    assert dense.calls[-1][0] == (7, 36)
    two = RNG.standard_normal((3, 6, 6, 2))
    np.testing.assert_allclose(k_conv(two), CNN(two), rtol=1e-13)
    assert conv.calls[-1][0] == (3, 6, 6, 2)
    # the probe runs once per image shape, then the choice is remembered
    probes = len(conv.calls)
    k_conv(X2)
    assert len(conv.calls) == probes + 1


def test_explicit_inputs_skip_the_probe():
    conv = Recorder(CNN, "images")
    nv.kernels.from_stax(conv, inputs="images")(X1)
    assert [c[0] for c in conv.calls] == [(7, 6, 6, 1)]
    dense = Recorder(MLP, "vectors")
    nv.kernels.from_stax(dense, inputs="vectors")(X1)
    assert [c[0] for c in dense.calls] == [(7, 36)]
    with pytest.raises(ValueError, match=r"x1 must be images .*inputs='images'"):
        nv.kernels.from_stax(conv, inputs="images")(X1.reshape(7, -1))


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 7, 100])
def test_batches_give_the_same_matrix(batch_size):
    spy = Recorder(MLP, "any")
    k = nv.kernels.from_stax(spy, inputs="vectors", batch_size=batch_size)
    whole = nv.kernels.from_stax(MLP_FN, inputs="vectors")
    for x2 in (None, X2):
        for got, expected in zip(k.nngp_ntk(X1, x2), whole.nngp_ntk(X1, x2)):
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
    assert max(c[0][0] for c in spy.calls) <= batch_size
    assert max((c[1] or (0,))[0] for c in spy.calls) <= batch_size
    assert np.array_equal(k(X1), k(X1).T)


MLP_FN = Recorder(MLP, "any")


def test_hashable_and_equal_only_for_the_same_callable():
    a, b = Recorder(MLP, "any"), Recorder(MLP, "any")
    ka, ka2, kb = nv.kernels.from_stax(a), nv.kernels.from_stax(a), nv.kernels.from_stax(b)
    assert ka == ka2 and hash(ka) == hash(ka2)
    assert ka != kb  # the same code, another object: another kernel (caches must not mix them)
    assert ka != nv.kernels.from_stax(a, batch_size=4)
    assert len({ka, ka2, kb}) == 2
    assert ka.name == "stax kernel" and "Recorder" in repr(ka)
    assert isinstance(ka, nv.kernels.NeuralKernel)
    with pytest.raises(dataclasses_frozen_error()):
        ka.inputs = "images"


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize("bad, error, match", [
    ({"kernel_fn": np.eye(2)}, TypeError, "kernel_fn must be a callable"),
    ({"inputs": "nhwc"}, ValueError, "inputs must be one of 'auto', 'vectors', 'images'"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
    ({"name": 3}, TypeError, "name must be a string"),
])
def test_bad_arguments_are_named(bad, error, match):
    arguments = {"kernel_fn": arccos_fn} | bad
    with pytest.raises(error, match=match):
        nv.kernels.from_stax(arguments.pop("kernel_fn"), **arguments)


def test_bad_results_of_the_wrapped_function_are_explained():
    x = RNG.standard_normal((3, 4))

    def returning(value):
        return nv.kernels.from_stax(lambda x1, x2, get: value, inputs="vectors")

    with pytest.raises(ValueError, match=r"2 NaN or infinite entries in the NTK"):
        returning(np.array([[1.0, np.nan, 0], [0, 1, np.inf], [0, 0, 1]]))(x)
    with pytest.raises(ValueError, match=r"shape \(3, 3, 2\), expected \(3, 3\)"):
        returning(np.zeros((3, 3, 2)))(x)
    with pytest.raises(ValueError, match="returned None for the NTK"):
        returning(None)(x)
    with pytest.raises(ValueError, match=r"must return the pair \(nngp, ntk\)"):
        returning(np.eye(3)).nngp_ntk(x)
    with pytest.raises(ValueError, match="real numbers"):
        returning(np.eye(3, dtype=complex))(x)
    with pytest.warns(RuntimeWarning, match="float32"):
        returning(np.eye(3, dtype=np.float32))(x)
    with pytest.raises(ValueError, match="neither as NHWC images nor as flat vectors"):
        nv.kernels.from_stax(lambda x1, x2, get: np.zeros((1, 1, 5)))(X1)


def test_bad_inputs_are_named():
    k = nv.kernels.from_stax(arccos_fn)
    with pytest.raises(ValueError, match="x1 must be finite"):
        k(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="x1 and x2 must have the same shape"):
        k(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="x2 must have 2 or 3 or 4 dimensions"):
        k(np.ones((2, 3)), np.ones(3))
    big = np.broadcast_to(np.ones(2), (10_001, 2))  # 10,001² entries: refused before any call
    with pytest.raises(ValueError, match="MAX_GRAM_ENTRIES"):
        nv.kernels.from_stax(lambda *a: pytest.fail("called"))(big)


@pytest.mark.slow
def test_a_stax_kernel_runs_through_the_analysis():
    X, y = nv.datasets.circle_pair(N=6, delta=0.7)
    k = nv.kernels.from_stax(arccos_fn)
    K = k(X)
    reference = nv.kernels.mlp(depth=1)(X)
    assert spectral.is_circulant(K)  # a dot-product kernel over a rotation orbit
    assert spectral.analyze(K).error == pytest.approx(spectral.analyze(reference).error, rel=1e-6)
    assert gp.loo_error(K, y) == pytest.approx(gp.loo_error(reference, y), rel=1e-6)
    image = RNG.random((6, 6))
    props = propositions.orbit_properties(k, image, action="shift", N=6)
    assert props.circulant_deviation < 1e-12 and props.rank == 6


# --------------------------------------------------------------------------- the registry


@pytest.fixture
def registered():
    keys = []

    def register(key, kernel, **kwargs):
        keys.append(key)
        return architectures.register_architecture(key, kernel, **kwargs)

    yield register
    for key in keys:
        if key in architectures.ARCHITECTURES and key not in architectures.BUILT_IN:
            architectures.unregister_architecture(key)


def test_a_registered_stax_kernel_is_an_architecture(registered):
    k = nv.kernels.from_stax(Recorder(nv.kernels.mlp(depth=1), "vectors"), name="stax MLP")
    arch = registered("test_stax_mlp", k)
    assert arch.label == "stax MLP" and arch.resolution == 28 and arch.symmetry == "none"
    assert architectures.architecture("test_stax_mlp") is arch
    images = RNG.random((3, 28, 28))
    np.testing.assert_allclose(architectures.kernel_matrix("test_stax_mlp", images),
                               architectures.kernel_matrix("mlp1", images), rtol=1e-13)
    np.testing.assert_allclose(architectures.kernel_matrix("test_stax_mlp", images, kind="nngp"),
                               architectures.kernel_matrix("mlp1", images, kind="nngp"), rtol=1e-13)
    ours = orbits.orbit_pair_state((3, 0), (8, 0), "rot90", 4, "test_stax_mlp")
    built_in = orbits.orbit_pair_state((3, 0), (8, 0), "rot90", 4, "mlp1")
    np.testing.assert_allclose(ours.K, built_in.K, rtol=1e-13)
    assert ours.eps_spectral == pytest.approx(built_in.eps_spectral, rel=1e-10)
    assert ours.architecture == "test_stax_mlp"


def test_a_registered_14px_conv_kernel_gets_pooled_digits(registered):
    k = nv.kernels.from_stax(Recorder(CNN, "images"), name="stax GAP CNN")
    registered("test_stax_gap", k, resolution=14, symmetry="cyclic shifts")
    assert digit_orbits.allowed_N("shift", "test_stax_gap") == (2, 7, 14)
    ours = orbits.orbit_pair_state((1, 0), (7, 0), "shift", 7, "test_stax_gap")
    built_in = orbits.orbit_pair_state((1, 0), (7, 0), "shift", 7, "cnn_gap")
    assert ours.resolution == 14
    np.testing.assert_allclose(ours.K, built_in.K, rtol=1e-12)
    assert ours.eps_spectral == built_in.eps_spectral == 0.0  # Prop. 2: a GAP CNN on shifts


def test_explorers_built_afterwards_offer_the_registered_architecture(registered):
    from ntkviz.widgets.orbit import OrbitExplorer

    k = nv.kernels.from_stax(Recorder(nv.kernels.mlp(depth=1), "vectors"), name="my stax net")
    registered("test_stax_widget", k)
    explorer = OrbitExplorer(N=4, architecture="test_stax_widget")
    assert ("my stax net", "test_stax_widget") in explorer.architecture.options
    assert explorer.state.architecture == "test_stax_widget"
    assert explorer.set(architecture="mlp1") and explorer.set(architecture="test_stax_widget")
    assert explorer.state.architecture == "test_stax_widget"


def test_registry_guards(registered):
    k = nv.kernels.from_stax(arccos_fn)
    for key in architectures.BUILT_IN:
        with pytest.raises(ValueError, match="built-in architecture and cannot be replaced"):
            architectures.register_architecture(key, k)
        with pytest.raises(ValueError, match="cannot be removed"):
            architectures.unregister_architecture(key)
    assert architectures.BUILT_IN == {"mlp1", "mlp5", "cnn_flatten", "cnn_gap", "gcnn", "orbit_mlp"}
    with pytest.raises(TypeError, match="kernel must be an ntkviz NeuralKernel"):
        architectures.register_architecture("test_rbf", nv.kernels.rbf())
    with pytest.raises(TypeError, match="kernel must be an ntkviz NeuralKernel"):
        architectures.register_architecture("test_fn", arccos_fn)
    with pytest.raises(ValueError, match="resolution must be one of 28, 14"):
        architectures.register_architecture("test_res", k, resolution=20)
    with pytest.raises(TypeError, match="key must be a non-empty string"):
        architectures.register_architecture("", k)
    with pytest.raises(TypeError, match="equivariant must be True or False"):
        architectures.register_architecture("test_eq", k, equivariant="yes")
    assert not {"test_rbf", "test_fn", "test_res", "test_eq"} & set(architectures.ARCHITECTURES)

    first = registered("test_guard", k, label="A")
    assert registered("test_guard", k, label="A") is first  # idempotent (a re-run cell)
    other = nv.kernels.from_stax(lambda x1, x2, get: arccos_fn(x1, x2, get))
    with pytest.raises(ValueError, match="already registered"):
        architectures.register_architecture("test_guard", other, label="A")
    with pytest.raises(ValueError, match="already registered"):
        architectures.register_architecture("test_guard", k, label="B")
    architectures.unregister_architecture("test_guard")
    with pytest.raises(ValueError, match="architecture must be one of"):
        architectures.architecture("test_guard")
    with pytest.raises(ValueError, match="not a registered architecture"):
        architectures.unregister_architecture("test_guard")
    # a removed key can come back only as what it was (results are cached by key)
    with pytest.raises(ValueError, match="already registered"):
        architectures.register_architecture("test_guard", other, label="A")
    assert registered("test_guard", k, label="A").label == "A"

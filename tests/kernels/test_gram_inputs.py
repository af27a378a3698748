"""Plain kernel matrices from anywhere are accepted by every analysis function.

Each function of ``spectral``, ``gp``, ``block_circulant`` and ``experiments.propositions`` that
takes a Gram matrix (or its blocks) is called with the same matrix as a float64 array, float32,
integers, nested lists and tuples, JAX arrays (float64 under x64, float32 by default), a
Fortran-ordered and a read-only array. The answer must equal the answer for the float64 numpy
array holding the same numbers, and for lossless kinds the answer for the original matrix.
Then: a Gram matrix produced by an ntkviz kernel (and by ``from_stax``) gives the same result
as passing the kernel where a function takes either.
"""

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

import ntkviz as nv
from ntkviz import block_circulant as bc
from ntkviz import gp, spectral
from ntkviz.experiments import propositions
from ntkviz.kernels._x64 import enable_x64

# Two interleaved orbits of the circle pair (N = 4): rows A_0, B_0, A_1, … are also the
# element-major order of M = 2 orbits, so K is circulant *and* block-circulant (M=2, N=4).
N_ORBIT = 4
X_CIRCLE, Y = nv.datasets.circle_pair(N=N_ORBIT, delta=1.0)
K = nv.kernels.rbf(0.7)(X_CIRCLE)  # eigenvalues 0.72 … 1.70: well conditioned in float32
BLOCKS = bc.from_gram(K, 2, N_ORBIT)  # (N, M, M)
ROW = spectral.circulant_row(K)
LAM = spectral.spectrum(K)
K_CROSS = K[:3]  # three "test" points against all training points
C_CROSS = BLOCKS[:, :1, :]  # one test orbit: (N, 1, M)


def _jax64(a):
    with enable_x64(True):
        return jnp.asarray(a, dtype=jnp.float64)


def _readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


#: Input kind → (conversion, lossless?; None: depends on JAX's global x64 switch). Integers: the
#: matrix scaled by 1000 and rounded.
KINDS = {
    "float64": (lambda a: np.array(a, dtype=np.float64), True),
    "float32": (lambda a: np.asarray(a, dtype=np.float32), False),
    "int64": (lambda a: np.round(np.asarray(a) * 1000).astype(np.int64), False),
    "int32": (lambda a: np.round(np.asarray(a) * 1000).astype(np.int32), False),
    "list": (lambda a: np.asarray(a).tolist(), True),
    "tuple": (lambda a: _nested_tuple(np.asarray(a).tolist()), True),
    "jax_float64": (_jax64, True),
    "jax_default": (lambda a: jnp.asarray(a), None),  # float32 unless x64 is on globally
    "fortran": (lambda a: np.asfortranarray(a), True),
    "readonly": (_readonly, True),
}


def _nested_tuple(value):
    return tuple(_nested_tuple(v) for v in value) if isinstance(value, list) else value


#: Function → (which argument varies, its base value, the call). One row per public function
#: of the analysis modules that takes a kernel matrix, its blocks or its spectrum.
FUNCTIONS = {
    "spectral.circulant_row": (K, lambda M: spectral.circulant_row(M)),
    "spectral.circulant": (ROW, lambda r: spectral.circulant(r)),
    "spectral.circularize": (K, lambda M: spectral.circularize(M)),
    "spectral.is_circulant": (K, lambda M: spectral.is_circulant(M)),
    "spectral.spectrum": (K, lambda M: spectral.spectrum(M)),
    "spectral.inverse_spectrum": (LAM, lambda lam: spectral.inverse_spectrum(lam, ridge=0.01)),
    "spectral.analyze": (K, lambda M: spectral.analyze(M)),
    "spectral.analyze(ridge)": (K, lambda M: spectral.analyze(M, ridge=1e-3)),
    "spectral.analyze_row": (ROW, lambda r: spectral.analyze_row(r, ridge=1e-3)),
    "spectral.spectral_error": (K, lambda M: spectral.spectral_error(M)),
    "spectral.spectral_error(missing)": (K, lambda M: spectral.spectral_error(M, missing=[0, 3])),
    "spectral.spectral_errors": (K, lambda M: spectral.spectral_errors(M, [0, 1, 5])),
    "gp.dual_weights": (K, lambda M: gp.dual_weights(M, Y)),
    "gp.posterior": (K, lambda M: gp.posterior(M, Y[2:], np.arange(2, 8), [0, 1])),
    "gp.loo_prediction": (K, lambda M: gp.loo_prediction(M, Y, 3)),
    "gp.loo_error": (K, lambda M: gp.loo_error(M, Y)),
    "gp.symmetrized_error": (K, lambda M: gp.symmetrized_error(M, Y)),
    "block_circulant.from_gram": (K, lambda M: bc.from_gram(M, 2, N_ORBIT, rtol=None)),
    "block_circulant.block_row_average": (K, lambda M: bc.block_row_average(M, 2, N_ORBIT)),
    "block_circulant.block_circularize": (K, lambda M: bc.block_circularize(M, 2, N_ORBIT)),
    "block_circulant.block_circulant_deviation": (
        K, lambda M: bc.block_circulant_deviation(M, 2, N_ORBIT)),
    "block_circulant.block_circulant_dense": (BLOCKS, lambda C: bc.block_circulant_dense(C)),
    "block_circulant.block_circulant_matvec": (
        BLOCKS, lambda C: bc.block_circulant_matvec(C, Y)),
    "block_circulant.BlockCirculantKernel": (
        BLOCKS, lambda C: bc.BlockCirculantKernel(C).solve(Y)),
    "block_circulant.BlockCirculantKernel.from_gram": (
        K, lambda M: bc.BlockCirculantKernel.from_gram(M, 2, N_ORBIT, exact=False).eigenvalues()),
    "block_circulant.BlockCirculantKernel.posterior_mean": (
        K_CROSS, lambda T: bc.BlockCirculantKernel(BLOCKS).posterior_mean(T, Y)),
    "block_circulant.BlockCirculantKernel.posterior_mean_orbits": (
        C_CROSS, lambda T: bc.BlockCirculantKernel(BLOCKS).posterior_mean_orbits(T, Y)),
    "block_circulant.leave_out_predictions": (
        BLOCKS, lambda C: bc.leave_out_predictions(bc.BlockCirculantKernel(C), Y, [0, 1])),
    "propositions.pair_properties": (K, lambda M: propositions.pair_properties(M)),
    "propositions.orbit_properties": (
        K[0::2, 0::2], lambda M: propositions.orbit_properties(M, action="rotate")),
}


def _numbers(result) -> list:
    """Every number (and text) in a result, as a flat list of arrays/strings for comparison."""
    if dataclasses.is_dataclass(result):
        return [x for f in dataclasses.fields(result) for x in _numbers(getattr(result, f.name))]
    if isinstance(result, (tuple, list)):
        return [x for v in result for x in _numbers(v)]
    if result is None or isinstance(result, str):
        return [result]
    return [np.asarray(result)]


def _assert_same(got, expected):
    got, expected = _numbers(got), _numbers(expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None or isinstance(e, str):
            assert g == e
        else:
            assert np.asarray(g).shape == e.shape
            np.testing.assert_allclose(np.asarray(g, dtype=float), e.astype(float),
                                       rtol=1e-12, atol=1e-14)


def test_the_table_covers_every_public_gram_function():
    """A new Gram-taking function must join the table (it would be missing from this list)."""
    named = {name.split("(")[0] for name in FUNCTIONS}
    taking_gram = {
        f"spectral.{n}" for n in ("circulant_row", "circulant", "circularize", "is_circulant",
                                  "spectrum", "inverse_spectrum", "analyze", "analyze_row",
                                  "spectral_error", "spectral_errors")
    } | {f"gp.{n}" for n in ("dual_weights", "posterior", "loo_prediction", "loo_error",
                             "symmetrized_error")}
    taking_gram |= {f"block_circulant.{n}" for n in bc.__all__
                    if n not in ("element_major", "point_index", "first_block_row")}
    taking_gram |= {"propositions.pair_properties", "propositions.orbit_properties"}
    assert taking_gram <= named
    assert set(spectral.__all__) - {"SpectralAnalysis"} == {
        n.split(".")[1] for n in taking_gram if n.startswith("spectral.")}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_every_input_kind_gives_the_float64_answer(function, kind):
    base, call = FUNCTIONS[function]
    convert, lossless = KINDS[kind]
    given = convert(base)
    same_numbers = np.array(given, dtype=np.float64)  # what the function must see
    _assert_same(call(given), call(same_numbers))
    if lossless or (lossless is None and np.array_equal(same_numbers, base)):
        _assert_same(call(given), call(base))
    else:  # float32 / rounded integers: really other numbers (the first check is the claim)
        assert not np.array_equal(same_numbers, base)


def test_float32_answers_are_close_to_float64():
    """The float32 Gram loses only float32 precision (a check that nothing else differs)."""
    K32 = K.astype(np.float32)
    assert spectral.spectral_error(K32) == pytest.approx(spectral.spectral_error(K), rel=1e-5)
    assert gp.symmetrized_error(K32, Y) == pytest.approx(gp.symmetrized_error(K, Y), rel=1e-5)


def test_bad_gram_inputs_are_named():
    with pytest.raises(TypeError, match="K must hold real numbers"):
        gp.loo_error([["a", "b"], ["c", "d"]], [1, -1])
    with pytest.raises(TypeError, match="K must hold real numbers, got complex"):
        gp.loo_error(K.astype(complex), Y)
    with pytest.raises(ValueError, match="Kc must be a square matrix"):
        spectral.analyze(K[:3])
    with pytest.raises(ValueError, match="K must be finite"):
        spectral.circularize(np.where(np.eye(8, dtype=bool), np.nan, K).tolist())
    with pytest.raises((TypeError, ValueError), match="K"):
        gp.symmetrized_error([[1.0, 2.0], [3.0]], [1, -1])  # ragged


# --------------------------------------------------------------------------- kernel vs Gram


def _mlp_standin(kernel):
    """A stax-signature callable around an ntkviz kernel (the main env has no neural-tangents)."""

    def kernel_fn(x1, x2, get):
        nngp, ntk = kernel.nngp_ntk(np.asarray(x1), None if x2 is None else np.asarray(x2))
        return {"nngp": nngp, "ntk": ntk}[get] if isinstance(get, str) else (nngp, ntk)

    return kernel_fn


def test_gram_from_a_kernel_equals_the_kernel_path_in_propositions():
    image = np.random.default_rng(3).standard_normal((6, 6))
    kernel = nv.kernels.mlp(depth=2)
    for k in (kernel, nv.kernels.from_stax(_mlp_standin(kernel))):
        by_kernel = propositions.orbit_properties(k, image, action="shift", N=6)
        gram = k(nv.datasets.orbit(image, 6, "shift"))
        for given in (gram, gram.tolist(), _jax64(gram)):
            by_gram = propositions.orbit_properties(given, action="shift")
            assert by_gram.rank == by_kernel.rank
            np.testing.assert_allclose(by_gram.K, by_kernel.K, rtol=1e-12)
            np.testing.assert_allclose(by_gram.lam, by_kernel.lam, rtol=1e-10)
            assert by_gram.circulant_deviation == pytest.approx(by_kernel.circulant_deviation,
                                                                abs=1e-13)


@pytest.mark.slow
def test_gram_from_a_kernel_equals_block_row_from_the_kernel():
    """``first_block_row`` of a kernel equals ``from_gram`` of the Gram it produces, also when
    the kernel is a from_stax one returning JAX arrays."""
    orbits = np.stack([nv.datasets.orbit(np.random.default_rng(s).random((6, 6)), 6, "shift")
                       for s in range(2)])
    kernel = nv.kernels.cnn(depth=1, readout="flatten")

    def jax_fn(x1, x2, get):
        nngp, ntk = kernel.nngp_ntk(np.asarray(x1), None if x2 is None else np.asarray(x2))
        out = {"nngp": nngp, "ntk": ntk}
        return jnp.asarray(out[get]) if isinstance(get, str) else (jnp.asarray(nngp), jnp.asarray(ntk))

    wrapped = nv.kernels.from_stax(jax_fn)
    points = bc.element_major(orbits)
    for k in (kernel, wrapped):
        row = bc.first_block_row(k, orbits)
        dense = bc.from_gram(k(points), 2, 6, rtol=1e-9)
        np.testing.assert_allclose(row, dense, rtol=1e-10)
    np.testing.assert_allclose(wrapped(points), kernel(points), rtol=1e-13)


def test_spectral_and_gp_of_a_kernel_gram_in_any_form():
    """The ε of a kernel's Gram is the same whatever container carries it."""
    X, y = nv.datasets.circle_pair(N=6, delta=0.5)
    kernel = nv.kernels.mlp(depth=1)
    K_mlp = kernel(X)
    expected = (spectral.spectral_error(spectral.circularize(K_mlp)), gp.symmetrized_error(K_mlp, y))
    for given in (K_mlp.tolist(), _jax64(K_mlp), np.asfortranarray(K_mlp),
                  nv.kernels.from_stax(_mlp_standin(kernel))(X)):
        got = (spectral.spectral_error(spectral.circularize(given)), gp.symmetrized_error(given, y))
        assert got == pytest.approx(expected, rel=1e-12)

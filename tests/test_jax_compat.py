"""ntkviz._jax_compat: the same numbers on current JAX and on JAX 0.4.30 (the nt extra),
without changing the user's configuration. This file runs in both environments."""

import threading

import jax
import numpy as np

from ntkviz._jax_compat import enable_x64, stable_random
from ntkviz.kernels import finite_width, mlp

# Drawn once on JAX 0.10.2 with its default configuration (threefry partitionable):
# jax.random.normal(jax.random.key(0), (3,)) and the second key of split(PRNGKey(1)).
NORMAL_KEY0 = np.array([1.6226422, 2.0252647, -0.43359444], dtype=np.float32)
SPLIT_KEY1 = np.array([1948878966, 4237131848], dtype=np.uint32)


def test_stable_random_draws_the_partitionable_stream():
    with stable_random():
        normal = np.asarray(jax.random.normal(jax.random.key(0), (3,)))
        split = np.asarray(jax.random.split(jax.random.PRNGKey(1), 2)[1])
        shuffled = np.asarray(jax.random.permutation(jax.random.fold_in(jax.random.key(3), 2), 6))
    np.testing.assert_allclose(normal, NORMAL_KEY0, rtol=1e-6)
    np.testing.assert_array_equal(split, SPLIT_KEY1)
    assert sorted(shuffled.tolist()) == list(range(6))
    # the other stream really differs, so the reference numbers would catch a missing switch
    with jax.threefry_partitionable(False):
        legacy = np.asarray(jax.random.normal(jax.random.key(0), (3,)))
    assert np.max(np.abs(legacy - NORMAL_KEY0)) > 0.1


def test_stable_random_leaves_the_global_setting_alone():
    before = jax.config.jax_threefry_partitionable
    with stable_random():
        assert jax.config.jax_threefry_partitionable
    assert jax.config.jax_threefry_partitionable == before

    @stable_random()
    def decorated():
        return jax.config.jax_threefry_partitionable

    assert decorated() and jax.config.jax_threefry_partitionable == before


def test_stable_random_applies_to_jitted_draws_called_inside():
    draw = jax.jit(lambda key: jax.random.normal(key, (3,)))
    with stable_random():
        inside = np.asarray(draw(jax.random.key(0)))
    np.testing.assert_allclose(inside, NORMAL_KEY0, rtol=1e-6)


def test_stable_random_is_local_to_its_thread():
    seen = {}
    entered, release = threading.Event(), threading.Event()

    def other():
        with stable_random():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(10)
    seen["main"] = jax.config.jax_threefry_partitionable
    release.set()
    thread.join()
    assert seen["main"] == jax.config.jax_threefry_partitionable


def test_finite_width_parameters_do_not_depend_on_the_global_setting():
    arch = mlp(depth=1)
    draws = []
    for flag in (False, True):
        with jax.threefry_partitionable(flag):
            draws.append(finite_width.init_params(arch, 3, 1, 4, seed=5))
    for (W0, b0), (W1, b1) in zip(*draws):
        np.testing.assert_array_equal(np.asarray(W0), np.asarray(W1))
        np.testing.assert_array_equal(np.asarray(b0), np.asarray(b1))


def test_enable_x64_is_local():
    before = jax.config.jax_enable_x64
    with enable_x64(True):
        assert jax.numpy.zeros(1).dtype == np.float64
    with enable_x64(False):
        assert jax.numpy.zeros(1).dtype == np.float32
    assert jax.config.jax_enable_x64 == before

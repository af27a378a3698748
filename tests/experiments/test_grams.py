"""Kernel matrices shared on disk (``experiments.grams``): the warm-up files the opening pair's
matrices, ``orbit_pair_state`` takes them instead of computing, the result is the computed
state to the last bit, and a missing folder, a foreign architecture or a damaged file only
means computing as before."""

import numpy as np
import pytest

from ntkviz import kernels
from ntkviz.experiments import architectures, grams, orbits

# an orbit size no other test asks for, so the state cache cannot answer instead of the file
N = 37


@pytest.fixture
def shared(monkeypatch, tmp_path):
    monkeypatch.setenv(grams.ENV, str(tmp_path / "grams"))
    orbits.orbit_pair_state.cache_clear()
    yield tmp_path / "grams"
    orbits.orbit_pair_state.cache_clear()


def _no_kernel(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the kernel was computed, not taken from the shared folder")

    monkeypatch.setattr(architectures, "kernel_matrix", refuse)


def _opening_X(architecture="mlp1", n=N):
    state = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", n, architecture, cache=False)
    return state, state.X


def test_the_warm_up_files_matrices_that_states_then_take_to_the_last_bit(shared, monkeypatch):
    fresh, X = _opening_X()
    orbits.warm_up("mlp1", Ns=(N,))
    files = sorted(shared.glob("*.npy"))
    assert [f.name.split("-")[2:6] for f in files] == [["mlp1", "ntk", "rotate", f"N{N}"]]
    assert not list(shared.glob("*.tmp"))
    _no_kernel(monkeypatch)
    state = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", N, "mlp1")
    assert np.array_equal(state.K, fresh.K) and state.K.dtype == np.float64
    assert state.eps_spectral == fresh.eps_spectral and state.eps_exact == fresh.eps_exact
    # what the file holds is keyed by everything K depends on: not another N, kind or pair
    assert grams.load("mlp1", "ntk", "rotate", N, X) is not None
    assert grams.load("mlp1", "nngp", "rotate", N, X) is None
    assert grams.load("mlp5", "ntk", "rotate", N, X) is None
    assert grams.load("mlp1", "ntk", "rotate", N, X[::-1].copy()) is None
    with pytest.raises(AssertionError, match="not taken from the shared folder"):
        orbits.orbit_pair_state((3, 0), (8, 0), "rotate", N, "mlp1", kind="nngp")


def test_states_bypassing_the_caches_always_compute(shared, monkeypatch):
    orbits.warm_up("mlp1", Ns=(N,))
    _no_kernel(monkeypatch)
    with pytest.raises(AssertionError, match="not taken from the shared folder"):
        orbits.orbit_pair_state((3, 0), (8, 0), "rotate", N, "mlp1", cache=False)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong shape", "not finite", "integers"])
def test_a_damaged_file_is_ignored_and_the_state_computed(shared, damage):
    fresh, X = _opening_X()
    path = grams.save("mlp1", "ntk", "rotate", N, X, fresh.K)
    if damage == "garbage":
        path.write_bytes(b"not a matrix")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "wrong shape":
        np.save(path, fresh.K[:-1])
    elif damage == "not finite":
        np.save(path, np.where(np.eye(len(fresh.K)) > 0, np.nan, fresh.K))
    else:
        np.save(path, fresh.K.astype(np.int64))
    assert grams.load("mlp1", "ntk", "rotate", N, X) is None
    state = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", N, "mlp1")
    assert np.array_equal(state.K, fresh.K)


def test_without_a_folder_nothing_is_read_or_written(monkeypatch, tmp_path):
    monkeypatch.delenv(grams.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    fresh, X = _opening_X()
    assert grams.folder() is None
    assert grams.save("mlp1", "ntk", "rotate", N, X, fresh.K) is None
    assert grams.load("mlp1", "ntk", "rotate", N, X) is None
    orbits.warm_up("mlp1", Ns=(N,))
    assert list(tmp_path.iterdir()) == []


def test_a_registered_architecture_is_never_shared(shared):
    architectures.register_architecture("test_grams_mlp", kernels.mlp(depth=1), resolution=28)
    try:
        state = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 4, "test_grams_mlp")
        assert grams.save("test_grams_mlp", "ntk", "rotate", 4, state.X, state.K) is None
        assert grams.load("test_grams_mlp", "ntk", "rotate", 4, state.X) is None
        assert not shared.exists() or not list(shared.iterdir())
    finally:
        architectures.unregister_architecture("test_grams_mlp")


def test_the_name_follows_the_source_and_jax():
    digest = grams.code_digest()
    assert len(digest) == 64 and digest == grams.code_digest()


def test_pruning_keeps_only_this_versions_matrices(shared):
    import os
    import time

    fresh, X = _opening_X()
    mine = grams.save("mlp1", "ntk", "rotate", N, X, fresh.K)
    assert mine.name.startswith(f"ntkviz-{grams.code_digest()[:12]}-")
    older = shared / mine.name.replace(grams.code_digest()[:12], "0" * 12)
    older.write_bytes(mine.read_bytes())
    left_behind, writing = shared / "abc.tmp", shared / "def.tmp"
    left_behind.write_bytes(b"")
    writing.write_bytes(b"")
    os.utime(left_behind, (time.time() - 7200,) * 2)
    other = shared / "notes.txt"
    other.write_text("not ours")
    assert grams.prune() == 2
    assert sorted(p.name for p in shared.iterdir()) == sorted([mine.name, writing.name, other.name])
    assert grams.prune() == 0

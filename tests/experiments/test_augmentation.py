"""experiments.augmentation: the projection Π_E, the invariant network, E invariant under
augmented gradient descent, the drift from a generic start, shifts, shipped runs, bad input.

Representations are checked against dense permutation matrices built here directly from
``np.rot90`` / ``np.roll`` (not from the index arrays under test)."""

import dataclasses

import jax
import numpy as np
import pytest

from ntkviz.experiments import augmentation as aug
from ntkviz.kernels._x64 import enable_x64

SIZE = 14


def _dense_input(action: str, N: int) -> np.ndarray:
    """(N, 196, 196) matrices R_g with R_g x = (g acting on the 14×14 image x).ravel()."""
    eye = np.eye(SIZE * SIZE).reshape(-1, SIZE, SIZE)
    if action == "rot90":
        act = [np.rot90(eye, 4 * g // N, axes=(1, 2)) for g in range(N)]
    else:
        act = [np.roll(eye, g * SIZE // N, axis=2) for g in range(N)]
    return np.stack([a.reshape(SIZE * SIZE, -1).T for a in act])


def _dense_regular(N: int, blocks: int) -> np.ndarray:
    """Cyclic shift by g inside every block of N: (R_g h)[c, j] = h[c, j − g]."""
    mats = []
    for g in range(N):
        shift = np.roll(np.eye(N), g, axis=0)      # (shift v)[j] = v[j − g]
        mats.append(np.kron(np.eye(blocks), shift))
    return np.stack(mats)


def _dense_project(A, R_out, R_in):
    return np.mean([ro @ A @ ri.T for ro, ri in zip(R_out, R_in)], axis=0)


def _small(**changes):
    base = dict(classes=4, n_train=12, n_test=10, blocks=3, depth=1, batch_size=24,
                epochs=12, learning_rate=0.2)
    base.update(changes)
    return aug.AugmentConfig(**base)


# --------------------------------------------------------------------------- representations

@pytest.mark.parametrize("action, N", [("rot90", 4), ("rot90", 2), ("shift", 7), ("shift", 14)])
def test_input_permutations_match_dense_action(action, N):
    P = aug.input_permutations(action, N)
    R = _dense_input(action, N)
    x = np.random.default_rng(0).normal(size=SIZE * SIZE)
    for g in range(N):
        np.testing.assert_array_equal(x[P[g]], R[g] @ x)
    for g in range(N):  # a homomorphism: ρ(g)ρ(1) = ρ(g + 1) (the generator suffices)
        np.testing.assert_array_equal(R[g] @ R[1], R[(g + 1) % N])


def test_regular_permutations_cycle_each_block():
    N, blocks = 4, 3
    P = aug.regular_permutations(N, blocks)
    R = _dense_regular(N, blocks)
    h = np.arange(N * blocks, dtype=float)
    for g in range(N):
        np.testing.assert_array_equal(h[P[g]], R[g] @ h)
        np.testing.assert_array_equal(R[g] @ R[1], R[(g + 1) % N])
    assert list(h[P[1]][:N]) == [3.0, 0.0, 1.0, 2.0]   # block 0 rotated by one place


@pytest.mark.parametrize("action, N", [("rot90", 4), ("shift", 7)])
def test_projection_is_an_orthogonal_projection(action, N):
    """Π_E equals the dense group average, is idempotent and self-adjoint (Frobenius), and
    its image is equivariant: R_out(g) Π A = Π A R_in(g)."""
    rng = np.random.default_rng(1)
    blocks = 3
    cases = [(aug.input_permutations(action, N), aug.regular_permutations(N, blocks),
              _dense_input(action, N), _dense_regular(N, blocks)),
             (aug.regular_permutations(N, blocks), aug.regular_permutations(N, blocks),
              _dense_regular(N, blocks), _dense_regular(N, blocks)),
             (aug.regular_permutations(N, blocks), np.tile(np.arange(5), (N, 1)),
              _dense_regular(N, blocks), np.stack([np.eye(5)] * N))]
    for P_in, P_out, R_in, R_out in cases:
        A, B = rng.normal(size=(2, P_out.shape[1], P_in.shape[1]))
        PA = aug.project(A, P_out, P_in)
        np.testing.assert_allclose(PA, _dense_project(A, R_out, R_in), atol=1e-14)
        np.testing.assert_allclose(aug.project(PA, P_out, P_in), PA, atol=1e-14)   # idempotent
        assert np.sum(PA * B) == pytest.approx(np.sum(A * aug.project(B, P_out, P_in)),
                                               rel=1e-12)                          # self-adjoint
        for g in range(N):
            np.testing.assert_allclose(R_out[g] @ PA, PA @ R_in[g], atol=1e-14)
        b = rng.normal(size=P_out.shape[1])
        Pb = aug.project(b, P_out)
        np.testing.assert_allclose(Pb, np.mean([r @ b for r in R_out], axis=0), atol=1e-14)
        for g in range(N):
            np.testing.assert_allclose(R_out[g] @ Pb, Pb, atol=1e-14)


def test_bias_and_readout_projections_are_block_averages():
    N, blocks = 4, 3
    P = aug.regular_permutations(N, blocks)
    b = np.arange(N * blocks, dtype=float) ** 2
    np.testing.assert_allclose(aug.project(b, P), np.repeat(b.reshape(blocks, N).mean(1), N))
    A = np.random.default_rng(2).normal(size=(10, N * blocks))
    trivial = np.tile(np.arange(10), (N, 1))
    expected = np.repeat(A.reshape(10, blocks, N).mean(2), N, axis=1)
    np.testing.assert_allclose(aug.project(A, trivial, P), expected, atol=1e-15)


# --------------------------------------------------------------------------- the network

@pytest.mark.slow
@pytest.mark.parametrize("action", ["rot90", "shift"])
def test_equivariant_network_is_invariant(action):
    config = _small(action=action, depth=2)
    params = aug.init_params(config, "equivariant")
    perms = aug.layer_permutations(config)
    assert aug.layer_distances(params, perms).max() < 1e-12
    x = np.random.default_rng(3).normal(size=(6, SIZE, SIZE))
    R = _dense_input(action, config.N)
    f = aug.forward(params, x.reshape(6, -1))
    for g in range(config.N):
        fg = aug.forward(params, x.reshape(6, -1) @ R[g].T)
        np.testing.assert_allclose(fg, f, atol=1e-12)
    generic = aug.init_params(config, "generic")
    gx = aug.forward(generic, x.reshape(6, -1) @ R[1].T)
    assert np.abs(gx - aug.forward(generic, x.reshape(6, -1))).max() > 1e-2
    # √|G| keeps the scale of each entry
    ratio = [np.linalg.norm(a) / np.linalg.norm(b) for (a, _), (b, _) in zip(params, generic)]
    assert all(0.6 < r < 1.4 for r in ratio)


@pytest.mark.slow
def test_augmented_gradient_is_projected_gradient_on_E():
    """Prop. 1 of arXiv 2303.13458: for A ∈ E, ∇R_aug(A) = Π_E ∇R(A) (independent jax.grad on the
    orbit-expanded data, dense projection)."""
    config = _small(depth=2)
    data = aug.task_data(config)
    perms = aug.layer_permutations(config)
    params = aug.init_params(config, "equivariant")

    def ce(params, x, y):
        logits = aug.forward(params, x)
        logits = logits - logits.max(axis=1, keepdims=True)
        return -(logits[np.arange(len(y)), y] - jax.numpy.log(jax.numpy.exp(logits).sum(1))).mean()

    with enable_x64(True):
        arrays = (data.train_x, data.train_orbits, data.train_y)
        x, orbits, y = (jax.numpy.asarray(a) for a in arrays)
        g_nom = jax.grad(ce)(params, x, y)
        g_aug = jax.grad(ce)(params, orbits.reshape(-1, SIZE * SIZE),
                             jax.numpy.repeat(y, config.N))
    projected = aug.project_params([(np.asarray(a), np.asarray(b)) for a, b in g_nom], perms)
    for (ga, gb), (pa, pb) in zip(g_aug, projected):
        np.testing.assert_allclose(np.asarray(ga), pa, atol=1e-13)
        np.testing.assert_allclose(np.asarray(gb), pb, atol=1e-13)
    assert max(np.abs(np.asarray(a) - p).max() for (a, _), (p, _) in zip(g_nom, projected)) > 1e-4


# --------------------------------------------------------------------------- training

@pytest.mark.slow
@pytest.mark.parametrize("action", ["rot90", "shift"])
def test_E_is_invariant_under_augmented_descent(action):
    """From an equivariant start, AUGMENTED stays in E to round-off over many steps and follows
    the EQUIVARIANT trajectory; NOMINAL leaves E."""
    config = _small(action=action, epochs=60)           # 60 epochs × 2 steps
    augmented = aug.train(config, strategy="augmented", init="equivariant")
    equivariant = aug.train(config, strategy="equivariant")
    nominal = aug.train(config, strategy="nominal", init="equivariant")
    assert augmented.distance.shape == (61, 2)
    assert augmented.distance.max() < 1e-12 and equivariant.distance.max() < 1e-12
    assert augmented.invariance.max() < 1e-11
    np.testing.assert_allclose(augmented.loss, equivariant.loss, rtol=1e-9)
    np.testing.assert_array_equal(augmented.accuracy, equivariant.accuracy)
    assert nominal.distance[-1].max() > 1e-2
    assert nominal.distance[0].max() < 1e-12
    assert augmented.loss[-1] < 0.7 * augmented.loss[0]   # it did learn
    # the orbit loss equals the nominal loss for an invariant network
    np.testing.assert_allclose(equivariant.orbit_loss, equivariant.loss, rtol=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("action", ["rot90", "shift"])
def test_generic_start_drifts_toward_but_not_into_E_for_the_linear_model(action):
    """Convex case (depth 0): ‖A − Π_E A‖ decreases at every epoch, over seeds, yet stays
    clearly above round-off; NOMINAL from the same start moves away from E."""
    for seed in (0, 1, 2):
        config = _small(action=action, depth=0, seed=seed, epochs=40, learning_rate=0.3)
        run = aug.train(config, strategy="augmented", init="generic")
        d = run.distance[:, 0]
        assert np.all(np.diff(d) < 0), seed
        assert d[-1] < 0.95 * d[0]
        assert d[-1] > 0.3 * d[0]
        assert run.relative_distance[-1, 0] < run.relative_distance[0, 0]
        nominal = aug.train(config, strategy="nominal", init="generic")
        assert nominal.distance[-1, 0] > d[-1]


@pytest.mark.slow
def test_E_is_invariant_but_unstable_for_the_mlp():
    """A 1e-6 step out of E (``"perturbed"``) is amplified by augmented training of the MLP
    and damped for the linear classifier, over seeds."""
    for seed in (0, 1, 2):
        config = _small(seed=seed, epochs=60)
        run = aug.train(config, strategy="augmented", init="perturbed")
        d = run.distance.max(axis=1)
        assert 1e-7 < d[0] < 1e-5
        assert d[-1] > 2 * d[0], seed
        start = aug.init_params(config, "perturbed")
        equivariant = aug.init_params(config, "equivariant")
        generic = aug.init_params(config, "generic")
        perms = aug.layer_permutations(config)
        np.testing.assert_allclose(aug.layer_distances(start, perms),
                                   aug.PERTURBATION * aug.layer_distances(generic, perms),
                                   rtol=1e-6)
        np.testing.assert_allclose(aug.project_params(start, perms)[0][0], equivariant[0][0],
                                   atol=1e-15)
        linear = aug.train(_small(depth=0, seed=seed, epochs=40, learning_rate=0.3),
                           strategy="augmented", init="perturbed")
        assert np.all(np.diff(linear.distance[:, 0]) < 0)


def test_parameter_path_retraces_train_and_starts_anywhere():
    """``parameter_path`` takes the same steps as ``train`` (its distances and losses), and a
    given ``start`` replaces the initialisation."""
    config = _small(seed=5, epochs=4, strategy="nominal", init="generic")
    path = aug.parameter_path(config)
    run = aug.train(config)
    perms = aug.layer_permutations(config)
    assert len(path) == 5
    for params, distance in zip(path, run.distance):
        np.testing.assert_allclose(aug.layer_distances(params, perms), distance, rtol=1e-12)
    data = aug.task_data(config)
    logits = aug.forward(path[-1], data.train_x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(len(data.train_y)), data.train_y])
    assert loss == pytest.approx(run.loss[-1], rel=1e-10)
    moved = aug.parameter_path(config, start=path[2])
    for a, b in zip(moved[0], path[2]):
        np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="start must hold the 2 layers"):
        aug.parameter_path(config, start=path[0][:1])


def test_generic_start_stays_away_from_E_for_the_mlp():
    """Non-convex case (hidden layers), documented in the module: the MLP does not approach E;
    its relative distance stays of order one while it learns."""
    for seed in (0, 1):
        run = aug.train(_small(depth=1, seed=seed, epochs=30), strategy="augmented",
                        init="generic")
        assert run.relative_distance.min() > 0.5
        assert run.accuracy[-1] > run.accuracy[0]


def test_streaming_cache_and_stop():
    config = _small(epochs=5, seed=7)
    seen = []
    run = aug.train(config, callback=lambda r: seen.append((len(r.epochs), r.complete)))
    assert seen == [(2, False), (3, False), (4, False), (5, False), (6, True)]
    assert aug.train(config) is run and aug.cached_run(config) is run
    again = []
    aug.train(config, callback=again.append)
    assert again == [run]
    stopped = aug.train(config.replace(seed=8), stop=lambda: True)
    assert not stopped.complete and len(stopped.epochs) == 1
    assert aug.cached_run(config.replace(seed=8)) is None


def test_task_data_rotates_test_digits():
    config = _small()
    data = aug.task_data(config)
    assert data.train_x.shape == (48, 196) and data.test_x.shape == (40, 196)
    R = _dense_input("rot90", 4)
    for i in range(len(data.test_x)):
        np.testing.assert_array_equal(data.test_x[i], R[data.test_g[i]] @ data.test_orbits[i, 0])
    assert len(set(data.test_g.tolist())) == 4
    np.testing.assert_allclose(np.linalg.norm(data.train_x, axis=1), SIZE)
    np.testing.assert_allclose(data.train_x.mean(axis=1), 0.0, atol=1e-12)


# --------------------------------------------------------------------------- shipped runs

@pytest.mark.slow
def test_shipped_runs_recompute():
    shipped = aug.load_precomputed()
    expected = {c for a in aug.ACTIONS for d in aug.PRECOMPUTED_DEPTHS
                for c in aug.default_runs(a, depth=d)}
    assert set(shipped) == expected
    config = aug.AugmentConfig(depth=0, strategy="augmented", init="generic")
    fresh = aug.training._train(config, None, None)
    for field in ("loss", "orbit_loss", "accuracy", "distance", "norm"):
        np.testing.assert_allclose(getattr(fresh, field), getattr(shipped[config], field),
                                   rtol=1e-9, atol=1e-12, err_msg=field)
    for run in shipped.values():
        if run.config.strategy != "nominal" and run.config.init == "equivariant":
            assert run.distance.max() < 1e-12
    c2 = aug.AugmentConfig()
    assert shipped[c2].accuracy[-1] > shipped[c2.replace(strategy="nominal")].accuracy[-1] + 0.2


def test_save_and_load_roundtrip(tmp_path):
    run = aug.train(_small(epochs=5, seed=7))
    path = aug.save_runs([run], tmp_path / "runs.npz")
    loaded = aug.load_precomputed(path)[run.config]
    for field in dataclasses.fields(run):
        if field.name not in ("config", "complete"):
            np.testing.assert_array_equal(getattr(loaded, field.name), getattr(run, field.name))


# --------------------------------------------------------------------------- bad input

def test_save_runs_refuses_an_empty_list(tmp_path):
    with pytest.raises(ValueError, match="runs must hold at least one"):
        aug.save_runs([], tmp_path / "empty.npz")
    assert not (tmp_path / "empty.npz").exists()


@pytest.mark.parametrize("kwargs, name", [
    (dict(action="rotate"), "action"), (dict(action="rot90", N=3), "N"),
    (dict(action="shift", N=4), "N"), (dict(strategy="both"), "strategy"),
    (dict(init="zero"), "init"), (dict(learning_rate=0.0), "learning_rate"),
    (dict(learning_rate=float("nan")), "learning_rate"), (dict(epochs=0), "epochs"),
    (dict(depth=-1), "depth"), (dict(classes=11), "classes"), (dict(n_train=900), "n_train"),
    (dict(blocks=1.5), "blocks"),
])
def test_bad_config_names_the_argument(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        aug.AugmentConfig(**kwargs)


def test_config_normalises():
    assert aug.AugmentConfig(action="shift").N == 7
    assert aug.AugmentConfig().replace(action="shift").N == 7
    assert aug.AugmentConfig(strategy="equivariant", init="generic").init == "equivariant"
    assert aug.AugmentConfig(batch_size=10_000).batch_size == 500
    with pytest.raises(TypeError, match="config"):
        aug.train("rot90")


def test_warm_up_rejects_unknown_strategies():
    with pytest.raises(ValueError, match="strategy"):
        aug.warm_up(_small(), ("both",))


# --------------------------------------------------------------------------- figures

def test_figures_show_the_runs_and_updates_match():
    from ntkviz.plots.augmentation import (
        SLOTS,
        accuracy_curves,
        accuracy_curves_update,
        distance_curves,
        distance_curves_update,
        loss_curves,
        loss_curves_update,
    )

    runs = [aug.train(c) for c in aug.default_runs("shift", depth=0)][:-1]  # no EQUIVARIANT
    curves = aug.curves(runs)
    selected = ("augmented", "generic")
    for figure, update in ((loss_curves, loss_curves_update),
                           (accuracy_curves, accuracy_curves_update),
                           (distance_curves, distance_curves_update)):
        fig = figure(curves, selected)
        data = update(curves, selected)["data"]
        assert len(fig.data) == len(data)
        for trace, values in zip(fig.data, data):
            np.testing.assert_array_equal(np.asarray(trace.y, dtype=float),
                                          np.asarray(values["y"], dtype=float))
        assert len(fig.data[SLOTS.index(("equivariant", "equivariant"))].x) == 0
        assert fig.data[SLOTS.index(selected)].line.width == 4
        assert fig.layout.xaxis.title.text == "epoch"
    i = SLOTS.index(selected)
    run = next(r for r in runs if (r.config.strategy, r.config.init) == selected)
    fig = loss_curves(curves, selected, "C7 x-shifts, depth 0, η = 0.1")
    np.testing.assert_array_equal(fig.data[i].y, run.loss)
    np.testing.assert_array_equal(fig.data[i].customdata, run.orbit_loss)
    assert fig.layout.title.text == "Training loss (C7 x-shifts, depth 0, η = 0.1)"
    fig = accuracy_curves(curves, transformed="shifted")
    assert fig.layout.title.text == "Accuracy on shifted test digits"
    assert list(fig.data[-1].y) == [0.1, 0.1]                       # chance, 10 classes
    fig = distance_curves(curves)
    y = np.asarray(fig.data[i].y, dtype=float)
    np.testing.assert_array_equal(y[:-1], run.distance[:, 0])       # one layer, then a gap
    assert np.isnan(y[-1]) and fig.layout.yaxis.type == "log"

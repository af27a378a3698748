"""Trained finite networks on rotated MNIST (experiments.training): the split against an
independent construction, determinism, the loss falls, the ViT's patches and position
embeddings, accuracy_vs_N against single runs, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntkviz import datasets
from ntkviz.experiments import training
from ntkviz.experiments.training import TrainConfig

TINY = dict(image_size=14, n_per_class=3, N=4, epochs=1, batch_size=16, mlp_width=16,
            mlp_depth=1, cnn_channels=2, vit_patch=7, vit_dim=8, vit_depth=1, vit_heads=2)


def tiny(**changes) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


# --------------------------------------------------------------------------- data and split


def _key(digit, angle):
    return set(zip(np.asarray(digit).tolist(), np.asarray(angle).tolist()))


def test_split_holds_out_the_upright_leave_out_digits():
    config = tiny(leave_out=3, n_per_class=4, N=8, seed=5)
    split = training.rotated_split(config)
    images, labels = datasets.load_mnist()
    n_total = 10 * 4 * 8
    # out-test: exactly the 4 upright digits of class 3, and the digits follow the select rule
    rng = np.random.default_rng(5)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:4] for c in range(10)]
    assert sorted(split.out_digit.tolist()) == sorted(chosen[3].tolist())
    assert split.out_x.shape == (4, 14, 14) and split.out_x.dtype == np.float32
    assert np.all(split.out_y == 3)
    # nothing upright of class 3 in training or in-test; everything else is in exactly one split
    train = _key(split.train_digit, split.train_angle)
    inside = _key(split.in_digit, split.in_angle)
    out = _key(split.out_digit, np.zeros(4, int))
    assert not (train & out) and not (inside & out) and not (train & inside)
    assert len(train) == len(split.train_x) and len(inside) == len(split.in_x)
    everything = {(int(d), k) for c in range(10) for d in chosen[c] for k in range(8)}
    assert train | inside | out == everything
    assert len(split.in_x) == round(0.1 * (n_total - 4))
    # rotated images of class 3 (k != 0) do take part in training
    assert np.any((split.train_y == 3) & (split.train_angle != 0))
    # labels and pixels against an independent construction: rotate at 28, pool, normalise
    np.testing.assert_array_equal(split.train_y, labels[split.train_digit])
    for i in (0, len(split.train_x) // 2, len(split.train_x) - 1):
        d, k = int(split.train_digit[i]), int(split.train_angle[i])
        raw = datasets.transform(images[d], k, 8, "rotate")
        expected = datasets.normalize(datasets.pool2(raw[None]))[0] * 14
        np.testing.assert_allclose(split.train_x[i], expected, rtol=1e-5, atol=1e-6)
        assert np.linalg.norm(split.train_x[i]) == pytest.approx(14, rel=1e-5)
    j = 0
    expected = datasets.normalize(datasets.pool2(images[[split.out_digit[j]]]))[0] * 14
    np.testing.assert_allclose(split.out_x[j], expected, rtol=1e-5, atol=1e-6)


def test_split_is_reproducible_and_depends_on_the_seed():
    a = training.rotated_split(tiny(seed=1))
    b = training.rotated_split(tiny(seed=1))
    c = training.rotated_split(tiny(seed=2))
    np.testing.assert_array_equal(a.train_x, b.train_x)
    np.testing.assert_array_equal(a.in_digit, b.in_digit)
    assert not np.array_equal(a.out_digit, c.out_digit)


# --------------------------------------------------------------------------- networks


@pytest.mark.parametrize("architecture", training.ARCHITECTURES)
@pytest.mark.parametrize("size", [14, 28])
def test_every_network_maps_an_image_to_ten_logits(architecture, size):
    config = tiny(architecture=architecture, image_size=size)
    model = training.make_model(config)
    logits = jax.vmap(model)(jnp.ones((3, size, size), jnp.float32))
    assert logits.shape == (3, 10) and logits.dtype == jnp.float32
    assert np.all(np.isfinite(np.asarray(logits)))


def test_vit_tokens_are_patches_and_position_embeddings_break_permutation_symmetry():
    import equinox as eqx

    config = tiny(architecture="vit", image_size=14, vit_patch=7, vit_dim=8, vit_heads=2)
    model = training.make_model(config)
    image = training.rotated_split(config).train_x[0]
    tokens = model.tokens(jnp.asarray(image))
    assert tokens.shape == (4, 8)
    # permute the 2×2 grid of 7×7 patches in the image → the tokens are permuted the same way
    perm = np.array([3, 1, 0, 2])
    patches = image.reshape(2, 7, 2, 7).transpose(0, 2, 1, 3).reshape(4, 7, 7)
    shuffled = patches[perm].reshape(2, 2, 7, 7).transpose(0, 2, 1, 3).reshape(14, 14)
    np.testing.assert_allclose(model.tokens(jnp.asarray(shuffled)), tokens[perm], rtol=1e-5,
                               atol=1e-6)
    out = np.asarray(model(jnp.asarray(image)))
    assert out.shape == (10,)
    np.testing.assert_allclose(model.from_tokens(tokens), out, rtol=1e-6)
    permuted = np.asarray(model(jnp.asarray(shuffled)))
    assert np.max(np.abs(permuted - out)) > 1e-4
    # without position embeddings the network is blind to the patch order
    flat = eqx.tree_at(lambda m: m.position, model, jnp.zeros_like(model.position))
    np.testing.assert_allclose(flat(jnp.asarray(shuffled)), flat(jnp.asarray(image)),
                               rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- training


def test_training_is_deterministic_in_the_seed():
    config = tiny(seed=3, epochs=2)
    first = training.train_and_evaluate(config)
    again = training.train_and_evaluate(config)
    np.testing.assert_array_equal(first.losses, again.losses)
    assert (first.in_accuracy, first.out_accuracy) == (again.in_accuracy, again.out_accuracy)
    other = training.train_and_evaluate(config.replace(seed=4))
    assert not np.array_equal(first.losses, other.losses)
    # sizes and bookkeeping: fixed batches, the last incomplete one dropped
    assert first.n_out == 3 and first.n_in == round(0.1 * (120 - 3))
    assert first.n_train == 120 - 3 - first.n_in
    assert first.losses.shape == (2 * (first.n_train // 16),)
    np.testing.assert_allclose(first.epoch_losses, first.losses.reshape(2, -1).mean(axis=1))
    assert first.in_accuracy * first.n_in == pytest.approx(round(first.in_accuracy * first.n_in))
    assert 0 <= first.out_accuracy <= 1 and first.wall_time > 0


@pytest.mark.parametrize("architecture", training.ARCHITECTURES)
def test_the_loss_falls_on_a_tiny_problem(architecture):
    calls = []
    config = tiny(architecture=architecture, n_per_class=2, N=2, epochs=12, batch_size=8,
                  learning_rate=1e-2, mlp_width=32, cnn_channels=4, vit_dim=16)
    result = training.train_and_evaluate(
        config, progress=lambda e, total, loss: calls.append((e, total, loss)))
    assert [c[:2] for c in calls] == [(e, 12) for e in range(1, 13)]
    np.testing.assert_allclose([c[2] for c in calls], result.epoch_losses)
    assert result.epoch_losses[0] > np.log(10) * 0.8       # starts near chance
    assert result.epoch_losses[-1] < 0.4 * result.epoch_losses[0]
    assert np.all(np.isfinite(result.losses))


def test_accuracy_vs_n_averages_single_runs():
    seen = []
    curve = training.accuracy_vs_N("mlp", Ns=(2, 4), leave_out_classes=(1, 7),
                                   progress=lambda i, n, r: seen.append((i, n)),
                                   **{k: v for k, v in TINY.items() if k != "N"})
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert curve.in_per_class.shape == curve.out_per_class.shape == (2, 2)
    np.testing.assert_allclose(curve.in_accuracy, curve.in_per_class.mean(axis=1))
    np.testing.assert_allclose(curve.out_accuracy, curve.out_per_class.mean(axis=1))
    single = training.train_and_evaluate(tiny(N=4, leave_out=7))
    assert curve.results[3].config == single.config
    assert curve.out_per_class[1, 1] == single.out_accuracy
    assert curve.in_per_class[1, 1] == single.in_accuracy


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name, value", [
    ("architecture", "rnn"), ("N", 0), ("leave_out", 10), ("n_per_class", 0), ("epochs", 0),
    ("batch_size", 0), ("learning_rate", 0.0), ("image_size", 20), ("in_fraction", 1.0),
    ("mlp_width", 0), ("vit_dim", 0), ("seed", -1),
])
def test_bad_config_names_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        tiny(**{name: value})


def test_bad_vit_shapes_and_types():
    with pytest.raises(ValueError, match="vit_patch"):
        tiny(architecture="vit", vit_patch=4)          # 4 does not divide 14
    with pytest.raises(ValueError, match="vit_heads"):
        tiny(architecture="vit", vit_dim=9, vit_heads=2)
    with pytest.raises(TypeError, match="N"):
        tiny(N=2.5)
    with pytest.raises(ValueError, match="in_fraction"):
        tiny(n_per_class=1, N=1, in_fraction=0.01)         # 9 images: none for the in-test
    with pytest.raises(TypeError, match="config"):
        training.train_and_evaluate({"N": 4})
    with pytest.raises(TypeError, match="progress"):
        training.train_and_evaluate(tiny(), progress="yes")


def test_bad_accuracy_vs_n_arguments():
    with pytest.raises(ValueError, match="architecture"):
        training.accuracy_vs_N("rnn")
    with pytest.raises(ValueError, match="Ns"):
        training.accuracy_vs_N("mlp", Ns=())
    with pytest.raises(ValueError, match="Ns"):
        training.accuracy_vs_N("mlp", Ns=(0, 4))
    with pytest.raises(ValueError, match="leave_out_classes"):
        training.accuracy_vs_N("mlp", leave_out_classes=(1, 1))
    with pytest.raises(ValueError, match="leave_out_classes"):
        training.accuracy_vs_N("mlp", leave_out_classes=(11,))
    with pytest.raises(TypeError, match="leave_out"):
        training.accuracy_vs_N("mlp", leave_out=3)
    with pytest.raises(ValueError, match="epochs"):
        training.accuracy_vs_N("mlp", Ns=(4,), leave_out_classes=(0,), epochs=0)


@pytest.mark.parametrize("N, n_per_class, in_fraction", [(4, 5, 0.1), (8, 3, 0.25), (32, 2, 0.1)])
def test_n_train_counts_the_training_split(N, n_per_class, in_fraction):
    config = training.TrainConfig(N=N, n_per_class=n_per_class, in_fraction=in_fraction)
    assert config.n_train == len(training.rotated_split(config).train_x)

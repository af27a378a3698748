"""Trained finite networks on rotated MNIST (experiments.training, experiments.networks): the
split against an independent construction, the networks against numpy forward passes,
determinism, the loss falls, early stopping, accuracy_vs_N against single runs, bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import ndimage

from ntkviz import datasets
from ntkviz.experiments import networks, training
from ntkviz.experiments.training import TrainConfig

TINY = dict(image_size=14, n_per_class=3, N=4, epochs=1, batch_size=16, mlp_widths=(16,),
            cnn_channels=(2, 3), cnn_hidden=8, vit_patch=7, vit_dim=8, vit_depth=1, vit_heads=2,
            vit_head_dim=4, vit_mlp_dim=8)


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
    # labels and pixels against an independent construction: pool, scale to unit norm (no
    # centring), then rotate with nearest-pixel interpolation (Fig. 1's order)
    np.testing.assert_array_equal(split.train_y, labels[split.train_digit])
    for i in (0, len(split.train_x) // 2, len(split.train_x) - 1):
        d, k = int(split.train_digit[i]), int(split.train_angle[i])
        pooled = datasets.pool2(images[[d]].astype(float))[0]
        expected = ndimage.rotate(pooled / np.linalg.norm(pooled), 360.0 * k / 8, axes=(1, 0),
                                  reshape=False, order=0, mode="constant", cval=0.0)
        np.testing.assert_allclose(split.train_x[i], expected, rtol=1e-5, atol=1e-6)
    j = 0
    pooled = datasets.pool2(images[[split.out_digit[j]]].astype(float))[0]
    np.testing.assert_allclose(split.out_x[j], pooled / np.linalg.norm(pooled), rtol=1e-5,
                               atol=1e-6)
    assert np.linalg.norm(split.out_x[j]) == pytest.approx(1, rel=1e-5)
    # centre=True and input_scale: every rotated image centred and scaled (datasets.orbit)
    other = training.rotated_split(config.replace(centre=True, order=3, input_scale=2.0))
    d, k = int(other.train_digit[0]), int(other.train_angle[0])
    pooled = datasets.pool2(images[[d]].astype(float))[0]
    np.testing.assert_allclose(other.train_x[0], 2 * datasets.orbit(pooled, 8, order=3)[k],
                               rtol=1e-5, atol=1e-6)


def test_split_is_reproducible_and_depends_on_the_seed():
    a = training.rotated_split(tiny(seed=1))
    b = training.rotated_split(tiny(seed=1))
    c = training.rotated_split(tiny(seed=2))
    np.testing.assert_array_equal(a.train_x, b.train_x)
    np.testing.assert_array_equal(a.in_digit, b.in_digit)
    assert not np.array_equal(a.out_digit, c.out_digit)


# --------------------------------------------------------------------------- networks


def _layer_norm(h):
    mean = h.mean(-1, keepdims=True)
    return (h - mean) / np.sqrt(((h - mean) ** 2).mean(-1, keepdims=True) + 1e-5)


def _numpy_forward(model, architecture, image):
    """The network's logits in eval mode, written out in numpy from its parameters."""
    from scipy.special import erf

    def dense(layer, h):
        out = layer.scale * (h @ np.asarray(layer.weight, float))
        return out if layer.bias is None else out + layer.shift * np.asarray(layer.bias, float)

    if architecture == "mlp":
        h = image.reshape(-1)
        for layer in model.layers[:-1]:
            h = np.maximum(dense(layer, h), 0)
        return dense(model.layers[-1], h)
    if architecture == "cnn":
        def conv(h, params):
            w, b = (np.asarray(p, float) for p in params)
            k = w.shape[-1]
            out = np.zeros((w.shape[0], h.shape[1] - k + 1, h.shape[2] - k + 1))
            for o in range(w.shape[0]):
                for i in range(h.shape[0]):
                    for u in range(k):
                        for v in range(k):
                            out[o] += w[o, i, u, v] * h[i, u:u + out.shape[1], v:v + out.shape[2]]
                out[o] += b[o]
            return out

        def pool(h):
            c, H, W = h.shape
            return h[:, :H // 2 * 2, :W // 2 * 2].reshape(c, H // 2, 2, W // 2, 2).max(axis=(2, 4))

        h = np.maximum(pool(conv(image[None], model.conv1)), 0)
        h = np.maximum(pool(conv(h, model.conv2)), 0)
        return dense(model.readout, np.maximum(dense(model.hidden, h.reshape(-1)), 0))
    p, g = model.patch, image.shape[0] // model.patch
    patches = np.stack([image[r * p:(r + 1) * p, c * p:(c + 1) * p].reshape(-1)
                        for r in range(g) for c in range(g)])
    h = _layer_norm(dense(model.embed, _layer_norm(patches)))
    dim = h.shape[1]
    omega = 1.0 / 10000 ** (np.arange(dim // 4) / (dim // 4 - 1))
    position = np.array([np.concatenate([np.sin(c * omega), np.cos(c * omega),
                                         np.sin(r * omega), np.cos(r * omega)])
                         for r in range(g) for c in range(g)])
    h = h + position
    for block in model.blocks:
        q, k, v = np.split(dense(block.qkv, _layer_norm(h)), 3, axis=1)
        heads = []
        for part in range(block.heads):
            cols = slice(part * q.shape[1] // block.heads, (part + 1) * q.shape[1] // block.heads)
            scores = q[:, cols] @ k[:, cols].T / math.sqrt(cols.stop - cols.start)
            weights = np.exp(scores - scores.max(1, keepdims=True))
            heads.append(weights / weights.sum(1, keepdims=True) @ v[:, cols])
        h = h + dense(block.out, np.concatenate(heads, axis=1))
        hidden = dense(block.hidden, _layer_norm(h))
        h = h + dense(block.project, 0.5 * hidden * (1 + erf(hidden / math.sqrt(2))))
    return dense(model.head, _layer_norm(h).mean(axis=0))


@pytest.mark.slow
@pytest.mark.parametrize("architecture, changes", [
    ("mlp", {}), ("mlp", dict(image_size=28, mlp_widths=(32, 8))),
    ("cnn", dict(image_size=28)), ("vit", {}), ("vit", dict(image_size=28, vit_patch=4))])
def test_every_network_equals_a_numpy_forward_pass(architecture, changes):
    config = tiny(architecture=architecture, **changes)
    model = training.make_model(config)
    image = np.random.default_rng(0).random((config.image_size,) * 2).astype(np.float32)
    logits = np.asarray(model(jnp.asarray(image)))
    assert logits.shape == (10,) and logits.dtype == np.float32
    np.testing.assert_allclose(logits, _numpy_forward(model, architecture, image.astype(float)),
                               rtol=2e-4, atol=2e-5)
    batch = np.asarray(jax.vmap(model)(jnp.asarray(np.stack([image, image]))))
    np.testing.assert_allclose(batch[1], logits, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_the_paper_sizes_by_default():
    sizes = {a: networks.count_parameters(training.make_model(TrainConfig(architecture=a)))
             for a in training.ARCHITECTURES}
    # App. B.1: 784·512 + 512 + 512·128 + 128 + 128·10 (no readout bias); the ConvNet;
    # SimpleViT (patch 4, dim 256, depth 2, 4 heads of 64, MLP 256)
    assert sizes["mlp"] == 784 * 512 + 512 + 512 * 128 + 128 + 128 * 10
    assert sizes["cnn"] == (25 * 24 + 24) + (9 * 24 * 32 + 32) + (800 * 256 + 256) + (256 * 10 + 10)
    block = 2 * 2 * 256 + 256 * 768 + 256 * 256 + (256 * 256 + 256) * 2
    assert sizes["vit"] == 2 * 16 + (16 * 256 + 256) + 2 * 256 + 2 * block + 2 * 256 + 2570


@pytest.mark.slow
def test_torch_and_ntk_initialisations():
    key = jax.random.key(0)
    torch = networks.make_network("mlp", 28, key, mlp_widths=(512, 128))
    W = np.asarray(torch.layers[0].weight)
    assert np.abs(W).max() <= 1 / 28
    assert np.std(W) == pytest.approx(1 / (28 * math.sqrt(3)), rel=0.01)
    assert torch.layers[-1].bias is None
    ntk = networks.make_network("mlp", 28, key, init="ntk", readout_bias=True)
    W = np.asarray(ntk.layers[0].weight)
    assert np.std(W) == pytest.approx(1.0, rel=0.01) and ntk.layers[0].scale == 1 / 28
    with pytest.raises(ValueError, match="init"):
        networks.make_network("cnn", 28, key, init="ntk")


@pytest.mark.slow
def test_dropout_only_in_training_mode():
    model = training.make_model(tiny(mlp_widths=(64,), dropout=0.5))
    image = jnp.ones((14, 14), jnp.float32)
    evaluated = np.asarray(model(image))
    np.testing.assert_array_equal(np.asarray(model(image, None)), evaluated)
    dropped = [np.asarray(model(image, jax.random.key(k))) for k in range(2)]
    assert not np.allclose(dropped[0], evaluated) and not np.allclose(dropped[0], dropped[1])
    no_dropout = training.make_model(tiny(mlp_widths=(64,), dropout=0.0))
    np.testing.assert_array_equal(np.asarray(no_dropout(image, jax.random.key(1))),
                                  np.asarray(no_dropout(image)))


@pytest.mark.slow
def test_vit_position_embeddings_break_permutation_symmetry():
    import equinox as eqx

    config = tiny(architecture="vit")
    model = training.make_model(config)
    image = training.rotated_split(config).train_x[0]
    tokens = model.tokens(jnp.asarray(image))
    assert tokens.shape == (4, 8)
    perm = np.array([3, 1, 0, 2])   # permute the 2×2 grid of 7×7 patches
    patches = image.reshape(2, 7, 2, 7).transpose(0, 2, 1, 3).reshape(4, 7, 7)
    shuffled = patches[perm].reshape(2, 2, 7, 7).transpose(0, 2, 1, 3).reshape(14, 14)
    np.testing.assert_allclose(model.tokens(jnp.asarray(shuffled)), tokens[perm], rtol=1e-5,
                               atol=1e-6)
    out = np.asarray(model(jnp.asarray(image)))
    assert np.max(np.abs(np.asarray(model(jnp.asarray(shuffled))) - out)) > 1e-4
    flat = eqx.tree_at(lambda m: m.position, model, jnp.zeros_like(model.position))
    np.testing.assert_allclose(flat(jnp.asarray(shuffled)), flat(jnp.asarray(image)),
                               rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- training


@pytest.mark.slow
def test_training_is_deterministic_in_the_seed():
    config = tiny(seed=3, epochs=2)
    first = training.train_and_evaluate(config)
    again = training.train_and_evaluate(config)
    np.testing.assert_array_equal(first.losses, again.losses)
    assert (first.in_accuracy, first.out_accuracy) == (again.in_accuracy, again.out_accuracy)
    other = training.train_and_evaluate(config.replace(seed=4))
    assert not np.array_equal(first.losses, other.losses)
    # sizes and bookkeeping: every image once per epoch, the last batch padded
    assert first.n_out == 3 and first.n_in == round(0.1 * (120 - 3))
    assert first.n_train == 120 - 3 - first.n_in
    assert first.losses.shape == (2 * math.ceil(first.n_train / 16),)
    np.testing.assert_allclose(first.epoch_losses, first.losses.reshape(2, -1).mean(axis=1))
    assert first.in_accuracy * first.n_in == pytest.approx(round(first.in_accuracy * first.n_in))
    assert 0 <= first.out_accuracy <= 1 and 0 <= first.train_accuracy <= 1
    assert first.wall_time > 0
    assert {k: v.shape for k, v in first.curves.items()} == {k: (3,) for k in ("train", "in",
                                                                               "out")}
    assert first.curves["in"][-1] == first.in_accuracy
    assert first.curves["out"][-1] == first.out_accuracy


@pytest.mark.slow
def test_the_padded_batch_weighs_only_real_images():
    """A padded last batch gives the loss of its real images alone (zero weights)."""
    model = training.make_model(tiny(dropout=0.0))
    x = np.random.default_rng(1).random((20, 14, 14)).astype(np.float32)
    y = np.arange(20, dtype=np.int32) % 10
    one = training.fit(model, x, y, epochs=1, batch_size=32, key=jax.random.key(0),
                       learning_rate=1e-9)
    logits = jax.vmap(model)(jnp.asarray(x))
    expected = float(jnp.mean(jax.nn.logsumexp(logits, axis=1) - logits[jnp.arange(20), y]))
    assert one.losses.shape == (1,) and one.losses[0] == pytest.approx(expected, rel=1e-5)
    split = training.fit(model, x, y, epochs=1, batch_size=16, key=jax.random.key(0),
                         learning_rate=1e-9)
    assert split.losses.shape == (2,)   # 16 images, then 4 real ones and 12 padded


@pytest.mark.slow
@pytest.mark.parametrize("architecture", training.ARCHITECTURES)
def test_the_loss_falls_on_a_tiny_problem(architecture):
    calls = []
    config = tiny(architecture=architecture, n_per_class=2, N=2, epochs=12, batch_size=8,
                  learning_rate=1e-2, mlp_widths=(32,), cnn_channels=(8, 8), cnn_hidden=32,
                  vit_dim=16,
                  vit_head_dim=8, vit_mlp_dim=16, image_size=28 if architecture == "cnn" else 14,
                  dropout=0.0, input_scale=14.0)
    result = training.train_and_evaluate(
        config, progress=lambda e, total, loss: calls.append((e, total, loss)))
    assert [c[:2] for c in calls] == [(e, 12) for e in range(1, 13)]
    np.testing.assert_allclose([c[2] for c in calls], result.epoch_losses)
    assert result.epoch_losses[0] > np.log(10) * 0.8       # starts near chance
    assert result.epoch_losses[-1] < 0.4 * result.epoch_losses[0]
    assert np.all(np.isfinite(result.losses))


@pytest.mark.slow
def test_training_stops_at_the_monitored_accuracy():
    config = tiny(n_per_class=2, N=2, epochs=40, batch_size=8, learning_rate=1e-2,
                  mlp_widths=(32,), dropout=0.0, input_scale=14.0)
    full = training.train_and_evaluate(config)
    stopped = training.train_and_evaluate(config.replace(stop_accuracy=0.5))
    first = int(np.argmax(full.curves["train"][1:] >= 0.5)) + 1   # the first epoch at 0.5
    assert full.curves["train"][first] >= 0.5 and first < 40
    assert len(stopped.epoch_losses) == first and stopped.curves["train"].shape == (first + 1,)
    np.testing.assert_array_equal(stopped.losses, full.losses[: stopped.losses.size])
    # the monitored training images: all of them here (fewer than training.MONITOR)
    assert stopped.curves["train"][-1] == stopped.train_accuracy


@pytest.mark.slow
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
    ("mlp_widths", (0,)), ("vit_dim", 0), ("seed", -1), ("b1", 1.5), ("order", 2),
    ("dropout", 1.0), ("input_scale", 0.0), ("stop_accuracy", 1.5), ("cnn_channels", (4,)),
])
def test_bad_config_names_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        tiny(**{name: value})


def test_bad_vit_shapes_and_types():
    with pytest.raises(ValueError, match="vit_patch"):
        tiny(architecture="vit", vit_patch=4)          # 4 does not divide 14
    with pytest.raises(ValueError, match="vit_dim"):
        tiny(architecture="vit", vit_dim=10)          # sine-cosine embeddings need 4 | dim
    with pytest.raises(ValueError, match="image_size"):
        tiny(architecture="cnn", image_size=14)
    with pytest.raises(TypeError, match="centre"):
        tiny(centre="yes")
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

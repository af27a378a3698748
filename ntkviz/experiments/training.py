"""Trained finite networks on rotated MNIST with one class's upright digits unseen (Neural
kernel theory of symmetry learning, arXiv 2412.11521, Fig. 1, App. B.1 and B.3;
docs/theory.md#trained-networks).

**Data.** ``n_per_class`` digits of every class 0..9 are taken from the bundled MNIST test set
by the rule every experiment uses, ``datasets.digits_per_class`` (``default_rng(seed)`` permutes each
class 0, 1, …, 9 in turn and the first ``n_per_class`` are used). Each digit is rotated by the N
angles ``360k/N`` (``datasets.transform``, action ``"rotate"``, k = 0..N−1) at 28×28; for
``image_size=14`` the rotated images are then 2×2 mean-pooled (``datasets.pool2``), so the
rotation is done at full resolution. Every image is then centred and scaled to unit L2 norm as
``datasets.orbit`` does (``datasets.normalize``, docs/theory.md#image-orbits) and multiplied by
``image_size`` (so the image has norm √(H·W) and mean squared pixel 1: inputs of order one, as the
default layer initialisations expect). Using the same per-image normalisation as the kernel
experiments keeps the trained networks comparable to the spectral predictions.

**Split.** The upright (k = 0) images of the ``leave_out`` class are the *out-test* set; they
never enter training. Of the remaining images (all other classes at every angle and the
leave-out class at the angles k ≠ 0) a random 10 % (``in_fraction``) is the *in-test* set and the
rest is the training set. *In-test accuracy* is the accuracy on the in-test set, *out-test
accuracy* the accuracy on the held-out upright digits (10-way classification in both).

**Training.** Cross-entropy on the 10 logits, Adam (``optax.adam``) with a constant learning
rate, ``epochs`` passes over the training set in fixed batches of ``min(batch_size, n_train)``
images (the incomplete last batch of each epoch is dropped, so every step has the same shapes
and one compiled step serves the whole run). One epoch is a single jitted ``lax.scan`` over its
batches. All randomness comes from ``seed``: the digits and the split from a numpy generator,
the initialisation and the batch order from ``jax.random.key(seed)``; the same config gives
bit-identical results on the same machine.

**Precision.** Training runs in float32 (JAX's default; the package's kernels switch to float64
only inside their own functions): the networks are compared by accuracy, which float32 resolves
easily, float32 halves the memory traffic and is what these architectures are trained in
everywhere, and Adam's default ε = 1e-8 is tuned for it. Parameters are created with
``dtype=float32`` explicitly, so a global ``jax_enable_x64`` does not change that.

**Networks** (equinox): ``"mlp"`` — flatten, ``mlp_depth`` hidden ReLU layers of width
``mlp_width``, linear readout; ``"cnn"`` — two 3×3 convolutions (``cnn_channels`` and twice as
many channels, zero padding) each followed by ReLU and 2×2 max-pooling, flatten, linear readout;
``"vit"`` — non-overlapping ``vit_patch``×``vit_patch`` patches embedded linearly to
``vit_dim``, plus learned position embeddings, ``vit_depth`` pre-norm transformer blocks
(``vit_heads``-head self-attention, GELU MLP of width ``2·vit_dim``), final LayerNorm, mean over
tokens, linear readout. The ViT of the paper is patch 4, dim 256, depth 2, 4 heads (the
defaults; the patch must divide the image size, so 14×14 images need patch 2 or 7).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable

import numpy as np

from .. import datasets
from .._jax_compat import stable_random
from .._validate import check_choice, check_int, check_real, check_sequence

__all__ = [
    "ARCHITECTURES",
    "TrainConfig",
    "TrainResult",
    "RotatedSplit",
    "AccuracyCurve",
    "rotated_split",
    "make_model",
    "train_and_evaluate",
    "accuracy_vs_N",
]

ARCHITECTURES = ("mlp", "cnn", "vit")
N_CLASSES = 10
#: Largest number of rotation angles N (one per degree): each digit gives N training images,
#: so N is the data set's size factor (N = 10**12 used to start and hang).
MAX_N = 360


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training run (hashable; every field is validated on construction).

    ``architecture``: ``"mlp"`` | ``"cnn"`` | ``"vit"``; ``N``: number of rotation angles
    ``360k/N``; ``leave_out``: the class 0..9 whose upright images are held out;
    ``n_per_class``: digits per class (each contributes N images); ``in_fraction``: share of the
    remaining images in the in-test split (0 < in_fraction ≤ 0.9); ``image_size``: 28 or 14.
    ``batch_size`` larger than the training set is clipped to it. The rest are the optimiser
    and the network sizes (see the module docstring).
    """

    architecture: str = "mlp"
    N: int = 8
    leave_out: int = 0
    n_per_class: int = 100
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    seed: int = 0
    image_size: int = 28
    in_fraction: float = 0.1
    mlp_width: int = 512
    mlp_depth: int = 2
    cnn_channels: int = 16
    vit_patch: int = 4
    vit_dim: int = 256
    vit_depth: int = 2
    vit_heads: int = 4

    def __post_init__(self):
        check_choice("architecture", self.architecture, ARCHITECTURES)
        set_ = functools.partial(object.__setattr__, self)
        set_("N", check_int("N", self.N, minimum=1, maximum=MAX_N))
        set_("leave_out", check_int("leave_out", self.leave_out, minimum=0, maximum=9))
        set_("n_per_class", check_int("n_per_class", self.n_per_class, minimum=1))
        set_("epochs", check_int("epochs", self.epochs, minimum=1))
        set_("batch_size", check_int("batch_size", self.batch_size, minimum=1))
        set_("learning_rate", check_real("learning_rate", self.learning_rate, minimum=0.0,
                                         strict_minimum=True))
        set_("seed", check_int("seed", self.seed, minimum=0))
        set_("image_size", check_choice("image_size", self.image_size, (28, 14)))
        set_("in_fraction", check_real("in_fraction", self.in_fraction, minimum=0.0,
                                       maximum=0.9, strict_minimum=True))
        set_("mlp_width", check_int("mlp_width", self.mlp_width, minimum=1))
        set_("mlp_depth", check_int("mlp_depth", self.mlp_depth, minimum=0))
        set_("cnn_channels", check_int("cnn_channels", self.cnn_channels, minimum=1))
        set_("vit_patch", check_int("vit_patch", self.vit_patch, minimum=1))
        set_("vit_dim", check_int("vit_dim", self.vit_dim, minimum=1))
        set_("vit_depth", check_int("vit_depth", self.vit_depth, minimum=1))
        set_("vit_heads", check_int("vit_heads", self.vit_heads, minimum=1))
        if self.architecture == "vit":
            if self.image_size % self.vit_patch:
                allowed = [p for p in range(1, self.image_size + 1) if self.image_size % p == 0]
                raise ValueError(f"vit_patch must divide image_size {self.image_size}, got "
                                 f"{self.vit_patch} (allowed: {allowed})")
            if self.vit_dim % self.vit_heads:
                raise ValueError(f"vit_heads must divide vit_dim {self.vit_dim}, got "
                                 f"{self.vit_heads}")
        n_pool, n_in = self._pool_sizes()
        if n_in < 1 or n_pool - n_in < 1:
            raise ValueError(
                f"n_per_class={self.n_per_class} and N={self.N} give {n_pool} images outside "
                f"the out-test set: too few to split with in_fraction={self.in_fraction}")

    def _pool_sizes(self) -> tuple[int, int]:
        """Images outside the out-test set, and how many of them are in-test."""
        n_pool = N_CLASSES * self.n_per_class * self.N - self.n_per_class
        return n_pool, int(round(self.in_fraction * n_pool))

    @property
    def n_train(self) -> int:
        """Training images of this config (``rotated_split(config).train_x`` has this many)."""
        n_pool, n_in = self._pool_sizes()
        return n_pool - n_in

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True, eq=False)
class RotatedSplit:
    """The images of one config, split three ways (all float32 ``(n, S, S)``, int labels).

    ``digit``/``angle``: for every image, its digit index into the bundled test set and its k.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    train_digit: np.ndarray
    train_angle: np.ndarray
    in_x: np.ndarray
    in_y: np.ndarray
    in_digit: np.ndarray
    in_angle: np.ndarray
    out_x: np.ndarray
    out_y: np.ndarray
    out_digit: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class TrainResult:
    """Outcome of ``train_and_evaluate``.

    ``in_accuracy``/``out_accuracy``: fractions in [0, 1] on the in-test and out-test sets;
    ``losses``: mean training cross-entropy of every step, ``(epochs · steps_per_epoch,)``;
    ``epoch_losses``: their mean per epoch; ``wall_time``: seconds (data, compilation, training
    and evaluation); ``n_train``/``n_in``/``n_out``: split sizes.
    """

    config: TrainConfig
    in_accuracy: float
    out_accuracy: float
    losses: np.ndarray
    epoch_losses: np.ndarray
    wall_time: float
    n_train: int
    n_in: int
    n_out: int


@dataclasses.dataclass(frozen=True, eq=False)
class AccuracyCurve:
    """``accuracy_vs_N``: per N (rows) and leave-out class (columns) accuracies and their means."""

    architecture: str
    Ns: tuple[int, ...]
    leave_out_classes: tuple[int, ...]
    in_accuracy: np.ndarray       # (len(Ns),) mean over leave-out classes
    out_accuracy: np.ndarray      # (len(Ns),)
    in_per_class: np.ndarray      # (len(Ns), len(leave_out_classes))
    out_per_class: np.ndarray     # (len(Ns), len(leave_out_classes))
    wall_time: float
    results: tuple[TrainResult, ...]


def _frozen(array, dtype=None) -> np.ndarray:
    array = np.array(array, dtype=dtype)
    array.setflags(write=False)
    return array


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=4)
def _rotated_images(N: int, n_per_class: int, image_size: int, seed: int):
    """All ``10·n_per_class·N`` rotated, normalised images, class-major then digit then k."""
    images, labels = datasets.load_mnist()
    smallest = int(np.bincount(labels, minlength=N_CLASSES).min())
    if n_per_class > smallest:
        raise ValueError(f"n_per_class must be at most the size of the smallest class, got "
                         f"{n_per_class}")
    digits = datasets.digits_per_class(n_per_class, seed, N_CLASSES).ravel()
    stack = np.stack([datasets.transform(images[d], k, N, "rotate")
                      for d in digits for k in range(N)])
    if image_size == 14:
        stack = datasets.pool2(stack)
    stack = datasets.normalize(stack) * image_size
    digit = np.repeat(digits, N)
    angle = np.tile(np.arange(N), len(digits))
    return (_frozen(stack, np.float32), _frozen(labels[digit], np.int32), _frozen(digit),
            _frozen(angle))


def rotated_split(config: TrainConfig) -> RotatedSplit:
    """The train / in-test / out-test split of ``config`` (see the module docstring)."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    x, y, digit, angle = _rotated_images(config.N, config.n_per_class, config.image_size,
                                         config.seed)
    out = (y == config.leave_out) & (angle == 0)
    pool = np.flatnonzero(~out)
    rng = np.random.default_rng([config.seed, config.leave_out, config.N])
    pool = rng.permutation(pool)
    n_in = int(round(config.in_fraction * len(pool)))
    in_idx, train_idx = np.sort(pool[:n_in]), np.sort(pool[n_in:])
    out_idx = np.flatnonzero(out)
    return RotatedSplit(
        train_x=x[train_idx], train_y=y[train_idx], train_digit=digit[train_idx],
        train_angle=angle[train_idx],
        in_x=x[in_idx], in_y=y[in_idx], in_digit=digit[in_idx], in_angle=angle[in_idx],
        out_x=x[out_idx], out_y=y[out_idx], out_digit=digit[out_idx],
    )


# --------------------------------------------------------------------------- networks


def _build_classes():
    """Define the equinox modules on first use (equinox/JAX import only when training)."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    f32 = jnp.float32

    class MLP(eqx.Module):
        layers: list

        def __init__(self, size, width, depth, *, key):
            sizes = [size * size] + [width] * depth + [N_CLASSES]
            keys = jax.random.split(key, len(sizes) - 1)
            self.layers = [eqx.nn.Linear(a, b, dtype=f32, key=k)
                           for a, b, k in zip(sizes[:-1], sizes[1:], keys)]

        def __call__(self, image):
            h = image.reshape(-1)
            for layer in self.layers[:-1]:
                h = jax.nn.relu(layer(h))
            return self.layers[-1](h)

    class CNN(eqx.Module):
        conv1: eqx.nn.Conv2d
        conv2: eqx.nn.Conv2d
        readout: eqx.nn.Linear

        def __init__(self, size, channels, *, key):
            k1, k2, k3 = jax.random.split(key, 3)
            self.conv1 = eqx.nn.Conv2d(1, channels, 3, padding=1, dtype=f32, key=k1)
            self.conv2 = eqx.nn.Conv2d(channels, 2 * channels, 3, padding=1, dtype=f32, key=k2)
            side = size // 2 // 2
            self.readout = eqx.nn.Linear(2 * channels * side * side, N_CLASSES, dtype=f32,
                                         key=k3)

        def __call__(self, image):
            h = image[None]
            h = _maxpool(jax.nn.relu(self.conv1(h)))
            h = _maxpool(jax.nn.relu(self.conv2(h)))
            return self.readout(h.reshape(-1))

    def _maxpool(h):
        c, height, width = h.shape
        h = h[:, : height // 2 * 2, : width // 2 * 2]
        return h.reshape(c, height // 2, 2, width // 2, 2).max(axis=(2, 4))

    class Block(eqx.Module):
        norm1: eqx.nn.LayerNorm
        attention: eqx.nn.MultiheadAttention
        norm2: eqx.nn.LayerNorm
        hidden: eqx.nn.Linear
        out: eqx.nn.Linear

        def __init__(self, dim, heads, *, key):
            k1, k2, k3 = jax.random.split(key, 3)
            self.norm1 = eqx.nn.LayerNorm(dim, dtype=f32)
            self.attention = eqx.nn.MultiheadAttention(heads, dim, use_query_bias=True,
                                                       use_key_bias=True, use_value_bias=True,
                                                       use_output_bias=True, dtype=f32, key=k1)
            self.norm2 = eqx.nn.LayerNorm(dim, dtype=f32)
            self.hidden = eqx.nn.Linear(dim, 2 * dim, dtype=f32, key=k2)
            self.out = eqx.nn.Linear(2 * dim, dim, dtype=f32, key=k3)

        def __call__(self, tokens):
            h = jax.vmap(self.norm1)(tokens)
            tokens = tokens + self.attention(h, h, h)
            h = jax.vmap(self.norm2)(tokens)
            h = jax.vmap(self.out)(jax.nn.gelu(jax.vmap(self.hidden)(h)))
            return tokens + h

    class ViT(eqx.Module):
        embed: eqx.nn.Conv2d
        position: jax.Array
        blocks: list
        norm: eqx.nn.LayerNorm
        readout: eqx.nn.Linear
        patch: int = eqx.field(static=True)

        def __init__(self, size, patch, dim, depth, heads, *, key):
            keys = jax.random.split(key, depth + 3)
            self.patch = patch
            self.embed = eqx.nn.Conv2d(1, dim, patch, stride=patch, dtype=f32, key=keys[0])
            n_tokens = (size // patch) ** 2
            self.position = 0.02 * jax.random.normal(keys[1], (n_tokens, dim), dtype=f32)
            self.blocks = [Block(dim, heads, key=k) for k in keys[2:-1]]
            self.norm = eqx.nn.LayerNorm(dim, dtype=f32)
            self.readout = eqx.nn.Linear(dim, N_CLASSES, dtype=f32, key=keys[-1])

        def tokens(self, image):
            """``(n_patches, dim)``: patch embeddings, row-major over the patch grid."""
            h = self.embed(image[None])                  # (dim, S/p, S/p)
            return h.reshape(h.shape[0], -1).T

        def from_tokens(self, tokens):
            h = tokens + self.position
            for block in self.blocks:
                h = block(h)
            h = jax.vmap(self.norm)(h)
            return self.readout(h.mean(axis=0))

        def __call__(self, image):
            return self.from_tokens(self.tokens(image))

    return {"mlp": MLP, "cnn": CNN, "vit": ViT}


_CLASSES: dict = {}


@stable_random()
def make_model(config: TrainConfig, key=None):
    """The untrained equinox network of ``config``: maps one ``(S, S)`` image to 10 logits.

    ``key``: a ``jax.random`` key; by default the initialisation key of ``train_and_evaluate``
    (the first half of ``jax.random.split(jax.random.key(config.seed))``).
    """
    import jax

    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if not _CLASSES:
        _CLASSES.update(_build_classes())
    if key is None:
        key = jax.random.split(jax.random.key(config.seed))[0]
    cls = _CLASSES[config.architecture]
    size = config.image_size
    if config.architecture == "mlp":
        return cls(size, config.mlp_width, config.mlp_depth, key=key)
    if config.architecture == "cnn":
        return cls(size, config.cnn_channels, key=key)
    return cls(size, config.vit_patch, config.vit_dim, config.vit_depth, config.vit_heads,
               key=key)


# --------------------------------------------------------------------------- training


@functools.lru_cache(maxsize=8)
def _compiled(learning_rate: float):
    """The jitted epoch (a ``lax.scan`` of Adam steps) and the jitted batched predictor."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    optimiser = optax.adam(learning_rate)

    def loss_fn(params, static, x, y):
        model = eqx.combine(params, static)
        logits = jax.vmap(model)(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @eqx.filter_jit
    def epoch(params, static, opt_state, train_x, train_y, batches):
        def step(carry, index):
            params, opt_state = carry
            loss, grads = jax.value_and_grad(loss_fn)(params, static, train_x[index],
                                                       train_y[index])
            updates, opt_state = optimiser.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), loss

        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), batches)
        return params, opt_state, losses

    @eqx.filter_jit
    def predict(model, x):
        return jnp.argmax(jax.vmap(model)(x), axis=-1)

    return optimiser, epoch, predict


def _accuracy(predict, model, x, y, chunk: int) -> float:
    if len(x) == 0:
        return float("nan")
    import jax.numpy as jnp

    correct = 0
    n = len(x)
    for start in range(0, n, chunk):
        part = x[start:start + chunk]
        valid = len(part)
        if valid < chunk:   # pad to the fixed chunk so one compiled predictor serves every call
            part = np.concatenate([part, np.zeros((chunk - valid,) + part.shape[1:], part.dtype)])
        pred = np.asarray(predict(model, jnp.asarray(part)))[:valid]
        correct += int(np.sum(pred == y[start:start + valid]))
    return correct / n


@stable_random()
def train_and_evaluate(config: TrainConfig, progress: Callable | bool | None = None
                       ) -> TrainResult:
    """Train the network of ``config`` and measure in-test and out-test accuracy.

    ``progress``: ``None``/``False`` for silence, ``True`` for a ``tqdm.auto`` bar over epochs,
    or a callable ``progress(epoch, epochs, mean_loss)`` called after every epoch (1-based).
    """
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise TypeError(f"progress must be None, a bool or a callable, got {progress!r}")
    start = time.perf_counter()
    split = rotated_split(config)
    init_key, shuffle_key = jax.random.split(jax.random.key(config.seed))
    model = make_model(config, init_key)
    params, static = eqx.partition(model, eqx.is_inexact_array)
    optimiser, epoch_fn, predict = _compiled(config.learning_rate)
    opt_state = optimiser.init(params)
    n_train = len(split.train_x)
    batch = min(config.batch_size, n_train)
    steps = n_train // batch
    train_x = jnp.asarray(split.train_x)
    train_y = jnp.asarray(split.train_y)

    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=config.epochs, desc=f"{config.architecture} N={config.N} "
                   f"leave-out {config.leave_out}", leave=False)
    losses = []
    for e in range(config.epochs):
        order = jax.random.permutation(jax.random.fold_in(shuffle_key, e), n_train)
        batches = order[: steps * batch].reshape(steps, batch)
        params, opt_state, step_losses = epoch_fn(params, static, opt_state, train_x, train_y,
                                                  batches)
        step_losses = np.asarray(step_losses, dtype=np.float64)
        losses.append(step_losses)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{step_losses.mean():.3f}")
        elif callable(progress) and not isinstance(progress, bool):
            progress(e + 1, config.epochs, float(step_losses.mean()))
    if bar is not None:
        bar.close()
    model = eqx.combine(params, static)
    chunk = 256
    in_acc = _accuracy(predict, model, split.in_x, split.in_y, chunk)
    out_acc = _accuracy(predict, model, split.out_x, split.out_y, chunk)
    losses = np.stack(losses)
    return TrainResult(
        config=config, in_accuracy=in_acc, out_accuracy=out_acc,
        losses=_frozen(losses.ravel()), epoch_losses=_frozen(losses.mean(axis=1)),
        wall_time=time.perf_counter() - start, n_train=n_train, n_in=len(split.in_x),
        n_out=len(split.out_x),
    )


def accuracy_vs_N(architecture: str, Ns=(4, 8, 16, 32), leave_out_classes=tuple(range(10)),
                  *, progress: Callable | bool | None = None, **config) -> AccuracyCurve:
    """In-test and out-test accuracy as a function of N, averaged over leave-out classes.

    One ``train_and_evaluate`` per (N, leave-out class), all other fields from ``config``
    (``TrainConfig`` keywords). ``progress``: ``True`` for a ``tqdm.auto`` bar over the runs, or a
    callable ``progress(done, total, result)`` called after every run.
    """
    check_choice("architecture", architecture, ARCHITECTURES)
    Ns = _int_tuple("Ns", Ns, minimum=1, maximum=MAX_N)
    leave_out_classes = _int_tuple("leave_out_classes", leave_out_classes, minimum=0, maximum=9)
    if len(set(leave_out_classes)) != len(leave_out_classes):
        raise ValueError(f"leave_out_classes must not repeat a class, got {leave_out_classes}")
    for bad in ("architecture", "N", "leave_out"):
        if bad in config:
            raise TypeError(f"{bad} is set by accuracy_vs_N, not a keyword (got {bad}=...)")
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise TypeError(f"progress must be None, a bool or a callable, got {progress!r}")
    configs = [TrainConfig(architecture=architecture, N=N, leave_out=c, **config)
               for N in Ns for c in leave_out_classes]
    start = time.perf_counter()
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(configs), desc=f"{architecture} accuracy vs N")
    results = []
    for i, cfg in enumerate(configs):
        results.append(train_and_evaluate(cfg))
        if bar is not None:
            bar.update(1)
        elif callable(progress) and not isinstance(progress, bool):
            progress(i + 1, len(configs), results[-1])
    if bar is not None:
        bar.close()
    shape = (len(Ns), len(leave_out_classes))
    in_pc = np.array([r.in_accuracy for r in results]).reshape(shape)
    out_pc = np.array([r.out_accuracy for r in results]).reshape(shape)
    return AccuracyCurve(
        architecture=architecture, Ns=Ns, leave_out_classes=leave_out_classes,
        in_accuracy=_frozen(in_pc.mean(axis=1)), out_accuracy=_frozen(out_pc.mean(axis=1)),
        in_per_class=_frozen(in_pc), out_per_class=_frozen(out_pc),
        wall_time=time.perf_counter() - start, results=tuple(results),
    )


def _int_tuple(name: str, values, *, minimum=None, maximum=None) -> tuple[int, ...]:
    return check_sequence(name, values, lambda v: check_int(name, v, minimum=minimum, maximum=maximum))

"""Trained finite networks on rotated MNIST with one class's upright digits unseen (Neural
kernel theory of symmetry learning, arXiv 2412.11521, Sec. 3.1, Fig. 1, App. B.1;
docs/theory.md#trained-networks).

**Data.** ``n_per_class`` digits of every class 0..9 are taken from the bundled MNIST test set
by the rule every experiment uses, ``datasets.digits_per_class`` (``default_rng(seed)`` permutes
each class in turn and the first ``n_per_class`` are used), pooled to ``image_size`` (28, or 14
by 2×2 mean pooling). Each digit gives the N images at angles ``360k/N`` (k = 0..N−1,
``datasets.transform`` with spline ``order``: 0 nearest pixel as Fig. 1, 3 cubic as the kernel
experiments). ``centre=False`` (Fig. 1): the digit is scaled to unit L2 norm, then rotated, so a
rotated copy is unit norm only up to the pixels the rotation moves in or out (the paper's code
does the same, without centring); ``centre=True``: every rotated image is centred and scaled to
unit norm (``datasets.orbit``, the kernel experiments' convention).

**Split.** The upright (k = 0) images of the ``leave_out`` class are the *out-test* set; they
never enter training. Of the remaining images a random ``in_fraction`` (10 % in Fig. 1) is the
*in-test* set and the rest is the training set.

**Training** (``experiments.fitting.fit``). Cross-entropy on the 10 logits, Adam with the
config's learning rate and betas (Fig. 1: 1e-3 and (0.7, 0.9)), ``epochs`` passes over the
training set in batches of ``min(batch_size, n_train)``, dropout on in training and off in
evaluation. Before training and after every epoch the accuracy (argmax of the logits) is
measured on the in-test and out-test sets and on a fixed random subset of the training set
(``MONITOR`` images, or the in-test set's size if larger: the per-epoch curves of Fig. 1B at a
fraction of the cost of the whole training set); with ``stop_accuracy`` training stops after the
first epoch at which that subset reaches it. The final training accuracy is measured on the
whole training set. All randomness comes from ``seed``: digits and split from numpy, the
initialisation, batch order and dropout from ``jax.random.key(seed)``; the same config gives
bit-identical results on the same machine.

**Precision.** float32 (the parameters are created float32 explicitly, so a global
``jax_enable_x64`` does not change that): accuracies are what is compared, and Adam's ε = 1e-8
is tuned for float32.

**Networks**: ``experiments.networks`` (App. B.1's MLP, ConvNet and SimpleViT, PyTorch's default
initialisation); their sizes are fields of :class:`TrainConfig`, the defaults the paper's.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable

import numpy as np

from .. import datasets
from .._jax_compat import stable_random
from ..params import Param, Params
from . import fitting, networks
from ._common import SMALLEST_CLASS, check_progress, frozen
from .fitting import MAX_EPOCHS, FitResult, accuracy_of, fit, train_network  # noqa: F401

__all__ = ["ARCHITECTURES", "MAX_N", "MAX_EPOCHS", "MONITOR", "TrainConfig", "TrainResult",
           "RotatedSplit", "AccuracyCurve", "rotated_split", "make_model", "train_and_evaluate",
           "accuracy_vs_N"]

ARCHITECTURES = networks.NETWORKS
N_CLASSES = 10
#: Largest number of rotation angles N (one per degree); each digit gives N training images.
MAX_N = 360

#: The per-epoch training accuracy is measured on a fixed random subset of the training set of
#: this many images (or all of them, if fewer), or as many as the in-test set if that is larger.
MONITOR = 1024


#: The fields of ``TrainConfig`` that size the network (``networks.make_network``'s keywords).
SIZES = ("mlp_widths", "dropout", "cnn_channels", "cnn_hidden", "vit_patch", "vit_dim",
         "vit_depth", "vit_heads", "vit_head_dim", "vit_mlp_dim")

#: The settings of a run: the network's and the optimiser's as ``networks`` and ``fitting``
#: declare them, and the data's.
PARAMS = Params(
    *(networks.PARAMS[name] for name in ("architecture",) + SIZES),
    *fitting.PARAMS.values(),
    Param("N", "int", 1, MAX_N),
    Param("leave_out", "int", 0, 9),
    Param("n_per_class", "int", 1, SMALLEST_CLASS),
    Param("seed", "int", 0),
    Param("image_size", "choice", choices=(28, 14)),
    Param("in_fraction", "real", 0.0, 0.9, strict=True),
    Param("order", "choice", choices=datasets.ORDERS),
    Param("centre", "flag"),
    Param("input_scale", "real", 0.0, strict=True),
    Param("stop_accuracy", "real", 0.0, 1.0, strict=True),
    Param("Ns", "ints", 1, MAX_N),
    Param("leave_out_classes", "ints", 0, 9),
)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training run (hashable; every field is validated on construction).

    ``architecture``: ``"mlp"`` | ``"cnn"`` | ``"vit"``; ``N``: rotation angles ``360k/N``;
    ``leave_out``: the class whose upright images are held out; ``n_per_class``: digits per
    class (each gives N images); ``epochs``, ``batch_size`` (clipped to the training set),
    ``learning_rate``, ``b1``, ``b2``: Adam; ``in_fraction``: share of the in-test split
    (0 < in_fraction ≤ 0.9); ``image_size``: 28 or 14; ``order``: rotation spline order;
    ``centre``: the normalisation (module docstring); ``input_scale``: a factor on every
    image (1: unit-norm digits as Fig. 1); ``stop_accuracy``: stop after the first epoch whose
    monitored training accuracy reaches it (``epochs`` is then a cap; None: train all epochs).
    The other fields are the network sizes
    (``experiments.networks.make_network``); their defaults are App. B.1's.
    """

    architecture: str = "mlp"
    N: int = 8
    leave_out: int = 0
    n_per_class: int = 100
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    b1: float = 0.7
    b2: float = 0.9
    seed: int = 0
    image_size: int = 28
    in_fraction: float = 0.1
    order: int = 0
    centre: bool = False
    input_scale: float = 1.0
    stop_accuracy: float | None = None
    mlp_widths: tuple[int, ...] = (512, 128)
    dropout: float = 0.5
    cnn_channels: tuple[int, int] = (24, 32)
    cnn_hidden: int = 256
    vit_patch: int = 4
    vit_dim: int = 256
    vit_depth: int = 2
    vit_heads: int = 4
    vit_head_dim: int = 64
    vit_mlp_dim: int = 256

    def __post_init__(self):
        values = PARAMS.check(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                                 if f.name != "stop_accuracy" or self.stop_accuracy is not None})
        for name, value in values.items():
            object.__setattr__(self, name, value)
        networks.check_shapes(self.architecture, self.image_size, self.cnn_channels,
                              self.vit_patch, self.vit_dim)
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

    def network_sizes(self) -> dict:
        """The keywords of ``networks.make_network`` set by this config."""
        return {name: getattr(self, name) for name in SIZES}

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


#: The argument of the functions that take a run's configuration.
CONFIG = Params(Param("config", "object", choices=(TrainConfig,)))


@dataclasses.dataclass(frozen=True, eq=False)
class RotatedSplit:
    """The images of one config, split three ways (float32 ``(n, S, S)``, int labels);
    ``digit``/``angle``: each image's digit (row of the bundled test set) and its k."""

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
    """Outcome of :func:`train_and_evaluate`: final accuracies (fractions in [0, 1]:
    ``train_accuracy`` on the whole training set, ``in_accuracy``, ``out_accuracy``); ``losses``
    per step and ``epoch_losses`` per epoch; ``curves`` ``{"train", "in", "out"}`` → (epochs + 1,)
    accuracies before training and after every epoch (``"train"`` on the monitored subset);
    ``wall_time`` in seconds; the split sizes."""

    config: TrainConfig
    train_accuracy: float
    in_accuracy: float
    out_accuracy: float
    losses: np.ndarray
    epoch_losses: np.ndarray
    curves: dict
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


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=4)
def _rotated_images(N: int, n_per_class: int, image_size: int, seed: int, order: int,
                    centre: bool):
    """All ``10·n_per_class·N`` images, class-major then digit then k."""
    images, labels = datasets.load_mnist()
    digits = datasets.digits_per_class(n_per_class, seed, N_CLASSES).ravel()
    seeds = images[digits].astype(np.float64)
    if image_size == 14:
        seeds = datasets.pool2(seeds)
    if centre:
        stack = np.concatenate([datasets.orbit(s, N, "rotate", order=order) for s in seeds])
    else:
        unit = seeds / np.linalg.norm(seeds.reshape(len(seeds), -1), axis=1)[:, None, None]
        stack = np.stack([datasets.transform(u, k, N, "rotate", order=order)
                          for u in unit for k in range(N)])
    digit = np.repeat(digits, N)
    angle = np.tile(np.arange(N), len(digits))
    return (frozen(stack, np.float32), frozen(labels[digit], np.int32), frozen(digit, None),
            frozen(angle, None))


@CONFIG.validated
def rotated_split(config: TrainConfig) -> RotatedSplit:
    """The train / in-test / out-test split of ``config`` (see the module docstring).

    Examples
    --------
    Five digits per class, four rotations each, class 0 left out:

    >>> from ntkviz.experiments import training
    >>> split = training.rotated_split(training.TrainConfig(N=4, n_per_class=5, image_size=14))
    >>> split.train_x.shape, split.in_x.shape, split.out_x.shape
    ((175, 14, 14), (20, 14, 14), (5, 14, 14))
    >>> split.out_y.tolist()  # the upright 0s ...
    [0, 0, 0, 0, 0]
    >>> bool(np.any((split.train_y == 0) & (split.train_angle == 0)))  # ... never trained on
    False
    """
    x, y, digit, angle = _rotated_images(config.N, config.n_per_class, config.image_size,
                                         config.seed, config.order, config.centre)
    if config.input_scale != 1.0:
        x = (x * np.float32(config.input_scale)).astype(np.float32)
    out = (y == config.leave_out) & (angle == 0)
    pool = np.random.default_rng([config.seed, config.leave_out, config.N]).permutation(
        np.flatnonzero(~out))
    n_in = int(round(config.in_fraction * len(pool)))
    in_idx, train_idx, out_idx = np.sort(pool[:n_in]), np.sort(pool[n_in:]), np.flatnonzero(out)
    return RotatedSplit(
        train_x=x[train_idx], train_y=y[train_idx], train_digit=digit[train_idx],
        train_angle=angle[train_idx], in_x=x[in_idx], in_y=y[in_idx], in_digit=digit[in_idx],
        in_angle=angle[in_idx], out_x=x[out_idx], out_y=y[out_idx], out_digit=digit[out_idx])


@CONFIG.validated
@stable_random()
def make_model(config: TrainConfig, key=None):
    """The untrained network of ``config`` (``networks.make_network``); ``key`` defaults to
    the initialisation key of :func:`train_and_evaluate`, the first half of
    ``jax.random.split(jax.random.key(config.seed))``.

    Examples
    --------
    >>> from ntkviz.experiments import training
    >>> model = training.make_model(training.TrainConfig(image_size=14, mlp_widths=(64,)))
    >>> type(model).__name__, model(np.zeros((14, 14), dtype=np.float32)).shape  # 10 logits
    ('MLP', (10,))
    """
    import jax

    if key is None:
        key = jax.random.split(jax.random.key(config.seed))[0]
    return networks.make_network(config.architecture, config.image_size, key,
                                 **config.network_sizes())


# --------------------------------------------------------------------------- training


@CONFIG.validated
@stable_random()
def train_and_evaluate(config: TrainConfig, progress: Callable | bool | None = None
                       ) -> TrainResult:
    """Train the network of ``config`` and measure its accuracies (module docstring).

    ``progress``: ``None``/``False`` for silence, ``True`` for a ``tqdm.auto`` bar over epochs,
    or a callable ``progress(epoch, epochs, mean_loss)`` called after every epoch (1-based).

    Examples
    --------
    A tiny run (a few seconds, mostly compiling): 5 digits per class, 4 rotations, 2 epochs of
    an MLP with one hidden layer of 64 units on 14×14 digits:

    >>> from ntkviz.experiments import training
    >>> config = training.TrainConfig(N=4, n_per_class=5, epochs=2, image_size=14,
    ...                               mlp_widths=(64,))
    >>> result = training.train_and_evaluate(config)
    >>> result.n_train, result.n_in, result.n_out
    (175, 20, 5)
    >>> result.curves["out"].shape  # before training and after each epoch
    (3,)
    >>> print(f"first epoch's loss {result.epoch_losses[0]:.1f}")  # about log 10 at the start
    first epoch's loss 2.3
    >>> training.train_and_evaluate(config).out_accuracy == result.out_accuracy  # reproducible
    True
    """
    import jax

    progress = check_progress(progress)
    start = time.perf_counter()
    split = rotated_split.unchecked(config)
    init_key, train_key = jax.random.split(jax.random.key(config.seed))
    n_monitor = max(len(split.in_x), min(len(split.train_x), MONITOR))
    monitored = np.random.default_rng([config.seed, config.leave_out, config.N, 1]).choice(
        len(split.train_x), size=n_monitor, replace=False)
    monitor = {"train": (split.train_x[monitored], split.train_y[monitored]),
               "in": (split.in_x, split.in_y), "out": (split.out_x, split.out_y)}
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=config.epochs, desc=f"{config.architecture} N={config.N} "
                   f"leave-out {config.leave_out}", leave=False)

        def progress(epoch, epochs, loss):
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")

    result = train_network(
        make_model.unchecked(config, init_key), split.train_x, split.train_y,
        epochs=config.epochs, batch_size=config.batch_size, key=train_key,
        learning_rate=config.learning_rate, b1=config.b1, b2=config.b2, monitor=monitor,
        progress=progress or None,
        stop=None if config.stop_accuracy is None else ("train", config.stop_accuracy))
    if bar is not None:
        bar.close()
    return TrainResult(
        config=config, train_accuracy=accuracy_of(result.model, split.train_x, split.train_y),
        in_accuracy=float(result.curves["in"][-1]), out_accuracy=float(result.curves["out"][-1]),
        losses=result.losses, epoch_losses=result.epoch_losses, curves=result.curves,
        wall_time=time.perf_counter() - start, n_train=len(split.train_x),
        n_in=len(split.in_x), n_out=len(split.out_x))


@PARAMS.validated
def accuracy_vs_N(architecture: str, Ns=(4, 8, 16, 32), leave_out_classes=tuple(range(10)),
                  *, progress: Callable | bool | None = None, **config) -> AccuracyCurve:
    """In-test and out-test accuracy as a function of N, averaged over leave-out classes.

    One ``train_and_evaluate`` per (N, leave-out class), all other fields from ``config``
    (``TrainConfig`` keywords). ``progress``: ``True`` for a ``tqdm.auto`` bar over the runs, or a
    callable ``progress(done, total, result)`` called after every run.

    Examples
    --------
    Two orbit sizes × two leave-out classes, four tiny runs:

    >>> from ntkviz.experiments import training
    >>> curve = training.accuracy_vs_N("mlp", Ns=(2, 4), leave_out_classes=(0, 1), n_per_class=5,
    ...                                epochs=2, image_size=14, mlp_widths=(64,))
    >>> curve.out_per_class.shape, curve.out_accuracy.shape, len(curve.results)
    ((2, 2), (2,), 4)
    >>> [r.config.N for r in curve.results], [r.config.leave_out for r in curve.results]
    ([2, 2, 4, 4], [0, 1, 0, 1])
    """
    if len(set(leave_out_classes)) != len(leave_out_classes):
        raise ValueError(f"leave_out_classes must not repeat a class, got {leave_out_classes}")
    for bad in ("architecture", "N", "leave_out"):
        if bad in config:
            raise TypeError(f"{bad} is set by accuracy_vs_N, not a keyword (got {bad}=...)")
    progress = check_progress(progress)
    configs = [TrainConfig(architecture=architecture, N=N, leave_out=c, **config)
               for N in Ns for c in leave_out_classes]
    start = time.perf_counter()
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(configs), desc=f"{architecture} accuracy vs N")
    results = []
    for i, cfg in enumerate(configs):
        results.append(train_and_evaluate.unchecked(cfg))
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
        in_accuracy=frozen(in_pc.mean(axis=1)), out_accuracy=frozen(out_pc.mean(axis=1)),
        in_per_class=frozen(in_pc), out_per_class=frozen(out_pc),
        wall_time=time.perf_counter() - start, results=tuple(results))

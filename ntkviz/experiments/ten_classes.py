"""Ten classes, one versus many, as the code behind Fig. 6B and App. F (Fig. 13) of Neural kernel
theory of symmetry learning (arXiv 2412.11521, Sec. 3.4; docs/theory.md#ten-classes-one-versus-many,
docs/theory.md#exact-classification).

**Data.** S digits per class (``multiclass.class_samples(S, seed)``, the digits of
``multiclass.spectral_accuracy``), each turned into its orbit of N rotations (cubic splines,
``order=3``, each image centred and scaled to unit norm: ``digit_orbits.prepared_orbit``); points are
ordered class-major, then digit, then angle: orbit ``m = c·S + i`` holds rows ``m·N + k``.

**Kernel** (:func:`b3_kernel`): the NTK of App. B.3's network Dense(512, b_std 1)-ReLU-Dense(128,
b_std 1)-ReLU-Dense(10, no bias)-ReLU-Dense(1, b_std 1), W_std = 1 (its dropout is the identity
at test time): ``kernels.mlp(depth=3, b_std=(1, 1, 0, 1))``.

**Spectral** (:func:`spectral_predictions`). For every pair of orbits (a, b) of different classes
the interleaved 2N × 2N block of the Gram matrix is circularised (Eq. 12; computed from the
wrapped diagonals of the blocks K_aa, K_bb, K_ab, without forming the pair matrices) and its
eigenvalues ``λ_f`` (the DFT of the first row) give ``ŷ = 1 − ε``, ``ε = isp_N/⟨isp⟩``,
``isp_f = 1/|λ_f + ρ|`` with the *absolute* ridge ρ (the authors' ``circulant_predict``,
ρ = 1e-5). The prediction of orbit i of class c against class d is the mean of ``ŷ`` over the S
orbits of d; the orbit is classified correctly when that mean is positive for every d ≠ c.

**Exact** (:func:`exact_predictions`). One-versus-rest ±1 regression for each class c: labels +1
for the points of class c, −1 for the others; the S angle-0 images of class c are left out
together and predicted from all other points with the absolute ridge ρ (1e-10 in the code),
``ŷ_S = y_S − ([A⁻¹]_SS)⁻¹[A⁻¹y]_S`` with ``A = K + ρI`` factorised once; an image counts as
correct when ``ŷ > 0`` (only the class's own regressor is read, as in the code).

**Trained** (:func:`train_leave_out`). The App. B.3 network after "model surgery": 784-512-128-10
(no bias on the last layer), dropout 0.5, trained with cross-entropy and Adam
(``experiments.fitting``) on all points except the S angle-0 images of the leave-out class; an
image counts as correct when the argmax of its logits is its class. The parameterisation and
initialisation are a choice (``networks.INITS``): the authors' code uses the NTK
parameterisation with ``U(±1/√fan_out)`` parameters.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_finite_array, check_allocation, check_square
from ..params import Param, Params
from . import digit_orbits, fitting, multiclass, networks
from ._common import SMALLEST_CLASS
from .multiclass.leave_out import dense_leave_outs

__all__ = ["B3_BIAS", "b3_kernel", "class_points", "gram", "spectral_predictions",
           "exact_predictions", "train_leave_out", "PARAMS"]

#: Bias scales of the Dense layers of App. B.3's network (0: the bias-free logit layer).
B3_BIAS = (1.0, 1.0, 0.0, 1.0)
N_CLASSES = 10

PARAMS = Params(
    *(multiclass.PARAMS[name] for name in ("seed", "order", "ridge")),
    *(fitting.PARAMS[name] for name in ("learning_rate", "b1", "b2")),
    *(networks.PARAMS[name] for name in ("dropout", "init")),
    Param("seeds_per_class", "int", 1, SMALLEST_CLASS),
    Param("N", "int", 1),
    Param("tile", "int", 1),
    Param("leave_out", "int", 0, N_CLASSES - 1),
    Param("max_steps", "int", 1, 10**7),
    Param("batch_size", "int", 1),
    Param("input_scale", "real", 0.0, 1e6, strict=True),
    Param("stop_accuracy", "real", 0.0, 1.0),
)


def b3_kernel():
    """The ntkviz kernel of App. B.3's scalar-output network (module docstring)."""
    from .. import kernels

    return kernels.mlp(depth=3, W_std=1.0, b_std=B3_BIAS)


@PARAMS.validated
def class_points(seeds_per_class: int, N: int, seed: int = 0, order: int = 3
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, labels, samples)``: the ``10·S·N`` images (n, 28, 28), class-major, then digit, then
    angle; their classes; and the (10, S) sample indices of the digits."""
    N = digit_orbits.check_N.unchecked(N, "rotate", "mlp1")
    samples = multiclass.class_samples.unchecked(seeds_per_class, seed)
    X = np.concatenate([digit_orbits.prepared_orbit((c, int(s)), "rotate", N, "mlp1", order)
                        for c in range(N_CLASSES) for s in samples[c]])
    labels = np.repeat(np.arange(N_CLASSES), samples.shape[1] * N)
    return X, labels, samples


@PARAMS.validated
def gram(X, tile: int = 2048) -> np.ndarray:
    """The NTK Gram matrix of :func:`b3_kernel` on images ``X`` (n, 28, 28), float64, computed in
    ``tile × tile`` blocks (each small enough for the kernel's numpy path, without padding)
    and mirrored, so it is exactly symmetric."""
    X = as_finite_array("X", X, ndim=3)
    kernel = b3_kernel()
    n = len(X)
    check_allocation("X", (n, n))
    K = np.empty((n, n))
    starts = range(0, n, tile)
    for a in starts:
        rows = slice(a, min(a + tile, n))
        K[rows, rows] = kernel.ntk(X[rows])
        for b in starts:
            if b > a:
                cols = slice(b, min(b + tile, n))
                K[rows, cols] = kernel.ntk(X[rows], X[cols])
                K[cols, rows] = K[rows, cols].T
    return K


def _points_of(K, S: int, N: int) -> np.ndarray:
    """``K`` square, of the 10·S·N points of ``class_points(S, N)``."""
    K = check_square("K", K)
    if K.shape[0] != N_CLASSES * S * N:
        raise ValueError(f"K must be the Gram of 10 · seeds_per_class · N = {N_CLASSES * S * N} "
                         f"points (seeds_per_class={S}, N={N}), got {K.shape[0]}")
    return K


def _pair_rows_first(K: np.ndarray, M: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    """Wrapped-diagonal means: ``own[a, l] = mean_i K_aa[i, i+l]`` (M, N) and
    ``cross[a, b, l] = mean_i K_ab[i, i+l]`` (M, M, N), indices mod N."""
    K4 = K.reshape(M, N, M, N)
    i = np.arange(N)
    cross = np.empty((M, M, N))
    for lag in range(N):
        cross[:, :, lag] = K4[:, i, :, (i + lag) % N].mean(axis=0)
    own = cross[np.arange(M), np.arange(M)]
    return own, cross


@PARAMS.validated
def spectral_predictions(K, seeds_per_class: int, N: int, ridge: float = 1e-5) -> np.ndarray:
    """``(10, S, 10)`` seed-averaged spectral predictions ``mean_j (1 − ε)`` of orbit i of class c
    against the orbits of class d (NaN for d = c), from the Gram ``K`` of :func:`class_points`'
    points; ``ridge`` is absolute (module docstring)."""
    S = seeds_per_class
    M = N_CLASSES * S
    own, cross = _pair_rows_first(_points_of(K, S, N), M, N)
    lags = np.arange(N)
    # first row of the circularised interleaved pair (a first): even entries 2l average the two
    # orbits' own diagonals, odd entries 2l+1 the cross diagonals l and −l−1
    row = np.empty((M, M, 2 * N))
    row[:, :, 0::2] = 0.5 * (own[:, None, :] + own[None, :, :])
    row[:, :, 1::2] = 0.5 * (cross + cross[:, :, (-lags - 1) % N])
    lam = np.fft.fft(row, axis=-1).real
    isp = 1.0 / np.abs(lam + ridge)
    eps = isp[..., N] / isp.mean(axis=-1)
    pred = (1.0 - eps).reshape(N_CLASSES, S, N_CLASSES, S).mean(axis=3)
    pred[np.arange(N_CLASSES), :, np.arange(N_CLASSES)] = np.nan
    return pred


@PARAMS.validated
def exact_predictions(K, seeds_per_class: int, N: int, ridge: float = 1e-10) -> np.ndarray:
    """``(10, S)`` one-versus-rest predictions at the angle-0 image of every orbit, each class's
    S images left out together, with the absolute ``ridge`` (module docstring)."""
    K, S = _points_of(K, seeds_per_class, N), seeds_per_class
    labels = np.repeat(np.arange(N_CLASSES), S * N)
    Y = np.where(labels[:, None] == np.arange(N_CLASSES)[None, :], 1.0, -1.0)  # (n, 10)
    sets = [(c * S + np.arange(S)) * N for c in range(N_CLASSES)]              # angle-0 rows
    return np.stack(dense_leave_outs(K, Y, sets, ridge, columns=range(N_CLASSES)))


@PARAMS.validated
def train_leave_out(X, labels, leave_out: int, seeds_per_class: int, N: int, *,
                    max_steps: int, seed: int = 0, batch_size: int = 512,
                    learning_rate: float = 1e-3, b1: float = 0.7, b2: float = 0.9,
                    dropout: float = 0.5, init: str = "ntk_uniform_fan_out",
                    input_scale: float = 1.0, stop_accuracy: float = 1.0) -> dict:
    """Train the 784-512-128-10 network without the angle-0 images of class ``leave_out``
    (module docstring): ``init`` (``networks.INITS``; the authors': ``"ntk_uniform_fan_out"``),
    images times ``input_scale``, until the training accuracy (whole training set, after every
    epoch) reaches ``stop_accuracy`` or at least ``max_steps`` steps (whole epochs) have run.
    Returns the predicted classes of the left-out images, the final training accuracy, the
    epochs, steps and mean loss per epoch."""
    import jax

    X = as_finite_array("X", X, ndim=3)
    S = seeds_per_class
    if len(X) != N_CLASSES * S * N:
        raise ValueError(f"X must hold the {N_CLASSES} × {S} × {N} images of class_points("
                         f"seeds_per_class={S}, N={N}), got {len(X)}")
    labels = np.asarray(labels)
    if labels.shape != (len(X),) or labels.dtype.kind not in "iu" or (
            labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES)):
        raise ValueError(f"labels must be {len(X)} integer classes 0..9, one per image of X")
    test = (leave_out * S + np.arange(S)) * N
    train = np.setdiff1d(np.arange(len(X)), test)
    key = jax.random.fold_in(jax.random.key(seed), leave_out)
    init_key, train_key = jax.random.split(key)
    model = networks.make_network.unchecked("mlp", X.shape[-1], init_key, mlp_widths=(512, 128),
                                            dropout=dropout, readout_bias=False, init=init)
    x = (X[train] * input_scale).astype(np.float32)
    y = labels[train].astype(np.int32)
    batch = min(batch_size, len(x))
    epochs = -(-max_steps // -(-len(x) // batch))
    result = fitting.train_network(model, x, y, epochs=epochs, batch_size=batch, key=train_key,
                                   learning_rate=learning_rate, b1=b1, b2=b2,
                                   monitor={"train": (x, y)}, stop=("train", stop_accuracy),
                                   progress=None)
    logits = np.asarray(jax.vmap(result.model)((X[test] * input_scale).astype(np.float32)))
    return {"predicted": logits.argmax(axis=1), "train_accuracy": float(result.curves["train"][-1]),
            "epochs": len(result.epoch_losses), "steps": len(result.losses),
            "loss": result.epoch_losses}

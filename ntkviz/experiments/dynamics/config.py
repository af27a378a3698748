"""The settings of the dynamics experiment: datasets, widths, seeds, checkpoints, limits, the
declared parameters, and the two records everything else passes around (``Setup``: a dataset
with its analytic NTK; ``Run``: one trained finite network)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ...params import Param, Params

__all__ = ["DATASETS", "WIDTHS", "SEEDS", "TIMES", "T_MAX", "CHUNK", "MAX_DEPTH", "MAX_WIDTH",
           "MAX_ETA_LAMBDA", "MAX_FLOW_TIME", "N_MODES", "W_STD", "B_STD", "N_CIRCLE",
           "MNIST_CLASSES", "MNIST_TRAIN", "MNIST_TEST", "NOISE_SEED", "DEFAULTS", "KINDS",
           "PARAMS", "Setup", "Run", "nearest_checkpoint"]

DATASETS = ("circle", "mnist")
#: Widths of the finite networks (distance-to-kernel sweep).
WIDTHS = (16, 64, 256, 1024)
#: Initialisations per width.
SEEDS = (0, 1, 2)
#: Last training step and the checkpoints (0 and ~log-spaced integers up to T_MAX).
T_MAX = 1000
TIMES = np.unique(np.r_[0, np.round(np.logspace(0, np.log10(T_MAX), 34))]).astype(np.int64)
TIMES.setflags(write=False)
#: Steps per compiled training chunk (a chunk is one ``lax.scan``; progress is reported after each).
CHUNK = 50
MAX_DEPTH = 3
MAX_WIDTH = 4096
#: Largest η·λ_max accepted by the closed forms for gradient descent (``kind="gd"``): it is
#: stable up to 2 (docs/theory.md#training-in-the-kernel-regime), beyond it the residual grows
#: like |1 − ηλ|^t to inf/NaN (η = 1e16 did). Gradient flow (``kind="flow"``) decays at any
#: η > 0; there only the training time η·t is bounded (MAX_FLOW_TIME), so that it stays a
#: finite float.
MAX_ETA_LAMBDA = 2.0
MAX_FLOW_TIME = 1e300
#: Eigen-directions shown in the per-mode decay.
N_MODES = 4
W_STD = 1.0
B_STD = 0.1
N_CIRCLE = 16
MNIST_CLASSES = (4, 9)
MNIST_TRAIN = 10
MNIST_TEST = 20
NOISE_SEED = 0
#: Default setting (also the precomputed one): depth, lr_factor = η λ_max, training-label noise.
DEFAULTS = {"depth": 1, "lr_factor": 0.5, "noise": 1.0}
#: Discrete gradient descent or gradient flow.
KINDS = ("gd", "flow")


@dataclasses.dataclass(frozen=True, eq=False)
class Setup:
    """One dataset with its analytic NTK, eigen-decomposed once; arrays are read-only.

    Attributes
    ----------
    dataset : str
        The setting.
    depth : int
        The setting.
    noise : float
        The setting.
    x_train : ndarray of shape (n, d)
        Network inputs.
    x_test : ndarray of shape (m, d)
        Network inputs.
    y_train : ndarray of shape (n,)
        Training targets (with noise).
    y_clean : ndarray of shape (n,)
        Training targets without noise.
    y_test : ndarray of shape (m,)
        Clean test targets.
    coord_train : ndarray of shape (n,)
        Plot abscissae (angle γ for the circle, point index for MNIST).
    coord_test : ndarray of shape (m,)
        Plot abscissae (angle γ for the circle, point index for MNIST).
    theta : ndarray of shape (n, n)
        Θ(X, X).
    theta_test : ndarray of shape (m, n)
        Θ(x_test, X).
    lam : ndarray of shape (n,)
        Eigenvalues of Θ, descending.
    vecs : ndarray of shape (n, n)
        Eigenvectors (columns, same order).
    lam_max : float
        Largest eigenvalue.
    classes : tuple or None
        (label of +1, label of −1) or None for the circle.
    """

    dataset: str
    depth: int
    noise: float
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_clean: np.ndarray
    y_test: np.ndarray
    coord_train: np.ndarray
    coord_test: np.ndarray
    theta: np.ndarray
    theta_test: np.ndarray
    lam: np.ndarray
    vecs: np.ndarray
    lam_max: float
    classes: tuple | None

    def eta(self, lr_factor: float) -> float:
        """The learning rate η = lr_factor / λ_max."""
        return float(lr_factor) / self.lam_max


@dataclasses.dataclass(frozen=True, eq=False)
class Run:
    """One finite network trained by full-batch GD; arrays are read-only.

    ``times`` (T,) checkpoints (steps); ``f_train`` (T, n), ``f_test`` (T, m) outputs there;
    ``diverged`` whether an output became non-finite (later outputs are NaN).
    """

    dataset: str
    depth: int
    width: int
    seed: int
    lr_factor: float
    noise: float
    times: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray
    diverged: bool


#: The arguments of the public functions; the explorer's controls show the labelled ones.
PARAMS = Params(
    Param("dataset", "choice", choices=DATASETS, label="dataset"),
    Param("depth", "int", 1, MAX_DEPTH, label="depth (hidden layers)"),
    Param("noise", "real", 0.0, 10.0, label="label noise σ"),
    Param("lr_factor", "real", 0.0, MAX_ETA_LAMBDA, strict=True, label="learning rate ηλ_max"),
    Param("width", "int", 1, MAX_WIDTH, label="width n"),
    Param("t", "real", 0.0, label="time t (steps, log)"),
    Param("widths", "ints", 1, MAX_WIDTH),
    Param("seeds", "ints", 0),
    Param("seed", "int", 0),
    Param("kind", "choice", choices=KINDS),
    Param("eta", "real", 0.0, strict=True),
    Param("s", "object", choices=(Setup,)),
    Param("run", "object", choices=(Run,)),
    Param("quick", "flag"),
)


@PARAMS.validated
def nearest_checkpoint(t: float) -> int:
    """The index of the checkpoint of ``TIMES`` nearest ``t`` on a log(1 + t) scale.

    Examples
    --------
    >>> from ntkviz.experiments import dynamics
    >>> c = dynamics.nearest_checkpoint(95.0)
    >>> c, int(dynamics.TIMES[c])
    (19, 100)
    """
    return int(np.argmin(np.abs(np.log1p(TIMES) - np.log1p(t))))

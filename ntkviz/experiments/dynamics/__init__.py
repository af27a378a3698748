"""Training in the kernel regime: closed-form kernel gradient descent against finite networks
trained by gradient descent (NTK, Jacot et al., arXiv 1806.07572, Sec. 5;
docs/theory.md#training-in-the-kernel-regime).

**Convention.** Loss ``L = ½ Σ_i (f(x_i) − y_i)²`` over the n training points, full-batch
gradient descent ``θ_{k+1} = θ_k − η ∇_θ L``, time ``t`` counted in steps. Linearising the
network around its initialisation (constant NTK Θ) gives

    f_{k+1}(X) = f_k(X) − η Θ (f_k(X) − Y)    ⇒    f_t(X) = Y + (I − ηΘ)^t (f_0(X) − Y),

the discrete-step form of the gradient flow ``f_t(X) = Y + e^{−ηΘt}(f_0(X) − Y)``
(``kind="gd"`` and ``kind="flow"`` below; they agree when ``ηλ ≪ 1``, since
``(1 − ηλ)^t = e^{t log(1 − ηλ)} ≈ e^{−ηλt}``). With ``Θ = V diag(λ) Vᵀ`` the residual along
eigenvector ``v_i`` decays by the factor ``d_i(t) = (1 − ηλ_i)^t`` (or ``e^{−ηλ_i t}``), so the
top eigen-directions are learnt first. For a test point x:

    f_t(x) = f_0(x) + Θ(x, X) Θ⁻¹ (I − D_t) (Y − f_0(X)),   D_t = V diag(d(t)) Vᵀ,

and the mean over initialisations (``E f_0 = 0``) is the kernel mean
``μ_t(x) = Θ(x, X) Θ⁻¹ (I − D_t) Y``; as ``t → ∞`` it becomes the GP posterior mean with no
ridge, ``Θ(x, X) Θ⁻¹ Y``. Θ is eigen-decomposed once per setting (cached), so any t costs
O(n·m). ``(1 − d_i)/λ_i`` is evaluated with ``expm1``/``log1p`` (and its limit ``ηt`` for a
numerically zero eigenvalue).

The learning rate is given as ``lr_factor = η λ_max`` (λ_max the largest eigenvalue of the
analytic Θ on the training points): the linearised dynamics is stable for ``lr_factor < 2``,
whatever the dataset or depth. Finite networks with their own Θ̂ may still diverge near 2.

**Networks.** The package's finite MLP (``kernels.finite_width.init_params``/``apply``: NTK
parameterisation, all parameters N(0, 1), layers ``W_std/√fan_in · W h + b_std · b``), i.e.
the network whose infinite-width NTK is ``kernels.mlp(depth, W_std, b_std)``; the network of
seed s is the one ``kernels.empirical_ntk(…, seed=s)`` uses. Trained in float64 by one jitted
``lax.scan`` per chunk of ``CHUNK`` steps (compiled once per width and depth), recording the
outputs on training and test points at every step; the checkpoints ``TIMES`` are kept.
Diverging runs (non-finite outputs) are reported, their later outputs are NaN.

**Distance to the kernel prediction.** For each network, the linearised prediction with the
analytic Θ and the network's own ``f_0`` (the formula above) is what it must follow as the width
grows; ``distance = ‖f_net − f_lin‖ / ‖f_lin‖`` (Frobenius norm over all checkpoints and all
training and test points) falls with the width: like width^(−1/2) over the first steps; over
the whole run more slowly where Θ's smallest eigenvalues are below the finite-width fluctuations
of Θ̂ (the circle: λ_min ≈ 0.014, so the slow modes, which fit the noise late, need much wider
networks; MNIST 4 vs 9, with a less spread spectrum, follows width^(−1/2) throughout).
Measured (default setting, mean over 3 seeds, widths 16/64/256/1024): circle 0.66, 0.29, 0.23,
0.18 (first 20 steps: 0.41, 0.16, 0.10, 0.04); MNIST 0.47, 0.24, 0.13, 0.07.

**Datasets.** ``"circle"``: ``N_CIRCLE`` training angles evenly spaced on the unit circle
(Θ is then circulant and its eigenvectors are Fourier modes), target ``sin γ + ½ sin 3γ``,
test points the 101 angles ``width.GAMMAS``. ``"mnist"``: digits ``MNIST_CLASSES`` = (4, 9)
(class A = 4 → +1, class B = 9 → −1), ``MNIST_TRAIN`` of each for training and ``MNIST_TEST``
of each for testing (``datasets.digits_per_class``), 2×2 mean-pooled to 14×14
(``datasets.pool2``), centred and unit norm (``datasets.normalize``) and multiplied by 14, so
the mean squared pixel is 1 as the layer initialisation expects. ``noise`` adds Gaussian noise
of that standard deviation to the *training* targets (fixed generator ``NOISE_SEED``); test
errors are measured against the clean targets. Early stopping appears with noise: the fast
(large-λ) modes carry the signal, the slow ones mostly fit the noise.

**Precomputed.** ``precompute()`` (writes ``data/results/dynamics.npz``) trains ``WIDTHS`` ×
``SEEDS`` for both datasets at ``DEFAULTS`` (depth, learning rate, noise); ``finite_runs`` reads
those when the arguments are exactly theirs, anything else is trained (and cached per network).
The file also holds the analytic Θ of both datasets at every depth 1..MAX_DEPTH (read instead of
compiling ``kernels.mlp``).

**Modules.** ``config`` (settings, declared parameters, the ``Setup`` and ``Run`` records),
``maths`` (datasets, Θ and the closed forms: numpy only), ``training`` (the finite networks in
JAX, distances, ``precompute``), ``state`` (the explorer's state), ``store`` (the shipped
file).
"""

from __future__ import annotations

from .config import (
    B_STD,
    CHUNK,
    DATASETS,
    DEFAULTS,
    KINDS,
    MAX_DEPTH,
    MAX_ETA_LAMBDA,
    MAX_FLOW_TIME,
    MAX_WIDTH,
    MNIST_CLASSES,
    MNIST_TEST,
    MNIST_TRAIN,
    N_MODES,
    PARAMS,
    SEEDS,
    T_MAX,
    TIMES,
    W_STD,
    WIDTHS,
    Run,
    Setup,
    nearest_checkpoint,
)
from .maths import (
    closed_form,
    decay,
    error_curves,
    linearized,
    mean_prediction,
    mode_residuals,
    setup,
)
from .state import DENSE_TIMES, DynamicsState, dynamics_state
from .store import (
    RESULTS,
    DynamicsResults,
    is_precomputed,
    load_precomputed,
    load_results,
    precomputed_path,
    save_results,
)
from .training import distances, finite_runs, precompute, train_chunks, train_network

__all__ = ["DATASETS", "WIDTHS", "SEEDS", "TIMES", "T_MAX", "CHUNK", "MAX_DEPTH", "MAX_WIDTH",
           "MAX_ETA_LAMBDA", "MAX_FLOW_TIME", "N_MODES", "W_STD", "B_STD", "DEFAULTS", "KINDS",
           "MNIST_CLASSES", "MNIST_TRAIN", "MNIST_TEST", "DENSE_TIMES", "PARAMS", "RESULTS",
           "Setup", "Run", "DynamicsState", "DynamicsResults", "setup", "decay", "closed_form",
           "mean_prediction", "linearized", "mode_residuals", "error_curves", "train_network",
           "train_chunks", "finite_runs", "distances", "dynamics_state", "nearest_checkpoint",
           "precompute", "save_results", "load_results", "load_precomputed", "precomputed_path",
           "is_precomputed"]

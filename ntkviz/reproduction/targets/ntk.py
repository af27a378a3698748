"""Neural tangent kernel (Jacot, Gabriel & Hongler, arXiv 1806.07572): the NTK of finite MLPs at
initialisation tends to a deterministic limit (Theorem 1, Fig. 1) and stays nearly constant
during training (Theorem 2); the limiting NTK is positive definite on the sphere for a
non-polynomial nonlinearity (Proposition 2); training follows kernel gradient descent, fastest
along the top kernel principal components (Sec. 5, Sec. 6), and wider networks follow the
linearised dynamics more closely (Sec. 6)."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import stats
from ..base import FAILS, HOLDS, UNTESTABLE, Claim, Deviation, Outcome, Protocol, Target

__all__ = ["TARGET", "Config", "kernel_change", "sphere_points", "linear_ntk"]

W_STD, B_STD = 1.0, 0.1  # Jacot et al.'s β = 0.1


@dataclasses.dataclass(frozen=True)
class Config:
    """(a) ``init_widths`` × ``init_seeds`` MLPs of ``depth`` hidden ReLU layers on the unit
    circle, curves shown at ``curve_widths``; (b) ``train_widths`` × ``train_seeds`` trained
    ``train_steps`` GD steps on the circle task; (c) ``sphere`` = ((dimension, points), …) sets
    of ``sphere_draws`` random point sets at ``pd_depths``; (d, e) ``dynamics_widths`` ×
    ``dynamics_seeds`` MLPs of ``dynamics_depth`` hidden layers trained on MNIST 4 vs 9."""

    depth: int = 3
    init_widths: tuple[int, ...] = (64, 125, 250, 500, 1000, 2000, 4000)
    init_seeds: tuple[int, ...] = tuple(range(20))
    curve_widths: tuple[int, ...] = (500, 4000)
    train_widths: tuple[int, ...] = (32, 64, 128, 256, 512, 1024)
    train_seeds: tuple[int, ...] = tuple(range(16))
    train_steps: int = 1000
    lr_factor: float = 0.5
    sphere: tuple[tuple[int, int], ...] = ((3, 64), (10, 200))
    sphere_draws: int = 5
    pd_depths: tuple[int, ...] = (1, 3)
    dynamics_depth: int = 1
    dynamics_widths: tuple[int, ...] = (16, 64, 256, 1024)
    dynamics_seeds: tuple[int, ...] = tuple(range(12))


# --------------------------------------------------------------------------- (a) initialisation

def _initialisation(cfg: Config) -> dict:
    from ...experiments import width

    sweep = width.relative_errors(cfg.depth, cfg.init_widths, cfg.init_seeds, "relu", W_STD, B_STD)
    curves = {str(w): width.empirical_thetas(width.GAMMAS, cfg.depth, w, cfg.init_seeds, "relu",
                                             W_STD, B_STD) for w in cfg.curve_widths}
    return {"widths": sweep.widths, "errors": sweep.errors.T, "gammas": width.GAMMAS,
            "theta": width.analytic_theta(width.GAMMAS, cfg.depth, "relu", W_STD, B_STD),
            "curves": curves}


# --------------------------------------------------------------------------- (b) training

@functools.lru_cache(maxsize=8)
def _programs(arch):
    import jax

    from ...kernels.finite_width import apply

    def train(params, x, y, eta, steps):
        def step(p, _):
            residual, pullback = jax.vjp(lambda q: apply(arch, q, x) - y, p)
            (grad,) = pullback(residual)  # ∇ ½‖f(X) − Y‖²
            return jax.tree_util.tree_map(lambda a, g: a - eta * g, p, grad), None

        return jax.lax.scan(step, params, None, length=steps)[0]

    def row(params, x0, x):
        grad = jax.grad(lambda p: apply(arch, p, x0)[0])(params)
        return jax.jvp(lambda p: apply(arch, p, x), (params,), (grad,))[1]

    return jax.jit(train, static_argnums=4), jax.jit(row)


def kernel_change(depth: int, width: int, seed: int, steps: int, lr_factor: float):
    """``(Θ̂_0(x0, x(γ)), Θ̂_T(x0, x(γ)))`` of one MLP (``kernels.finite_width`` network of
    ``seed``) before and after ``steps`` full-batch GD steps ``θ ← θ − η∇½‖f(X) − Y‖²`` on the
    circle task of ``experiments.dynamics`` (16 angles, ``sin γ + ½ sin 3γ``, no noise), with
    ``η = lr_factor/λ_max`` of the analytic NTK."""
    import jax.numpy as jnp

    from ...experiments import dynamics
    from ...experiments import width as width_experiment
    from ...kernels import mlp
    from ...kernels._x64 import enable_x64
    from ...kernels.finite_width import init_params

    s = dynamics.setup("circle", depth, noise=0.0)
    arch = mlp(depth=depth, W_std=W_STD, b_std=B_STD, activation="relu")
    train, row = _programs(arch)
    with enable_x64(True):
        params = init_params(arch, 2, 1, width, seed)
        x0 = jnp.asarray(width_experiment.X0[None])
        grid = jnp.asarray(width_experiment.circle_points(width_experiment.GAMMAS))
        before = np.asarray(row(params, x0, grid), dtype=np.float64)
        params = train(params, jnp.asarray(s.x_train), jnp.asarray(s.y_train),
                       s.eta(lr_factor), steps)
        after = np.asarray(row(params, x0, grid), dtype=np.float64)
    return before, after


def _training(cfg: Config, checkpoints) -> dict:
    change = np.zeros((len(cfg.train_seeds), len(cfg.train_widths)))
    for j, w in enumerate(cfg.train_widths):
        def part(w=w):
            rows = [kernel_change(cfg.depth, w, seed, cfg.train_steps, cfg.lr_factor)
                    for seed in cfg.train_seeds]
            return {"change": [float(np.linalg.norm(a - b) / np.linalg.norm(b)) for b, a in rows]}

        key = ("ntk", "training", cfg.depth, w, cfg.train_seeds, cfg.train_steps, cfg.lr_factor)
        change[:, j] = checkpoints.get(key, part)["change"]
    return {"widths": cfg.train_widths, "change": change}


# --------------------------------------------------------------------------- (c) positivity

def sphere_points(dimension: int, count: int, seed: int) -> np.ndarray:
    """``count`` independent uniform points on the unit sphere of ℝ^dimension (distinct almost
    surely)."""
    x = np.random.default_rng([dimension, count, seed]).standard_normal((count, dimension))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def linear_ntk(x: np.ndarray, depth: int) -> np.ndarray:
    """The limiting NTK of the same MLP with the identity as nonlinearity (Jacot et al.'s
    recursion with σ(z) = z): ``Σ¹ = W²x·x'/d + b²``, ``Σ^{l+1} = W²Σ^l + b²``,
    ``Θ^{l+1} = W²Θ^l + Σ^{l+1}``: affine in x·x', so of rank ≤ d + 1."""
    sigma = W_STD**2 * (x @ x.T) / x.shape[1] + B_STD**2
    theta = sigma
    for _ in range(depth):
        sigma = W_STD**2 * sigma + B_STD**2
        theta = W_STD**2 * theta + sigma
    return theta


def _positivity(cfg: Config) -> dict:
    from ...kernels import mlp

    rows = []
    for dimension, count in cfg.sphere:
        for draw in range(cfg.sphere_draws):
            x = sphere_points(dimension, count, draw)
            for depth in cfg.pd_depths:
                for activation in ("relu", "erf"):
                    K = mlp(depth=depth, W_std=W_STD, b_std=B_STD, activation=activation).ntk(x)
                    lam = np.linalg.eigvalsh(0.5 * (K + K.T))
                    rows.append({"dimension": dimension, "points": count, "draw": draw,
                                 "depth": depth, "activation": activation,
                                 "min": lam[0], "max": lam[-1]})
            lam = np.linalg.eigvalsh(linear_ntk(x, cfg.pd_depths[0]))
            rows.append({"dimension": dimension, "points": count, "draw": draw,
                         "depth": cfg.pd_depths[0], "activation": "linear", "min": lam[0],
                         "max": lam[-1], "rank_gap": lam[-(dimension + 2)] / lam[-1]})
    return {"rows": rows}


# --------------------------------------------------------------------------- (d, e) dynamics

N_MODES = 4


def _dynamics(cfg: Config, checkpoints) -> dict:
    from ...experiments import dynamics

    def part():
        runs = dynamics.finite_runs("mnist", cfg.dynamics_depth, cfg.dynamics_widths,
                                    cfg.dynamics_seeds, cfg.lr_factor, noise=0.0)
        s = dynamics.setup("mnist", cfg.dynamics_depth, noise=0.0)
        widths, seeds, D = dynamics.distances(runs, s, cfg.lr_factor)
        residuals = [[np.abs(dynamics.mode_residuals(s, runs[w, seed].f_train)[:, :N_MODES])
                      for seed in seeds] for w in widths]
        eta = s.eta(cfg.lr_factor)
        return {"widths": widths, "distance": np.asarray(D).T, "times": dynamics.TIMES,
                "eta": eta, "lam": s.lam[:N_MODES], "lam_all": s.lam,
                "predicted": np.abs(dynamics.decay(s.lam[:N_MODES], eta, dynamics.TIMES)),
                "residuals": np.asarray(residuals),  # (W, S, T, modes)
                "diverged": any(r.diverged for r in runs.values())}

    key = ("ntk", "dynamics", cfg.dynamics_depth, cfg.dynamics_widths, cfg.dynamics_seeds,
           cfg.lr_factor)
    return checkpoints.get(key, part)


def compute(cfg: Config, progress, checkpoints) -> dict:
    out = {}
    out["initialisation"] = checkpoints.get(
        ("ntk", "init", cfg.depth, cfg.init_widths, cfg.init_seeds, cfg.curve_widths),
        lambda: _initialisation(cfg))
    progress(1, 4, "NTK at initialisation against width")
    out["training"] = _training(cfg, checkpoints)
    progress(2, 4, "NTK change during training against width")
    out["positivity"] = _positivity(cfg)
    progress(3, 4, "smallest eigenvalues on the sphere")
    out["dynamics"] = _dynamics(cfg, checkpoints)
    progress(4, 4, "trained networks against kernel gradient descent")
    return out


# --------------------------------------------------------------------------- claims

def _slope_claim(part: str, field: str, what: str):
    def evaluate(results) -> Outcome:
        d = results["ntk"][part]
        values = np.asarray(d[field], dtype=float)
        if not np.all(np.isfinite(values)):
            return Outcome("a network diverged", UNTESTABLE, "non-finite numbers in the runs")
        slope = stats.loglog_slope(d["widths"], values)
        inside = slope.low <= -0.5 <= slope.high
        text = (f"{what}: slope {slope.text()} over widths {d['widths'][0]}–{d['widths'][-1]}, "
                f"{values.shape[0]} seeds; −1/2 {'inside' if inside else 'outside'}")
        return Outcome(text, HOLDS if slope.below(0.0) else FAILS)

    return evaluate


#: λ_min of a symmetric float64 eigen-solution is known to within ~n·ε·λ_max; we require a
#: margin of 100 above that before calling it positive.
PD_MARGIN = 100.0


def _positive_definite(results) -> Outcome:
    rows = [r for r in results["ntk"]["positivity"]["rows"] if r["activation"] != "linear"]
    eps = np.finfo(float).eps
    ratios = [(r["min"] / r["max"], PD_MARGIN * r["points"] * eps) for r in rows]
    worst = min(rows, key=lambda r: r["min"] / r["max"])
    text = (f"smallest λ_min/λ_max = {worst['min'] / worst['max']:.2e} ({worst['activation']}, "
            f"depth {worst['depth']}, {worst['points']} points on S^{worst['dimension'] - 1}); "
            f"{len(rows)} Gram matrices, all above {PD_MARGIN:g}·n·ε"
            if all(v > bound for v, bound in ratios) else "")
    linear = [r for r in results["ntk"]["positivity"]["rows"] if r["activation"] == "linear"]
    note = ("identity activation (polynomial): λ_{d+2}/λ_max ≤ "
            f"{max(r['rank_gap'] for r in linear):.1e}, rank ≤ d + 1") if linear else ""
    if any(v <= 0 for v, _ in ratios):
        bad = sum(v <= 0 for v, _ in ratios)
        return Outcome(f"{bad} of {len(rows)} Gram matrices with λ_min ≤ 0", FAILS, note)
    if any(v <= bound for v, bound in ratios):
        low = sum(v <= bound for v, bound in ratios)
        return Outcome(f"{low} of {len(rows)} Gram matrices with 0 < λ_min/λ_max ≤ "
                       f"{PD_MARGIN:g}·n·ε", UNTESTABLE,
                       "λ_min not resolved above float64 round-off; " + note)
    return Outcome(text, HOLDS, note)


def _checkpoint(d) -> int:
    """The checkpoint nearest the time at which the slowest compared mode is predicted to have
    decayed by e^{-1}."""
    tau = 1.0 / -np.log1p(-d["eta"] * d["lam"][-1])
    return int(np.argmin(np.abs(np.asarray(d["times"], dtype=float) - tau)))


def _principal(results) -> Outcome:
    d = results["ntk"]["dynamics"]
    if d["diverged"]:
        return Outcome("a network diverged", UNTESTABLE, "the linearised dynamics needs stable GD")
    c = _checkpoint(d)
    residuals = np.asarray(d["residuals"], dtype=float)[-1]  # widest: (S, T, modes)
    start, now = residuals[:, 0, :], residuals[:, c, :]

    def ordering(a, b):
        ratio = b.sum(axis=0) / a.sum(axis=0)
        return float(np.min(np.diff(ratio)))

    gap = stats.bootstrap(ordering, start, now)
    ratio = now.sum(axis=0) / start.sum(axis=0)
    predicted = np.asarray(d["predicted"], dtype=float)[c]
    text = (f"width {d['widths'][-1]}, t = {d['times'][c]} steps: residual left along modes "
            f"1–{len(ratio)} " + ", ".join(f"{r:.2f}" for r in ratio) + " (kernel GD: "
            + ", ".join(f"{p:.2f}" for p in predicted) + f"); smallest step up {gap.text(3)}")
    return Outcome(text, HOLDS if gap.above(0.0) else FAILS)


_RATE = ("The paper gives no rate; we read it as a negative log-log slope of the seed-mean {x} "
         "against the width, its 95% bootstrap interval (seeds resampled) below 0; whether −1/2 "
         "lies inside is reported without a pass mark.")
CLAIMS = (
    Claim("ntk-init-width", "ntk", "Theorem 1; Sec. 6, Fig. 1",
          "At initialisation the NTK of a finite network converges to a deterministic limiting "
          "kernel as the widths grow; wider networks scatter less around it (Fig. 1: the unit "
          "circle, widths 500 and 10000).",
          _RATE.format(x="relative error ‖Θ̂(x0, ·) − Θ(x0, ·)‖ / ‖Θ(x0, ·)‖ on the circle"),
          _slope_claim("initialisation", "errors", "relative error at initialisation")),
    Claim("ntk-train-constant", "ntk", "Theorem 2; Sec. 6",
          "During training the NTK stays asymptotically constant: the change of the empirical NTK "
          "over a fixed training time vanishes as the widths grow.",
          _RATE.format(x="relative change ‖Θ̂_T(x0, ·) − Θ̂_0(x0, ·)‖ / ‖Θ̂_0(x0, ·)‖ over "
                         "the same number of GD steps"),
          _slope_claim("training", "change", "relative NTK change during training")),
    Claim("ntk-positive-definite", "ntk", "Proposition 2",
          "For a non-polynomial Lipschitz nonlinearity and depth L ≥ 2, the limiting NTK is "
          "positive definite on the unit sphere: its Gram matrix on distinct points of the "
          "sphere has only positive eigenvalues.",
          f"The paper's statement is exact; float64 resolves λ_min only to ~n·ε·λ_max, so we "
          f"call a Gram matrix positive definite when λ_min/λ_max > {PD_MARGIN:g}·n·ε (ReLU and "
          "erf, 1 and 3 hidden layers, random points on S² and S⁹); λ_min ≤ 0 is 'does not "
          "hold', a positive λ_min below the margin 'cannot be tested here'.",
          _positive_definite),
    Claim("ntk-principal-components", "ntk", "Sec. 5; Sec. 6 (MNIST, principal components)",
          "In the infinite-width limit the network function follows kernel gradient descent and "
          "converges fastest along the kernel principal components with the largest eigenvalues.",
          "The paper gives no number; we read it as: for the widest trained networks, the "
          "fraction of the initial residual left along the top four eigen-directions of the "
          "analytic NTK (at the step where the fourth is predicted to have decayed by e^−1) "
          "increases from each direction to the next, the smallest increase with its 95% "
          "bootstrap interval (seeds resampled) above 0.", _principal),
    Claim("ntk-wider-linear", "ntk", "Sec. 6 (MNIST, principal components)",
          "Wider networks follow the linearised (kernel) dynamics more closely.",
          _RATE.format(x="distance ‖f_net − f_lin‖ / ‖f_lin‖ of the trained network's outputs "
                         "(all checkpoints, training and test points) from the linearised model "
                         "with the same initial outputs"),
          _slope_claim("dynamics", "distance", "distance to the linearised dynamics")),
)

PROTOCOL = Protocol(
    paper="MLPs of L layers in the NTK parameterisation (parameters N(0, 1), bias scale β). "
          "Fig. 1: Θ̂(x0, x) on the unit circle, x0 = (1, 0), for networks of depth L = 4 and "
          "widths 500 and 10000. Sec. 5: least squares, "
          "f_t = f* + e^{−tΠ}(f_0 − f*), decay along the kernel principal components. Sec. 6: "
          "networks trained on MNIST; convergence along a principal component, wider networks "
          "closer to the linear dynamics.",
    ours="(a) experiments.width: ReLU MLPs with three hidden layers (L = 4), widths 64–4000, 20 "
         "seeds, Θ̂(x0, x(γ)) on 101 angles against kernels.mlp. (b) the same networks trained "
         "1000 full-batch GD steps (η = 0.5/λ_max) on 16 angles of the circle (target "
         "sin γ + ½ sin 3γ), Θ̂(x0, ·) before and after, widths 32–1024, 16 seeds. (c) analytic "
         "NTK Gram matrices (kernels.mlp, W_std 1, b_std 0.1) on 5 random point sets each of 64 "
         "points on S² and 200 on S⁹. (d, e) experiments.dynamics: one-hidden-layer ReLU MLPs, "
         "widths 16–1024, 12 seeds, trained 1000 GD steps (η = 0.5/λ_max, squared loss) on 20 "
         "MNIST digits (4 → +1, 9 → −1), residuals projected on the analytic NTK's "
         "eigenvectors; 40 test digits for the distance to the linearised model.",
    deviations=(
        Deviation("widest network 4000 instead of 10000 (Fig. 1)", "a width-10000 network with "
                  "three hidden layers has 2·10⁸ parameters; 4000 keeps the sweep in minutes "
                  "and still spans a factor 62 of widths"),
        Deviation("our own small training tasks (16 circle angles; 20 MNIST digits, two classes, "
                  "one hidden layer) instead of the paper's", "the claims are about how the "
                  "kernel and the dynamics depend on the width, which any task exposes; the "
                  "sizes keep the 192 trained networks within the time budget"),
        Deviation("Proposition 2 checked on finite point sets in float64", "positive "
                  "definiteness of a kernel is about every finite set of distinct points; we "
                  "sample sets and resolve λ_min only above round-off"),
    ),
)

TARGET = Target(
    name="ntk", paper="ntk", title="The NTK: convergence, constancy, positivity, kernel dynamics",
    description="Empirical NTK against width at initialisation and its change during training; "
                "smallest eigenvalues of the limiting NTK on the sphere; trained networks "
                "against kernel gradient descent along the principal components.",
    protocol=PROTOCOL, full=Config(),
    quick=Config(depth=2, init_widths=(64, 256, 1024), init_seeds=tuple(range(6)),
                 curve_widths=(64, 1024), train_widths=(32, 128, 256), train_seeds=(0, 1, 2),
                 train_steps=100, sphere=((3, 32), (10, 60)), sphere_draws=2,
                 dynamics_widths=(16, 256), dynamics_seeds=(0, 1, 2, 3)),
    compute=compute, claims=CLAIMS, figure="ntkviz.plots.reproduction.ntk:figure",
)

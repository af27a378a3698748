"""Augmented vs equivariant training dynamics (Nordenfors, Ohlsson & Flinth, arXiv 2303.13458):
the equivariant subspace E is invariant under augmented gradient descent from an equivariant
start and AUGMENTED follows EQUIVARIANT there (Prop. 1, Cor. 1); a point reached by equivariant
training can be unstable for augmented training (Prop. 3); NOMINAL training leaves E while
augmented training stays closer to it (the experiments)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import stats
from ..base import FAILS, HOLDS, Claim, Deviation, Outcome, Protocol, Target

__all__ = ["TARGET", "Config", "off_E", "perturbation"]


@dataclasses.dataclass(frozen=True)
class Config:
    """``actions`` (C4 quarter turns, C7 shifts) × ``seeds`` runs of ``experiments.augmentation``
    (its default MLP: two hidden layers of 12 regular blocks, plain minibatch GD, learning rate
    ``learning_rate``, ``epochs`` epochs of ``n_train`` digits per class). The stability test
    trains EQUIVARIANT ``epochs`` epochs, steps ``perturbation`` (relative) into E⊥ and runs
    AUGMENTED ``unstable_epochs`` epochs from there."""

    actions: tuple[str, ...] = ("rot90", "shift")
    seeds: tuple[int, ...] = tuple(range(10))
    epochs: int = 60
    learning_rate: float = 0.1
    n_train: int = 50
    classes: int = 10
    perturbation: float = 1e-6
    unstable_epochs: int = 60


def _base(cfg: Config, action: str, seed: int, **changes):
    from ...experiments.augmentation import AugmentConfig

    return AugmentConfig(action=action, seed=seed, epochs=cfg.epochs, n_train=cfg.n_train,
                         classes=cfg.classes, learning_rate=cfg.learning_rate, **changes)


def off_E(params, perms) -> tuple[float, float]:
    """``(‖A − Π_E A‖, ‖A‖)`` over all layers (weights and biases) of ``params``."""
    from ...experiments.augmentation import layer_distances

    distance = float(np.sqrt(np.sum(layer_distances(params, perms) ** 2)))
    norm = float(np.sqrt(sum(np.sum(A * A) + np.sum(b * b) for A, b in params)))
    return distance, norm


def perturbation(params, perms, size: float, seed: int) -> tuple:
    """``params`` plus a step of relative size ``size`` (of ``‖params‖``) along the E⊥ part of a
    standard normal draw (``default_rng([seed, 7])``)."""
    from ...experiments.augmentation import project_params

    rng = np.random.default_rng([seed, 7])
    draw = tuple((rng.standard_normal(A.shape), rng.standard_normal(b.shape)) for A, b in params)
    projected = project_params(draw, perms)
    step = [(A - PA, b - Pb) for (A, b), (PA, Pb) in zip(draw, projected)]
    scale = size * off_E(params, perms)[1] / np.sqrt(sum(np.sum(A * A) + np.sum(b * b)
                                                         for A, b in step))
    return tuple((A + scale * dA, b + scale * db) for (A, b), (dA, db) in zip(params, step))


def _unit(cfg: Config, action: str, seed: int) -> dict:
    from ...experiments import augmentation as aug

    config = _base(cfg, action, seed)
    perms = aug.layer_permutations(config)
    augmented = aug.parameter_path(config.replace(strategy="augmented", init="equivariant"))
    equivariant = aug.parameter_path(config.replace(strategy="equivariant"))
    nominal = aug.train(config.replace(strategy="nominal", init="equivariant"))

    def relative(path):
        return [d / n for d, n in (off_E(p, perms) for p in path)]

    def gap(a, b):  # ‖A_aug − A_eqv‖ / ‖A_eqv‖ over all layers
        diff = sum(np.sum((A - B) ** 2) + np.sum((c - d) ** 2) for (A, c), (B, d) in zip(a, b))
        return float(np.sqrt(diff) / off_E(b, perms)[1])

    # Prop. 3: a small step off E near the point equivariant training reached
    start = perturbation(equivariant[-1], perms, cfg.perturbation, seed)
    unstable = aug.parameter_path(config.replace(strategy="augmented", init="equivariant",
                                                 epochs=cfg.unstable_epochs), start=start)
    last_step = gap(equivariant[-1], equivariant[-2])
    data = aug.task_data(config)

    def accuracy(params):
        return float(np.mean(np.argmax(aug.forward(params, data.test_x), axis=1) == data.test_y))

    return {
        "augmented_relative": relative(augmented), "equivariant_relative": relative(equivariant),
        "trajectory_gap": [gap(a, e) for a, e in zip(augmented, equivariant)],
        "nominal_off_E": np.sqrt((nominal.distance ** 2).sum(axis=1)
                                 / (nominal.norm ** 2).sum(axis=1)),
        "perturbed_relative": relative(unstable),
        "equivariant_last_step": last_step,
        "accuracy_augmented": accuracy(augmented[-1]),
        "accuracy_nominal": nominal.final_accuracy,
    }


def compute(cfg: Config, progress, checkpoints) -> dict:
    out, total, done = {}, len(cfg.actions) * len(cfg.seeds), 0
    for action in cfg.actions:
        units = []
        for seed in cfg.seeds:
            key = ("augmentation", action, seed, cfg.epochs, cfg.learning_rate, cfg.n_train,
                   cfg.classes, cfg.perturbation, cfg.unstable_epochs)
            units.append(checkpoints.get(key, lambda a=action, s=seed: _unit(cfg, a, s)))
            done += 1
            progress(done, total, f"{action}, seed {seed}")
        out[action] = {k: [u[k] for u in units] for k in units[0]}
    return {"runs": out}


# --------------------------------------------------------------------------- claims

#: Largest relative distance from E (and between trajectories) that round-off can explain.
ROUND_OFF = 1e-10
_ROUND_OFF_REASON = (f"{ROUND_OFF:g}: float64 round-off (ε = 2.2e-16) of each step's orbit "
                     "average, accumulated over the 300 steps of a run (≤ 7e-14 if it adds up "
                     "linearly), with a margin of ~1e3 for growth along unstable directions off "
                     "E, which Prop. 3 allows; float32 round-off (1.2e-7) would exceed it")


def _units(results, field):
    runs = results["augmentation"]["runs"]
    return {action: np.asarray(runs[action][field], dtype=float) for action in runs}


def _invariant(results) -> Outcome:
    worst = {a: float(v.max()) for a, v in _units(results, "augmented_relative").items()}
    text = "max ‖A − Π_E A‖/‖A‖ over epochs and seeds: " + ", ".join(
        f"{a} {v:.1e}" for a, v in worst.items())
    return Outcome(text, HOLDS if max(worst.values()) <= ROUND_OFF else FAILS)


def _same_trajectory(results) -> Outcome:
    worst = {a: float(v.max()) for a, v in _units(results, "trajectory_gap").items()}
    text = "max ‖A_aug − A_eqv‖/‖A_eqv‖ over epochs and seeds: " + ", ".join(
        f"{a} {v:.1e}" for a, v in worst.items())
    return Outcome(text, HOLDS if max(worst.values()) <= ROUND_OFF else FAILS)


def _unstable(results) -> Outcome:
    parts, logs = [], []
    for action, values in _units(results, "perturbed_relative").items():
        factor = values[:, -1] / values[:, 0]
        logs.extend(np.log10(factor))
        parts.append(f"{action}: {int(np.sum(factor > 1))} of {len(factor)} seeds")
    logs = np.asarray(logs)
    mean = stats.mean(logs)
    amplified = int(np.sum(logs > 0))
    text = (f"relative E⊥ component amplified in {amplified} of {len(logs)} runs ("
            + "; ".join(parts) + f"); mean log10 factor {mean.text()}")
    steps = [float(s) for a in results["augmentation"]["runs"].values()
             for s in a["equivariant_last_step"]]
    note = (f"the start is the end of equivariant training, whose last epoch still moved the "
            f"parameters by {min(steps):.0e}–{max(steps):.0e} (relative): near, not at, a "
            "stationary point (cross-entropy has none at finite weights)")
    jumps = [float(np.max(v[:, 1:] / v[:, :-1])) for v in _units(results,
                                                                "perturbed_relative").values()]
    note += (f"; largest growth in one epoch ×{max(jumps):.3g} (a single large jump rather "
             "than steady growth suggests ReLU kinks crossed by the step rather than smooth "
             "curvature)")
    if amplified == 0:
        note += "; an existence claim: not observing it here does not refute it"
    return Outcome(text, HOLDS if amplified > 0 else FAILS, note)


def _nominal_leaves(results) -> Outcome:
    finals = {a: v[:, -1] for a, v in _units(results, "nominal_off_E").items()}
    starts = {a: float(v[:, 0].max()) for a, v in _units(results, "nominal_off_E").items()}
    smallest = min(float(v.min()) for v in finals.values())
    text = "final ‖A − Π_E A‖/‖A‖ of NOMINAL from an equivariant start: " + ", ".join(
        f"{a} min {v.min():.2f} (start ≤ {starts[a]:.0e})" for a, v in finals.items())
    return Outcome(text, HOLDS if smallest > ROUND_OFF else FAILS)


def _closer(results) -> Outcome:
    nominal = _units(results, "nominal_off_E")
    augmented = _units(results, "augmented_relative")
    ratio = np.concatenate([np.log10(nominal[a][:, -1] / np.maximum(augmented[a][:, -1], 1e-300))
                            for a in nominal])
    mean = stats.mean(ratio)
    text = (f"log10(NOMINAL / AUGMENTED relative distance from E) at the end: {mean.text(1)} "
            f"over {mean.n} runs")
    return Outcome(text, HOLDS if mean.above(0.0) else FAILS)


_NO_NUMBER = "The paper gives no number; "
CLAIMS = (
    Claim("aug-invariant", "augmentation", "Prop. 1, Cor. 1",
          "From an equivariant initialisation, augmented gradient flow (and descent) never "
          "leaves the equivariant subspace E.",
          f"Exact in the paper; we allow round-off only: max relative distance ≤ "
          f"{_ROUND_OFF_REASON}.", _invariant),
    Claim("aug-same-trajectory", "augmentation", "Prop. 1",
          "On E the augmented gradient is the projected gradient (∇R_aug = Π_E ∇R), so AUGMENTED "
          "from an equivariant start follows the EQUIVARIANT trajectory and both have the same "
          "equivariant stationary points.",
          f"Exact in the paper; max relative parameter difference along the run ≤ "
          f"{_ROUND_OFF_REASON}.", _same_trajectory),
    Claim("aug-unstable", "augmentation", "Prop. 3; Abstract",
          "A point that is stable for the equivariant model may be unstable for augmented "
          "training: a small step off E can grow under augmented descent.",
          "The paper claims possibility, not that it always happens: holds if, in at least one "
          "run, the relative E⊥ component of a 1e-6 step off E near the end of equivariant "
          "training is larger after augmented descent than at its start (factor > 1); the "
          "frequency and the mean log10 factor (95% bootstrap interval) are reported.", _unstable),
    Claim("aug-nominal-leaves", "augmentation", "Experiments",
          "NOMINAL training from an equivariant initialisation leaves E.",
          _NO_NUMBER + f"we read 'leaves' as a final relative distance from E above what "
          f"round-off can produce ({ROUND_OFF:g}, as for the augmented runs) in every run.",
          _nominal_leaves),
    Claim("aug-closer", "augmentation", "Experiments",
          "Augmented models (equivariant start) stay closer to E during training than nominal "
          "ones.",
          _NO_NUMBER + "we read it as a positive mean of log10(NOMINAL / AUGMENTED final "
          "relative distance from E), paired by run, its 95% bootstrap interval above 0.",
          _closer),
)

PROTOCOL = Protocol(
    paper="MLPs with equivariant or unconstrained linear layers; three tasks (permutation-"
          "invariant graph classification, translation-invariant MNIST, rotation-equivariant "
          "segmentation), trained NOMINAL, AUGMENTED and EQUIVARIANT by gradient descent for 50 "
          "epochs (learning rate 1e-5) from an equivariant initialisation (Gaussian draw "
          "projected onto E); distances from the start and from E recorded. Batch normalisation "
          "is used in the networks.",
    ours="experiments.augmentation: 14×14 MNIST digits (50 per class, 10 classes), C4 quarter "
         "turns and C7 cyclic shifts by 2 pixels acting on the pixels and by the regular "
         "representation on two hidden layers of 48 units; invariant readout; cross-entropy; "
         "plain minibatch GD (batch 100, learning rate 0.1, 60 epochs = 300 steps) in float64; "
         "10 seeds per action. AUGMENTED averages the loss over the whole orbit of every digit; "
         "EQUIVARIANT projects the gradient onto E. Prop. 3: EQUIVARIANT training's end point "
         "plus a 1e-6 (relative) step along the E⊥ part of a Gaussian draw, then 60 epochs of "
         "AUGMENTED descent.",
    deviations=(
        Deviation("two groups (C4 rotations of the pixel grid, C7 translations) on MNIST; no "
                  "graph or segmentation task", "the package's augmentation experiment; the "
                  "claims are about the optimisation, which any symmetric task exposes"),
        Deviation("no batch normalisation; learning rate 0.1 instead of 1e-5", "the theory is "
                  "stated without batch normalisation; with 1e-5 nothing moves in 300 steps"),
        Deviation("Prop. 3 probed near the end point of equivariant training, not at a "
                  "stationary point", "cross-entropy on separable data has no stationary point "
                  "at finite weights; the amplification of a small step off E is what stability "
                  "governs"),
        Deviation("float64 instead of float32", "so that 'stays in E' can be told from "
                  "round-off ten orders of magnitude below the distances NOMINAL reaches"),
    ),
)

TARGET = Target(
    name="augmentation", paper="augmentation",
    title="Augmented vs equivariant training: E invariant, trajectories, stability",
    description="Distance of AUGMENTED, EQUIVARIANT and NOMINAL training from the equivariant "
                "subspace E, the gap between AUGMENTED and EQUIVARIANT trajectories, and the "
                "growth of a small step off E under augmented descent.",
    protocol=PROTOCOL, full=Config(),
    quick=Config(seeds=(0, 1), epochs=10, n_train=12, classes=4, unstable_epochs=10),
    compute=compute, claims=CLAIMS, figure="ntkviz.plots.reproduction.augmentation:figure",
)

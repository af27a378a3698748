"""The computations behind ``ntkviz reproduce fig1|fig4|fig6``: numbers only, as plain JSON data.

Each target runs experiments of the package on the bundled MNIST test set and returns a dict of
lists and floats (``json.dump``-able, NaN written as ``None``) holding its configuration, its
results and its wall time. Figures (``plots.reproduction``) and the claims table (``claims``) are
made from these dicts alone, so a shipped JSON can be re-plotted and re-checked without
recomputing. Two sizes per target: ``FULL`` (the shipped run, under an hour on 2 cores) and
``QUICK`` (minutes; same code, smaller numbers).

* **fig1** (seed 001 Fig. 1, App. B.1/B.3; THEORY §3): MLP, CNN and ViT trained with Adam on
  rotated MNIST with the upright digits of a leave-out class held out; in-test against out-test
  accuracy for N ∈ {4, 8, 16, 32}, averaged over leave-out classes; next to them the spectral
  one-versus-many accuracy of the MLP NTK (Fig. 6B's curve). The full run leaves out two classes
  (3 and 7), one at a time, to stay well within the hour on 2 cores (each training run costs
  the same, about 2 minutes for the three networks; ``run_fig1(Fig1Config(leave_out_classes=
  range(10)))`` runs all ten). Every run gets the same optimiser budget (``steps`` Adam steps of 128 images; epochs = ⌈steps·128 / training images⌉), so a
  larger N is not simply longer training.
* **fig4** (Fig. 4B–E, Fig. 5D, Props. 4 and the group CNN): the pair survey of the MLP NTK on
  rotation orbits — spectral ε of ``K̃`` against the exact symmetrised error, ``λ_N`` against
  ``Δ²``, ``⟨λ⁻¹⟩`` against ``1/r`` — at several N; the GAP CNN on cyclic shifts and the C4 group
  CNN on quarter turns over random pairs; the group-CNN kernel under rot90 of either input.
* **fig6** (Fig. 6A/B): pair-averaged spectral against exact multi-seed error over random class
  pairs; ten-class spectral accuracy against N, the exact GP accuracy on the same orbits, a
  trained MLP on the same digits; and the exact ten-class GP accuracy on cyclic shifts at
  100 seeds per class (the block-circulant solver, issue 4 item 4).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .._validate import check_choice

__all__ = ["TARGETS", "Fig1Config", "Fig4Config", "Fig6Config", "config", "run", "to_json"]

TARGETS = ("fig1", "fig4", "fig6")

Progress = Callable[[int, int, str], None]


def _silent(done: int, total: int, label: str) -> None:
    return None


def to_json(value):
    """numpy arrays/scalars → lists/floats, non-finite floats → ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


# --------------------------------------------------------------------------- configurations


@dataclasses.dataclass(frozen=True)
class Fig1Config:
    """Trained networks (Fig. 1) and the spectral curve shown with them."""

    Ns: tuple[int, ...] = (4, 8, 16, 32)
    networks: tuple[str, ...] = ("mlp", "cnn", "vit")
    leave_out_classes: tuple[int, ...] = (3, 7)
    n_per_class: int = 100
    steps: int = 300
    batch_size: int = 128
    seed: int = 0
    spectral_architecture: str = "mlp1"
    spectral_seeds_per_class: int = 10


@dataclasses.dataclass(frozen=True)
class Fig4Config:
    """Pair surveys (Fig. 4B–E) and the architecture checks (Fig. 5D, group CNN)."""

    Ns: tuple[int, ...] = (8, 16, 32)
    main_N: int = 8
    n_pairs: int = 512
    architecture: str = "mlp1"
    gap_N: int = 14
    gcnn_N: int = 4
    n_pairs_invariant: int = 128
    invariance_digits: int = 16
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class Fig6Config:
    """Several seeds per class (Fig. 6A) and ten classes (Fig. 6B)."""

    Ns: tuple[int, ...] = (4, 8, 16, 32)
    architecture: str = "mlp1"
    trials: int = 64
    trial_seeds: int = 3
    seeds_per_class: int = 10
    train_steps: int = 300
    block_seeds_per_class: int = 100
    block_Ns: tuple[int, ...] = (4, 8, 16, 32)
    seed: int = 0


FULL = {"fig1": Fig1Config(), "fig4": Fig4Config(), "fig6": Fig6Config()}
QUICK = {
    "fig1": Fig1Config(leave_out_classes=(0,), n_per_class=10, steps=40,
                       spectral_seeds_per_class=2),
    "fig4": Fig4Config(Ns=(8, 16), n_pairs=48, n_pairs_invariant=16, invariance_digits=4),
    "fig6": Fig6Config(trials=8, trial_seeds=2, seeds_per_class=3, train_steps=40,
                       block_seeds_per_class=10, block_Ns=(8, 32)),
}


def config(target: str, quick: bool = False):
    """The configuration of ``target`` (``"fig1"``, ``"fig4"`` or ``"fig6"``)."""
    check_choice("target", target, TARGETS)
    return (QUICK if quick else FULL)[target]


# --------------------------------------------------------------------------- fig1


def _epochs(steps: int, batch: int, n_train: int) -> int:
    """Epochs giving at least ``steps`` Adam steps of ``min(batch, n_train)`` images."""
    batch = min(batch, n_train)
    return max(1, math.ceil(steps / (n_train // batch)))


def _train(cfg, runs_dir: Path | None) -> dict:
    """``train_and_evaluate(cfg)`` as ``{"in", "out", "wall_time"}``, kept in ``runs_dir`` (one
    small JSON per configuration) so an interrupted long run resumes where it stopped."""
    from ..experiments import training

    path = None
    if runs_dir is not None:
        name = hashlib.sha256(repr(cfg).encode()).hexdigest()[:16]
        path = runs_dir / f"train-{name}.json"
        if path.exists():
            stored = json.loads(path.read_text())
            if stored.get("config") == repr(cfg):
                return {**stored, "resumed": True}
    result = training.train_and_evaluate(cfg)
    record = {"config": repr(cfg), "in": result.in_accuracy, "out": result.out_accuracy,
              "wall_time": result.wall_time}
    if path is not None:
        runs_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record))
    return record


def _trained_curve(network: str, Ns, leave_out_classes, n_per_class: int, steps: int,
                   batch: int, seed: int, progress: Progress, done: int, total: int,
                   runs_dir: Path | None = None):
    """In/out-test accuracy of ``network`` for each N (rows) and leave-out class (columns)."""
    from ..experiments import training

    shape = (len(Ns), len(leave_out_classes))
    acc_in, acc_out, epochs, wall, resumed = np.empty(shape), np.empty(shape), [], 0.0, 0.0
    for n, N in enumerate(Ns):
        for c, leave_out in enumerate(leave_out_classes):
            cfg = training.TrainConfig(architecture=network, N=N, leave_out=leave_out,
                                       n_per_class=n_per_class, batch_size=batch, seed=seed)
            cfg = cfg.replace(epochs=_epochs(steps, batch, cfg.n_train))
            record = _train(cfg, runs_dir)
            acc_in[n, c], acc_out[n, c] = record["in"], record["out"]
            wall += record["wall_time"]
            resumed += record["wall_time"] if record.get("resumed") else 0.0
            done += 1
            progress(done, total, f"{network} N={N} leave-out {leave_out}")
        epochs.append(cfg.epochs)
    return {"in_accuracy": acc_in.mean(axis=1), "out_accuracy": acc_out.mean(axis=1),
            "in_per_class": acc_in, "out_per_class": acc_out, "epochs": epochs,
            "wall_time": wall, "resumed_time": resumed}, done


def run_fig1(cfg: Fig1Config, progress: Progress = _silent, runs_dir: Path | None = None) -> dict:
    """Trained in/out-test accuracy of each network against N, and the spectral accuracy."""
    from ..experiments import multiclass

    start = time.perf_counter()
    total = len(cfg.networks) * len(cfg.Ns) * len(cfg.leave_out_classes) + 1
    done, networks = 0, {}
    for network in cfg.networks:
        networks[network], done = _trained_curve(
            network, cfg.Ns, cfg.leave_out_classes, cfg.n_per_class, cfg.steps, cfg.batch_size,
            cfg.seed, progress, done, total, runs_dir)
    tick = time.perf_counter()
    curve = multiclass.spectral_accuracy_vs_N(cfg.Ns, cfg.spectral_seeds_per_class, "rotate",
                                              cfg.spectral_architecture, seed=cfg.seed)
    progress(total, total, "spectral accuracy")
    return {
        "networks": networks,
        "spectral": {"architecture": cfg.spectral_architecture,
                     "seeds_per_class": cfg.spectral_seeds_per_class,
                     "accuracy": curve.accuracy, "per_class": curve.per_class,
                     "wall_time": time.perf_counter() - tick},
        # a resumed run counts its kept training runs with their original times
        "wall_time": time.perf_counter() - start + sum(v.pop("resumed_time")
                                                        for v in networks.values()),
    }


# --------------------------------------------------------------------------- fig4


def _survey_numbers(result, geometry: bool = True) -> dict:
    numbers = {
        "N": result.N, "architecture": result.architecture, "action": result.action,
        "n_pairs": result.n_pairs, "pairs": result.pairs,
        "eps_spectral": result.eps_spectral, "eps_exact": result.eps_exact,
        "lam_N": result.lam_N, "mean_inverse": result.mean_inverse,
        "separation_sq": result.separation_sq, "radius": result.radius,
        "circulant_deviation": result.circulant_deviation,
        "misclassified": result.misclassified,
        "correlation": result.correlation,
        "mean_abs_difference": result.mean_abs_difference,
        "fraction_misclassified": result.fraction_misclassified,
        "max_eps_spectral": float(np.max(result.eps_spectral)),
    }
    if geometry:  # Fig. 4D/E; meaningless where the orbit kernel is constant (⟨λ⁻¹⟩ = ∞)
        numbers["correlation_lambda_separation"] = result.correlation_lambda_separation
        numbers["correlation_inverse_density"] = result.correlation_inverse_density
    return numbers


def gcnn_rot90_invariance(count: int, seed: int = 0) -> dict:
    """Largest relative change of the C4 group-CNN NTK and NNGP when either input is turned by
    90° (``count`` bundled digits, 14×14): ``max |K(gx, y) − K(x, y)| / max |K(x, y)|``."""
    from .. import datasets
    from ..experiments import architectures

    digits = datasets.digits_per_class(max(1, math.ceil(count / 10)), seed).T.ravel()[:count]
    images, _ = datasets.load_mnist()
    arch = architectures.architecture("gcnn")
    x = datasets.normalize(arch.prepare(images[digits]))
    turned = np.rot90(x, k=1, axes=(1, 2))
    kernel = arch.kernel("rot90", 4)
    out = {}
    for kind in ("ntk", "nngp"):
        f = kernel.ntk if kind == "ntk" else kernel.nngp
        K = f(x, x)
        scale = float(np.max(np.abs(K)))
        out[kind] = max(float(np.max(np.abs(f(turned, x) - K))),
                        float(np.max(np.abs(f(x, turned) - K)))) / scale
    # the plain CNN (flatten readout) for contrast: not invariant
    plain = architectures.architecture("cnn_flatten").kernel("rot90", 4)
    xp = datasets.normalize(images[digits].astype(float))
    K = plain.ntk(xp, xp)
    out["cnn_flatten_ntk"] = float(np.max(np.abs(plain.ntk(np.rot90(xp, 1, (1, 2)), xp) - K))
                                   / np.max(np.abs(K)))
    out["digits"] = count
    return out


def run_fig4(cfg: Fig4Config, progress: Progress = _silent, runs_dir: Path | None = None) -> dict:
    """Pair surveys of the MLP NTK at several N; GAP CNN on shifts; group CNN on quarter turns."""
    from ..experiments import survey

    start = time.perf_counter()
    total, done = len(cfg.Ns) + 3, 0
    surveys = {}
    for N in cfg.Ns:
        surveys[str(N)] = _survey_numbers(
            survey.pair_survey(cfg.architecture, "rotate", N, cfg.n_pairs, seed=cfg.seed))
        done += 1
        progress(done, total, f"{cfg.architecture} pairs N={N}")
    gap = _survey_numbers(survey.pair_survey("cnn_gap", "shift", cfg.gap_N,
                                             cfg.n_pairs_invariant, seed=cfg.seed), geometry=False)
    progress(done + 1, total, "GAP CNN on shifts")
    gcnn = _survey_numbers(survey.pair_survey("gcnn", "rot90", cfg.gcnn_N,
                                              cfg.n_pairs_invariant, seed=cfg.seed), geometry=False)
    progress(done + 2, total, "group CNN on quarter turns")
    invariance = gcnn_rot90_invariance(cfg.invariance_digits, cfg.seed)
    progress(total, total, "group CNN invariance")
    return {"surveys": surveys, "gap_shift": gap, "gcnn_rot90": gcnn,
            "gcnn_invariance": invariance, "wall_time": time.perf_counter() - start}


# --------------------------------------------------------------------------- fig6


def run_fig6(cfg: Fig6Config, progress: Progress = _silent, runs_dir: Path | None = None) -> dict:
    """Fig. 6A agreement, Fig. 6B accuracies (spectral, exact GP, trained MLP), block solver."""
    from ..experiments import multiclass

    start = time.perf_counter()
    total = 4 + len(cfg.block_Ns)
    agreement = multiclass.seeds_agreement(cfg.trials, cfg.trial_seeds, cfg.Ns, "rotate",
                                           cfg.architecture, seed=cfg.seed)
    progress(1, total, "several seeds per class")
    tick = time.perf_counter()
    spectral = multiclass.spectral_accuracy_vs_N(cfg.Ns, cfg.seeds_per_class, "rotate",
                                                 cfg.architecture, seed=cfg.seed)
    spectral_time = time.perf_counter() - tick
    progress(2, total, "spectral accuracy")
    tick = time.perf_counter()
    exact = [multiclass.exact_accuracy(cfg.seeds_per_class, N, "rotate", cfg.architecture,
                                       seed=cfg.seed, solver="dense") for N in cfg.Ns]
    exact_time = time.perf_counter() - tick
    progress(3, total, "exact GP accuracy")
    trained, _ = _trained_curve("mlp", cfg.Ns, tuple(range(10)), cfg.seeds_per_class,
                                cfg.train_steps, 128, cfg.seed, _silent, 0, 0, runs_dir)
    resumed = trained.pop("resumed_time")
    progress(4, total, "trained MLP")
    block = []
    for i, N in enumerate(cfg.block_Ns):
        r = multiclass.exact_accuracy(cfg.block_seeds_per_class, N, "shift", cfg.architecture,
                                      seed=cfg.seed, solver="block")
        block.append({"N": N, "points": r.points, "accuracy": r.accuracy,
                      "per_class": r.per_class, "wall_time": r.wall_time,
                      "canvas_width": r.canvas_width})
        progress(5 + i, total, f"block-circulant shifts N={N}")
    return {
        "agreement": {"class_a": agreement.class_a, "class_b": agreement.class_b,
                      "eps_spectral": agreement.eps_spectral, "eps_exact": agreement.eps_exact,
                      "correlation": agreement.correlation,
                      "mean_abs_difference": agreement.mean_abs_difference},
        "spectral": {"accuracy": spectral.accuracy, "per_class": spectral.per_class,
                     "wall_time": spectral_time},
        "exact": {"accuracy": [r.accuracy for r in exact],
                  "per_class": [r.per_class for r in exact], "wall_time": exact_time},
        "trained": trained,
        "block": block,
        "wall_time": time.perf_counter() - start + resumed,
    }


_RUNNERS = {"fig1": run_fig1, "fig4": run_fig4, "fig6": run_fig6}


def run(target: str, quick: bool = False, progress: Progress = _silent,
        runs_dir: str | Path | None = None) -> dict:
    """Run ``target`` and return its JSON-ready numbers with its configuration.

    ``progress(done, total, label)`` is called as parts finish. ``runs_dir``: a folder keeping
    each finished training run (``None``: keep nothing), so a long run that was stopped resumes.
    ``wall_time`` in the result counts a resumed training run with its original time.
    """
    cfg = config(target, quick)
    numbers = _RUNNERS[target](cfg, progress, None if runs_dir is None else Path(runs_dir))
    return to_json({"target": target, "quick": bool(quick), "config": dataclasses.asdict(cfg),
                    **numbers})

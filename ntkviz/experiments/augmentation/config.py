"""What one run of the augmentation experiment is: its settings (``AugmentConfig``, every field
declared once in ``PARAMS``) and its record (``AugmentationRun``)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ...params import Param, Params

__all__ = ["ACTIONS", "STRATEGIES", "INITS", "PERTURBATION", "SIZE", "DEFAULT_N", "PARAMS",
           "RUN_PARAMS", "AugmentConfig", "AugmentationRun", "checked_runs",
           "curves"]

ACTIONS = ("rot90", "shift")
STRATEGIES = ("nominal", "augmented", "equivariant")
INITS = ("equivariant", "generic", "perturbed")
#: Size of the step out of E of the ``"perturbed"`` initialisation (relative to a generic draw).
PERTURBATION = 1e-6
SIZE = 14
#: Default group order per action (C4 quarter turns, C7 shifts by 2 pixels).
DEFAULT_N = {"rot90": 4, "shift": 7}
#: Digits of the smallest class of the bundled test set (5): at most n_train + n_test per class.
SMALLEST_CLASS = 892

#: The settings of a run (the explorer's controls show some of them in narrower ranges).
PARAMS = Params(
    Param("action", "choice", choices=ACTIONS, label="group"),
    Param("N", "int", 2),
    Param("strategy", "choice", choices=STRATEGIES, label="strategy"),
    Param("init", "choice", choices=INITS, label="initialisation"),
    Param("learning_rate", "real", 0.0, 100.0, strict=True, label="learning rate η"),
    Param("epochs", "int", 1, 10_000, label="epochs", control=(5, 300, 5)),
    Param("blocks", "int", 1, 256),
    Param("depth", "int", 0, 6, label="depth (hidden)", control=(0, 3, 1)),
    Param("classes", "int", 2, 10),
    Param("n_train", "int", 1),
    Param("n_test", "int", 1),
    Param("batch_size", "int", 1),
    Param("seed", "int", 0),
    Param("data_seed", "int", 0),
)


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """One training run (hashable: the cache key; every field is validated on construction).

    ``action``: ``"rot90"`` (N ∈ {2, 4}) | ``"shift"`` (N | 14); ``N``: group order (None: 4 for
    rot90, 7 for shift); ``strategy``: ``"nominal"`` | ``"augmented"`` | ``"equivariant"``;
    ``init``: ``"equivariant"`` | ``"generic"`` | ``"perturbed"`` (ignored by the equivariant
    strategy, which always starts in E: stored as ``"equivariant"``); ``learning_rate``: GD
    step > 0; ``epochs``: passes over the training digits; ``blocks``: regular-representation
    blocks per hidden layer (width N·blocks); ``depth``: hidden layers; ``classes``: digit
    classes 0..; ``n_train``/``n_test``: digits per class; ``batch_size``: digits per step
    (clipped to the training set; the incomplete last batch is dropped); ``seed``:
    initialisation and batch order; ``data_seed``: which digits and the test transformations.
    """

    action: str = "rot90"
    N: int | None = None
    strategy: str = "augmented"
    init: str = "equivariant"
    learning_rate: float = 0.1
    epochs: int = 60
    blocks: int = 12
    depth: int = 2
    classes: int = 10
    n_train: int = 50
    n_test: int = 30
    batch_size: int = 100
    seed: int = 0
    data_seed: int = 0

    def __post_init__(self):
        values = PARAMS.check(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                                 if f.name != "N" or self.N is not None})
        N = values.setdefault("N", DEFAULT_N[values["action"]])
        if values["action"] == "rot90" and N not in (2, 4):
            raise ValueError(f"N must be 2 or 4 for action 'rot90' (quarter turns), got {N}")
        if values["action"] == "shift" and SIZE % N:
            raise ValueError(f"N must divide the image width {SIZE} for action 'shift' "
                             f"(allowed: 2, 7, 14), got {N}")
        if values["n_train"] + values["n_test"] > SMALLEST_CLASS:
            raise ValueError(f"n_train + n_test must be at most {SMALLEST_CLASS} (the smallest "
                             f"class), got {values['n_train'] + values['n_test']}")
        if values["strategy"] == "equivariant":
            values["init"] = "equivariant"
        values["batch_size"] = min(values["batch_size"], values["classes"] * values["n_train"])
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def width(self) -> int:
        """Hidden width N·blocks."""
        return self.N * self.blocks

    @property
    def steps_per_epoch(self) -> int:
        return (self.classes * self.n_train) // self.batch_size

    def replace(self, **changes) -> "AugmentConfig":
        if "action" in changes and "N" not in changes:
            changes["N"] = None
        return dataclasses.replace(self, **changes)


#: Arguments of the functions that take a run's settings.
RUN_PARAMS = Params(Param("config", "object", choices=(AugmentConfig,)),
                    Param("init", "choice", choices=(*INITS, None)))


@dataclasses.dataclass(frozen=True, eq=False)
class AugmentationRun:
    """The record of one run, one row per checkpoint (epoch 0 = initialisation).

    ``epochs``: (T,) epoch of each checkpoint; ``loss``: (T,) the strategy's own objective on
    the whole training set (nominal cross-entropy, or orbit-averaged for AUGMENTED);
    ``orbit_loss``: (T,) orbit-averaged cross-entropy for every strategy (comparable across
    strategies); ``accuracy``: (T,) accuracy on the transformed test digits; ``distance``:
    (T, L) ‖(A_i, b_i) − Π_E(A_i, b_i)‖ per layer (Frobenius over weights and bias);
    ``norm``: (T, L) ‖(A_i, b_i)‖; ``invariance``: (T,) max over test digits and group
    elements of ``|f(ρ_0(g)x) − f(x)|`` (logits); ``complete``: all epochs done.
    """

    config: AugmentConfig
    epochs: np.ndarray
    loss: np.ndarray
    orbit_loss: np.ndarray
    accuracy: np.ndarray
    distance: np.ndarray
    norm: np.ndarray
    invariance: np.ndarray
    complete: bool = True

    #: The array fields (what a results file stores per run).
    FIELDS = ("epochs", "loss", "orbit_loss", "accuracy", "distance", "norm", "invariance")

    @property
    def relative_distance(self) -> np.ndarray:
        """(T, L) ‖A − Π_E A‖ / ‖A‖ per layer."""
        return self.distance / np.where(self.norm > 0, self.norm, 1.0)

    @property
    def final_accuracy(self) -> float:
        return float(self.accuracy[-1])

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    @property
    def final_distance(self) -> float:
        """Largest per-layer distance from E at the last checkpoint."""
        return float(self.distance[-1].max())


def checked_runs(runs, allow_none: bool = False) -> list:
    """``runs`` as a list of ``AugmentationRun`` (None entries dropped where allowed), or the
    error naming ``runs``."""
    if isinstance(runs, (str, bytes, dict)) or not hasattr(runs, "__iter__"):
        raise TypeError(f"runs must be a sequence of AugmentationRun, got {type(runs).__name__}")
    runs = [run for run in runs if not (allow_none and run is None)]
    if not all(isinstance(run, AugmentationRun) for run in runs):
        raise TypeError("runs must hold AugmentationRun values only")
    return runs


def curves(runs) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """The arrays of ``runs`` (``AugmentationRun`` values, None skipped) by (strategy, init), as
    ``plots.augmentation`` draws them.

    Examples
    --------
    The seven shipped runs of the linear classifier on quarter turns (61 checkpoints each):

    >>> from ntkviz.experiments import augmentation as aug
    >>> runs = [aug.cached_run(config) for config in aug.default_runs("rot90", depth=0)]
    >>> data = aug.curves(runs)
    >>> len(data), sorted(data)[0], data["equivariant", "equivariant"]["accuracy"].shape
    (7, ('augmented', 'equivariant'), (61,))
    """
    return {(run.config.strategy, run.config.init): {f: getattr(run, f) for f in run.FIELDS}
            for run in checked_runs(runs, allow_none=True)}

"""What an equivariant-accuracy experiment computes: the modes of rotation, the kernels, the
``Config`` of digits, seeds and angles, and the declared parameters of the public functions."""

from __future__ import annotations

import dataclasses

from ... import gp
from ...params import Param, Params
from .._common import ConfigRecord
from ..architectures import KINDS

__all__ = ["RESOLUTION", "MODES", "MODE_LABELS", "KERNELS", "KERNEL_LABELS", "CLASSES", "Config",
           "QUICK", "PARAMS"]

#: Side of the digits (28×28 MNIST, 2×2 mean pooled once).
RESOLUTION = 14
#: How the digits are rotated: random multiples of 90° (exact) or random angles (interpolated).
MODES = ("rot90", "rotate")
MODE_LABELS = {"rot90": "random multiples of 90°", "rotate": "random continuous angles"}
#: The kernels compared (see the package docstring for the matching of readouts).
KERNELS = ("gcnn", "cnn_gap", "cnn_flatten", "augmented_cnn")
KERNEL_LABELS = {
    "gcnn": "C4 group CNN (group pooling)",
    "cnn_gap": "CNN, global average pooling",
    "cnn_flatten": "CNN, flatten readout",
    "augmented_cnn": "CNN flatten + augmentation (orbit average)",
}
#: Classes of MNIST; every selection is balanced over them.
CLASSES = 10


@dataclasses.dataclass(frozen=True)
class Config(ConfigRecord):
    """What an equivariant-accuracy experiment computes (hashable: a cache key).

    Attributes
    ----------
    n_train : tuple of int
        Increasing training-set sizes, multiples of 10 (balanced over the classes), ≤ 500.
    n_test : int
        Test digits, a multiple of 10 (n_test / 10 per class), ≤ 500.
    seeds : tuple of int
        Increasing seeds; each picks other digits and other random rotations.
    augment_N : int
        Number of angles of the discretised rotation group the augmented kernel averages
        over for ``"rotate"`` data (``"rot90"`` data always use C4, N = 4).
    angles : tuple of float
        Increasing rotation angles θ (degrees, 0 < θ < 360) of the invariance check.
    invariance_digits : int
        How many digits x (and as many y) the invariance check uses.
    ridge : float
        Relative ridge ρ (``K_train + ρ·tr(K_train)·I``), the package default.
    """

    n_train: tuple[int, ...] = (10, 20, 50, 100, 200)
    n_test: int = 100
    seeds: tuple[int, ...] = (0, 1, 2)
    augment_N: int = 16
    angles: tuple[float, ...] = (30.0, 45.0, 90.0)
    invariance_digits: int = 6
    ridge: float = gp.DEFAULT_RIDGE

    def __post_init__(self):
        values = PARAMS.check(**dataclasses.asdict(self))
        for name, value in values.items():
            object.__setattr__(self, name, value)
        for name in ("n_train", "seeds", "angles"):
            if list(values[name]) != sorted(set(values[name])):
                raise ValueError(f"{name} must be increasing without repeats, got {values[name]}")
        for name, sizes in (("n_train", self.n_train), ("n_test", (self.n_test,))):
            if any(n % CLASSES for n in sizes):
                raise ValueError(f"{name} must be a multiple of {CLASSES} (balanced over the "
                                 f"classes), got {getattr(self, name)}")
        if self.angles[0] <= 0.0 or self.angles[-1] >= 360.0:
            raise ValueError(f"angles must lie strictly between 0 and 360 degrees, got {self.angles}")

    @property
    def pool_size(self) -> int:
        """Digits per (mode, seed) whose Gram matrix is computed — largest n_train + n_test."""
        return self.n_train[-1] + self.n_test


#: The arguments of the public functions and the fields of ``Config``.
PARAMS = Params(
    Param("n_train", "ints", CLASSES, 500),
    Param("n_test", "int", CLASSES, 500),
    Param("seeds", "ints", 0),
    Param("augment_N", "int", 2, 360),
    Param("angles", "reals", 0.0, 360.0),
    Param("invariance_digits", "int", 1, 50),
    Param("ridge", "real", 0.0),
    Param("config", "object", choices=(Config,)),
    Param("key", "choice", choices=KERNELS),
    Param("mode", "choice", choices=MODES),
    Param("kind", "choice", choices=KINDS),
    Param("seed", "int", 0),
    Param("modes", "choices", choices=MODES),
    Param("kernels", "choices", choices=KERNELS),
    Param("quick", "flag"),
)

#: A tiny configuration for tests and live demonstrations (seconds, not minutes).
QUICK = Config(n_train=(10, 20), n_test=20, seeds=(0,), augment_N=4, invariance_digits=3)

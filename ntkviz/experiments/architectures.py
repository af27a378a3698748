"""The architectures the explorers and experiments compare, by one short key each.

Plain networks (MLPs, CNN with a flatten readout) have no built-in symmetry; the CNN with global
average pooling is invariant to cyclic shifts, the C4 group CNN to quarter turns and cyclic
shifts, and the orbit-averaged MLP (the infinite-width limit of full data augmentation,
docs/theory.md#orbit-averaged-kernels) to the action of the data itself. Kernels that compare every
pair of pixels (GAP, group pooling) run on 14×14 digits (2×2 mean pooling), the others on the full
28×28 digits.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .. import kernels
from .._validate import as_finite_array, check_choice
from ..datasets import ACTIONS, pool2
from ..params import Param, Params

__all__ = ["Architecture", "ARCHITECTURES", "BUILT_IN", "KINDS", "RESOLUTIONS", "architecture",
           "kernel_matrix", "register_architecture", "unregister_architecture", "PARAMS"]

#: Which infinite-width kernel of a network — the NTK (trained network) or the NNGP (Bayesian).
KINDS = ("ntk", "nngp")


@dataclasses.dataclass(frozen=True)
class Architecture:
    """One architecture: a label for people, its built-in symmetry and its kernel.

    ``build(action, N)`` returns the ntkviz kernel; only the orbit-averaged kernel depends on
    the action and N (it averages over exactly the data's group).
    """

    key: str
    label: str
    equivariant: bool
    symmetry: str
    resolution: int
    build: Callable[[str, int], kernels.NeuralKernel] = dataclasses.field(repr=False, compare=False)

    def kernel(self, action: str = "rotate", N: int = 4) -> kernels.NeuralKernel:
        """The kernel object for data acted on by ``action`` with N elements."""
        check_choice("action", action, ACTIONS)
        return self.build(action, N)

    def prepare(self, images, name: str = "images") -> np.ndarray:
        """Images at this architecture's resolution: ``(n, 28, 28)`` → ``(n, 14, 14)`` if needed."""
        images = as_finite_array(name, images)
        if images.ndim < 2:
            raise ValueError(f"{name} must be images (n, H, W), got shape {images.shape}")
        while images.shape[-1] > self.resolution:
            images = pool2(images)
        return images


def _fixed(factory):
    return lambda action, N: factory()


ARCHITECTURES: dict[str, Architecture] = {
    a.key: a
    for a in (
        Architecture("mlp1", "MLP, 1 hidden layer", False, "none", 28,
                     _fixed(lambda: kernels.mlp(depth=1))),
        Architecture("mlp5", "MLP, 5 hidden layers", False, "none", 28,
                     _fixed(lambda: kernels.mlp(depth=5))),
        Architecture("cnn_flatten", "CNN 3×3, flatten readout", False, "none", 28,
                     _fixed(lambda: kernels.cnn(depth=1, filter_size=3, readout="flatten"))),
        Architecture("cnn_gap", "CNN 3×3, global average pooling", False, "cyclic shifts", 14,
                     _fixed(lambda: kernels.cnn(depth=1, filter_size=3, readout="gap"))),
        Architecture("gcnn", "C4 group CNN 3×3, group pooling", True, "quarter turns and cyclic shifts", 14,
                     _fixed(lambda: kernels.gcnn(depth=1, filter_size=3))),
        Architecture("orbit_mlp", "MLP averaged over the data's orbit (augmentation)", True,
                     "the data's own action", 28,
                     lambda action, N: kernels.orbit_average(kernels.mlp(depth=1), action=action, N=N)),
    )
}


#: Keys of the built-in architectures; ``register_architecture`` cannot replace them.
BUILT_IN = frozenset(ARCHITECTURES)

#: Input resolutions an architecture can ask for (28×28 digits, or 2×2-pooled 14×14).
RESOLUTIONS = (28, 14)

#: The parameters naming an architecture's kernel; ``architecture`` offers the live registry
#: (``register_architecture`` adds to it).
PARAMS = Params(
    Param("architecture", "choice", choices=ARCHITECTURES.keys(), label="architecture"),
    Param("kind", "choice", choices=KINDS, label="kernel"),
    Param("action", "choice", choices=ACTIONS, label="action"),
    Param("resolution", "choice", choices=RESOLUTIONS),
    Param("equivariant", "flag"),
)

# Every key ever registered in this process → (kernel, label, resolution, symmetry, equivariant).
# Experiments cache results by key, so a key may never stand for two different kernels: a
# removed key can come back only with the same kernel and settings.
_REGISTERED: dict[str, tuple] = {}


@PARAMS.validated
def register_architecture(key: str, kernel: kernels.NeuralKernel, *, label: str | None = None,
                          resolution: int = 28, symmetry: str = "none",
                          equivariant: bool = False) -> Architecture:
    """Make any ntkviz neural kernel (e.g. ``kernels.from_stax(kernel_fn)``) an architecture.

    It is then accepted wherever an architecture key is (``kernel_matrix``, the orbit, survey,
    multiclass and accuracy experiments) and offered by explorers built afterwards.

    Registering the same key again with an equal kernel and settings returns the existing
    entry; another kernel under a used key is a ``ValueError`` (results are cached by key).

    Parameters
    ----------
    key : str
        A new short name (not a built-in key: ``BUILT_IN``).
    kernel : NeuralKernel
        An ``ntkviz.kernels.NeuralKernel`` (it needs ``.ntk`` and ``.nngp``).
    label : str or None
        The name shown in dropdowns and legends (default ``kernel.name``).
    resolution : int
        28 or 14, the side of the digits the kernel sees (14: 2×2 mean pooling).
    symmetry : str
        The symmetry built into the network, for people ("none" draws it as a plain one).
    equivariant : bool
        Whether the network is built to be invariant / equivariant.

    Examples
    --------
    A two-hidden-layer MLP, then used by key like the built-in architectures:

    >>> from ntkviz.experiments import architectures, orbits
    >>> arch = architectures.register_architecture("mlp2", nv.kernels.mlp(depth=2),
    ...                                            label="MLP, 2 hidden layers")
    >>> arch.key, arch.resolution, "mlp2" in architectures.ARCHITECTURES
    ('mlp2', 28, True)
    >>> state = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 8, "mlp2")
    >>> state.K.shape
    (16, 16)
    >>> architectures.unregister_architecture("mlp2")  # leave the registry as it was
    """
    if not isinstance(key, str) or not key.strip():
        raise TypeError(f"key must be a non-empty string, got {key!r}")
    if key in BUILT_IN:
        raise ValueError(f"key {key!r} is a built-in architecture and cannot be replaced; "
                         f"choose another key (built-in: {', '.join(sorted(BUILT_IN))})")
    if not isinstance(kernel, kernels.NeuralKernel):
        raise TypeError(f"kernel must be an ntkviz NeuralKernel with .ntk and .nngp (e.g. "
                        f"kernels.from_stax(kernel_fn)), got {type(kernel).__name__}")
    label = kernel.name if label is None else label
    if not isinstance(label, str) or not label.strip():
        raise TypeError(f"label must be a non-empty string or None, got {label!r}")
    if not isinstance(symmetry, str):
        raise TypeError(f"symmetry must be a string, got {symmetry!r}")
    spec = (kernel, label, int(resolution), symmetry, equivariant)
    previous = _REGISTERED.get(key)
    if previous is not None and previous != spec:
        raise ValueError(
            f"key {key!r} is already registered with {previous[0].name!r} and other settings; "
            "results are cached by key, so choose a new key for another kernel")
    _REGISTERED[key] = spec
    if key not in ARCHITECTURES:
        ARCHITECTURES[key] = Architecture(key, label, equivariant, symmetry, int(resolution),
                                          lambda action, N: kernel)
    return ARCHITECTURES[key]


def unregister_architecture(key: str) -> None:
    """Remove a registered architecture (built-ins stay); it disappears from new explorers.

    Examples
    --------
    >>> from ntkviz.experiments import architectures
    >>> _ = architectures.register_architecture("mlp3", nv.kernels.mlp(depth=3))
    >>> architectures.unregister_architecture("mlp3")
    >>> "mlp3" in architectures.ARCHITECTURES
    False
    >>> architectures.unregister_architecture("mlp1")
    Traceback (most recent call last):
    ...
    ValueError: key 'mlp1' is a built-in architecture and cannot be removed
    """
    if key in BUILT_IN:
        raise ValueError(f"key {key!r} is a built-in architecture and cannot be removed")
    if key not in ARCHITECTURES:
        registered = sorted(set(ARCHITECTURES) - BUILT_IN)
        raise ValueError(f"key {key!r} is not a registered architecture; registered: {registered}")
    del ARCHITECTURES[key]


def architecture(key: str) -> Architecture:
    """The architecture called ``key`` (one of ``ARCHITECTURES``).

    Examples
    --------
    >>> from ntkviz.experiments import architectures
    >>> gcnn = architectures.architecture("gcnn")
    >>> gcnn.label, gcnn.symmetry, gcnn.resolution
    ('C4 group CNN 3×3, group pooling', 'quarter turns and cyclic shifts', 14)
    >>> gcnn.prepare(np.zeros((2, 28, 28))).shape  # 2×2 mean pooling to its resolution
    (2, 14, 14)
    """
    check_choice("architecture", key, tuple(ARCHITECTURES))
    return ARCHITECTURES[key]


@PARAMS.validated
def kernel_matrix(key: str, x1, x2=None, *, kind: str = "ntk", action: str = "rotate",
                  N: int = 4) -> np.ndarray:
    """``K(x1, x2)`` of architecture ``key`` (NTK or NNGP), inputs at that architecture's resolution.

    ``x1``, ``x2``: ``(n, H, W)`` images at 28×28 or already at the architecture's resolution.

    Examples
    --------
    The group CNN cannot tell a digit from its quarter turn; the plain MLP can:

    >>> from ntkviz.experiments import architectures, digits
    >>> x = digits.digit(3, 0)[None]  # one (1, 28, 28) digit
    >>> both = np.concatenate([x, np.rot90(x, axes=(1, 2))])
    >>> K = architectures.kernel_matrix("gcnn", x, both)
    >>> K.shape, bool(np.isclose(K[0, 0], K[0, 1]))
    ((1, 2), True)
    >>> K = architectures.kernel_matrix("mlp1", x, both)
    >>> bool(np.isclose(K[0, 0], K[0, 1]))
    False
    """
    arch = architecture(key)
    k = arch.build(action, N)
    a = arch.prepare(x1, "x1")
    b = None if x2 is None else arch.prepare(x2, "x2")
    return k.ntk(a, b) if kind == "ntk" else k.nngp(a, b)

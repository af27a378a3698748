"""The targets of ``ntkviz reproduce``, in report order, and running one.

Each target lives in its own module of ``ntkviz.reproduction.targets`` as a module-level
``TARGET`` (a :class:`~ntkviz.reproduction.base.Target`); modules are imported on first use,
so listing targets costs nothing.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from pathlib import Path

from .._validate import check_choice
from .base import Checkpoints, Claim, Progress, Target, silent, to_json

__all__ = ["TARGETS", "target", "claims", "run"]

#: Target name → module in ``ntkviz.reproduction.targets``, grouped by paper, in report order.
TARGETS: dict[str, str] = {
    # Neural kernel theory of symmetry learning (arXiv 2412.11521)
    "circle": "circle",                # Fig. 3: RBF kernel on two interleaved circles
    "pairs": "pairs",                  # Fig. 4B–E, App. D: MLP NTK (and NNGP) on digit pairs
    "architectures": "architectures",  # Fig. 5C/D, App. G, Fig. 16: deeper MLP and CNNs
    "trained_pairs": "trained_pairs",  # Fig. 5B, App. E: trained finite MLPs on pairs
    "seeds": "seeds",                  # Fig. 6A, App. F: several seeds per class
    "classes": "classes",              # Fig. 6B, App. F: ten classes, one versus many
    "fig1": "fig1",                    # Fig. 1: MLP, CNN, ViT trained on rotated MNIST
    # Equivariant neural tangent kernels (arXiv 2406.06504)
    "equivariant_ntk": "equivariant_ntk",
    # Neural tangent kernel (arXiv 1806.07572)
    "ntk": "ntk",
    # Augmented vs equivariant training dynamics (arXiv 2303.13458)
    "augmentation": "augmentation",
}


def target(name: str) -> Target:
    """The target called ``name`` (one of :data:`TARGETS`)."""
    check_choice("name", name, tuple(TARGETS))
    module = importlib.import_module(f"{__package__}.targets.{TARGETS[name]}")
    return module.TARGET


def claims() -> list[Claim]:
    """Every claim of every target, in report order."""
    return [c for name in TARGETS for c in target(name).claims]


def run(name: str, quick: bool = False, progress: Progress = silent,
        checkpoints: str | Path | None = None) -> dict:
    """Run target ``name`` and return its JSON-ready numbers with its configuration.

    ``quick``: the small configuration (minutes; what CI runs). ``progress(done, total,
    label)`` is called as parts finish. ``checkpoints``: a folder keeping finished parts of
    long targets so a stopped run resumes (``None``: keep nothing). ``wall_time`` counts parts
    read back from it with their original times.
    """
    t = target(name)
    cfg = t.config(quick)
    store = Checkpoints(checkpoints)
    start = time.perf_counter()
    numbers = t.compute(cfg, progress, store)
    wall = time.perf_counter() - start + store.resumed_seconds
    return to_json({"target": name, "paper": t.paper, "quick": bool(quick),
                    "config": dataclasses.asdict(cfg), **numbers, "wall_time": wall})

"""Experiments: the core (datasets → kernels → spectral / gp) assembled into the quantities a
figure or an explorer shows. Pure numpy/JAX computation; never imports plotly or ipywidgets.

* ``circle``: the paper's toy model, two interleaved circular orbits with an RBF kernel.
* ``architectures``: the networks compared everywhere, by key (MLP, CNN, GAP CNN, C4 group CNN,
  orbit-averaged MLP), each with its kernel and input resolution.
* ``digits``: the seed digits, by class and sample in the bundled MNIST test set, and random
  pairs of digits of two different classes.
* ``digit_orbits``: one seed digit's orbit under a group action, and the orbit sizes each action
  allows on each architecture.
* ``orbits``: two MNIST digits, their orbits under a group action, and the spectral analysis of
  an architecture's kernel on them (arXiv 2412.11521, Sec. 3.3–3.5, Fig. 4).
* ``grams``: kernel matrices computed ahead (the dashboard's warm-up) and shared on disk by a
  server's kernels.
* ``survey``: the same over many random digit pairs (Fig. 4B–E, Fig. 5).
* ``accuracy``: equivariant against plain kernels on a class whose upright digits are unseen.
* ``width``: analytic NTK against empirical NTKs of finite networks on the unit circle.
* ``multiclass``: several seeds per class and ten classes one-versus-many (Fig. 6;
  docs/theory.md#several-seeds-and-ten-classes).
* ``training``: finite MLP, CNN and ViT trained on rotated MNIST with one class's upright digits
  held out (in-test against out-test accuracy, Fig. 1).

Submodules load on first use.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_SUBMODULES = ("circle", "architectures", "digits", "digit_orbits", "orbits", "grams", "survey", "accuracy",
               "width", "multiclass",
               "training", "propositions", "dynamics",
               "gcnn_width")
_SUBMODULES += ("equivariant_accuracy",)

_SUBMODULES += ("augmentation",)  # augmentation vs equivariance (arXiv 2303.13458)
__all__ = list(_SUBMODULES)

__getattr__, __dir__ = lazy_exports(__name__, globals(), dict.fromkeys(_SUBMODULES))

"""Pure plotting functions: data in, plotly ``go.Figure`` out (DESIGN "Layout").

No widgets and no kernel computation here: every function takes arrays (the fields of an
``experiments`` result) and returns a new figure, so scripts can export them and the explorers
can copy their traces into their own figures. Class A is always ``COLORS["A"]``, class B
``COLORS["B"]``; the left-out point is ``COLORS["missing"]``.

Each figure also has an ``*_update`` function returning only what changes with the data
(``{"data": [per-trace dicts], "layout": {magic-underscore keys}}``); ``apply_update`` writes it
into any figure with the same traces, which is how the explorers update their figures in
place without rebuilding (and re-validating) whole figures.

One module per subject: ``style`` (colours, layout, updates), ``spectra`` (any kernel's K,
inverse spectrum and ε curves), ``circle`` (the toy model's orbits and posterior).
"""

from __future__ import annotations

from .accuracy import (
    accuracy_bars,
    accuracy_bars_update,
    accuracy_curve,
    accuracy_curve_update,
    digit_thumbnails,
    digit_thumbnails_update,
)
from .augmentation import accuracy_curves as augmentation_accuracy_curves  # noqa: E501
from .augmentation import accuracy_curves_update as augmentation_accuracy_curves_update
from .augmentation import distance_curves, distance_curves_update, loss_curves, loss_curves_update
from .circle import orbits_3d, orbits_3d_update, posterior_ring, posterior_ring_update
from .dynamics import (  # noqa: E501
    distance_vs_width,
    distance_vs_width_update,
    error_vs_time,
    error_vs_time_update,
    mode_decay,
    mode_decay_update,
    outputs_figure,
    outputs_figure_update,
)
from .equivariant_accuracy import (
    accuracy_vs_ntrain,
    accuracy_vs_ntrain_update,
    invariance_bars,
    invariance_bars_update,
)
from .gcnn_width import gcnn_error_vs_width, gcnn_error_vs_width_update
from .orbits import (
    error_bars,
    error_bars_update,
    kernel_pair,
    kernel_pair_update,
    orbit_strip,
    orbit_strip_update,
)
from .propositions import (  # noqa: E501
    orbit_heatmaps,
    orbit_heatmaps_update,
    proposition_table_figure,
    proposition_table_figure_update,
    proposition_table_html,
    propositions_figure,
    propositions_figure_update,
)
from .spectra import (
    error_curve,
    error_curve_update,
    inverse_spectrum,
    inverse_spectrum_update,
    kernel_heatmap,
    kernel_heatmap_update,
)
from .style import COLORS, apply_update
from .survey import (
    density_scatter,
    density_scatter_update,
    error_scatter,
    error_scatter_update,
    separation_scatter,
    separation_scatter_update,
)
from .width import error_vs_width, error_vs_width_update, ntk_curves, ntk_curves_update

__all__ = [
    "COLORS",
    "apply_update",
    "orbits_3d",
    "kernel_heatmap",
    "inverse_spectrum",
    "posterior_ring",
    "error_curve",
    "orbits_3d_update",
    "kernel_heatmap_update",
    "inverse_spectrum_update",
    "posterior_ring_update",
    "error_curve_update",
    "accuracy_curve", "accuracy_curve_update", "accuracy_bars", "accuracy_bars_update", "digit_thumbnails", "digit_thumbnails_update",
    "orbit_strip", "orbit_strip_update", "kernel_pair", "kernel_pair_update", "error_bars",
    "error_bars_update", "error_scatter", "error_scatter_update", "separation_scatter",
    "separation_scatter_update", "density_scatter", "density_scatter_update",
    "ntk_curves", "ntk_curves_update", "error_vs_width", "error_vs_width_update",
    "gcnn_error_vs_width", "gcnn_error_vs_width_update",
    "outputs_figure", "outputs_figure_update", "mode_decay", "mode_decay_update", "error_vs_time", "error_vs_time_update", "distance_vs_width", "distance_vs_width_update",  # noqa: E501
    "orbit_heatmaps", "orbit_heatmaps_update", "proposition_table_figure", "proposition_table_figure_update", "proposition_table_html", "propositions_figure", "propositions_figure_update",  # noqa: E501
]
__all__ += ["loss_curves", "loss_curves_update", "augmentation_accuracy_curves", "augmentation_accuracy_curves_update", "distance_curves", "distance_curves_update"]  # noqa: E501
__all__ += ["accuracy_vs_ntrain", "accuracy_vs_ntrain_update", "invariance_bars", "invariance_bars_update"]

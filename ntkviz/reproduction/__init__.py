"""``ntkviz reproduce``: the paper's quantitative results regenerated from the bundled data.

``targets`` computes the numbers of each figure (JSON-ready dicts), ``claims`` checks the paper's
statements against them, ``report`` writes the JSON/HTML/PNG files and the Markdown report;
the figures themselves are ``ntkviz.plots.reproduction``.
"""

from .claims import CLAIMS, check
from .report import figure, load_results, shipped_dir, write_report, write_target
from .targets import TARGETS, config, run

__all__ = ["TARGETS", "CLAIMS", "config", "run", "check", "figure", "write_target",
           "load_results", "shipped_dir", "write_report"]

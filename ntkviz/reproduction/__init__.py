"""``ntkviz reproduce``: the papers' quantitative claims recomputed from the bundled data.

``registry`` lists the targets (one module each in ``targets``: its protocol, configurations,
computation and claims) and runs them; ``report`` writes the JSON/HTML/PNG files and the
Markdown report of every claim with its verdict; ``stats`` gives bootstrap intervals; the
figures are drawn by ``ntkviz.plots.reproduction`` from the JSON alone.
"""

from .base import VERDICTS, Claim, Deviation, Outcome, Protocol, Target
from .papers import PAPERS, Paper
from .registry import TARGETS, claims, run, target
from .report import check, figure, load_results, shipped_dir, write_report, write_target

__all__ = ["TARGETS", "PAPERS", "VERDICTS", "Paper", "Target", "Claim", "Outcome", "Protocol",
           "Deviation", "target", "claims", "run", "check", "figure", "write_target",
           "load_results", "shipped_dir", "write_report"]

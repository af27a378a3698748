"""The four papers whose claims ``ntkviz reproduce`` checks, by short key."""

from __future__ import annotations

import dataclasses

__all__ = ["Paper", "PAPERS"]


@dataclasses.dataclass(frozen=True)
class Paper:
    """One paper: ``key`` (used by targets and claims), short and full title, authors, arXiv id."""

    key: str
    short: str
    title: str
    authors: str
    arxiv: str

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv}"

    @property
    def cite(self) -> str:
        """``Short title (arXiv:id)``, how the report names the paper."""
        return f"{self.short} (arXiv:{self.arxiv})"


PAPERS: dict[str, Paper] = {p.key: p for p in (
    Paper("symmetry", "Neural kernel theory of symmetry learning",
          "On the Ability of Deep Networks to Learn Symmetries from Data: A Neural Kernel Theory",
          "A. Perin, S. Deny", "2412.11521"),
    Paper("equivariant_ntk", "Equivariant neural tangent kernels",
          "Equivariant Neural Tangent Kernels", "P. Misof, P. Kessel, J. E. Gerken", "2406.06504"),
    Paper("ntk", "Neural tangent kernel",
          "Neural Tangent Kernel: Convergence and Generalization in Neural Networks",
          "A. Jacot, F. Gabriel, C. Hongler", "1806.07572"),
    Paper("augmentation", "Augmented vs equivariant training dynamics",
          "Optimization Dynamics of Equivariant and Augmented Neural Networks",
          "O. Nordenfors, F. Ohlsson, A. Flinth", "2303.13458"),
)}

"""Orbit geometry (docs/theory.md#orbit-geometry; arXiv 2412.11521, Fig. 4D–E)."""

from pathlib import Path

import numpy as np
import pytest

from ntkviz import geometry

REFERENCE = np.load(Path(__file__).parent / "reference" / "spectral_visible.npz")


@pytest.mark.parametrize("N", [4, 8, 16])
def test_reference_separation_and_radius(N):
    for p in range(REFERENCE["N16__X"].shape[0]):
        X = REFERENCE["N16__X"][p][REFERENCE[f"N{N}__rows"]]
        A, B = geometry.split_interleaved(X)
        assert geometry.orbit_separation_sq(A, B) == pytest.approx(REFERENCE[f"N{N}__deltasq"][p], rel=1e-12)
        assert geometry.orbit_radius(A, B) == pytest.approx(REFERENCE[f"N{N}__radius"][p], rel=1e-12)


def test_circle_pair_geometry_in_closed_form():
    from ntkviz.datasets import circle_pair

    X, _ = circle_pair(N=8, delta=1.5)
    A, B = geometry.split_interleaved(X)
    assert geometry.orbit_separation_sq(A, B) == pytest.approx(1.5**2)
    assert geometry.orbit_radius(A) == pytest.approx(1.0)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="same size"):
        geometry.orbit_separation_sq(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="even number of rows"):
        geometry.split_interleaved(np.ones((3, 2)))
    with pytest.raises(ValueError, match="A must be a stack"):
        geometry.orbit_radius(np.ones(3))

"""The augmentation target (arXiv 2303.13458): its numbers against a dense projection built here
from np.rot90 / np.roll, its claims, and its figure."""

import numpy as np
import pytest

from ntkviz import reproduction
from ntkviz.experiments import augmentation as aug
from ntkviz.reproduction.targets import augmentation as target

CFG = target.TARGET.quick
SIZE = 14


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["augmentation"]


def _dense(config) -> list[np.ndarray]:
    """(N, d, d) permutation matrices of every layer's representation, built directly."""
    N, blocks = config.N, config.blocks
    eye = np.eye(SIZE * SIZE).reshape(-1, SIZE, SIZE)
    if config.action == "rot90":
        acts = [np.rot90(eye, 4 * g // N, axes=(1, 2)) for g in range(N)]
    else:
        acts = [np.roll(eye, g * SIZE // N, axis=2) for g in range(N)]
    pixels = np.stack([a.reshape(SIZE * SIZE, -1).T for a in acts])
    hidden = np.stack([np.kron(np.eye(blocks), np.roll(np.eye(N), g, axis=0)) for g in range(N)])
    trivial = np.stack([np.eye(config.classes)] * N)
    return [pixels] + [hidden] * config.depth + [trivial]


def _dense_off_E(params, mats) -> float:
    total = 0.0
    for (A, b), R_in, R_out in zip(params, mats[:-1], mats[1:]):
        PA = np.mean([ro @ A @ ri.T for ro, ri in zip(R_out, R_in)], axis=0)
        Pb = np.mean([ro @ b for ro in R_out], axis=0)
        total += np.sum((A - PA) ** 2) + np.sum((b - Pb) ** 2)
    return float(np.sqrt(total))


@pytest.mark.parametrize("action", CFG.actions)
def test_distances_equal_a_dense_projection(quick, action):
    config = target._base(CFG, action, CFG.seeds[0])
    mats = _dense(config)
    perms = aug.layer_permutations(config)
    nominal = aug.parameter_path(config.replace(strategy="nominal", init="equivariant"))
    distance, norm = target.off_E(nominal[-1], perms)
    assert distance == pytest.approx(_dense_off_E(nominal[-1], mats), rel=1e-10)
    assert quick["runs"][action]["nominal_off_E"][0][-1] == pytest.approx(distance / norm,
                                                                          rel=1e-9)
    equivariant = aug.parameter_path(config.replace(strategy="equivariant"))
    start = target.perturbation(equivariant[-1], perms, CFG.perturbation, CFG.seeds[0])
    step = [(A - E, b - e) for (A, b), (E, e) in zip(start, equivariant[-1])]
    size = np.sqrt(sum(np.sum(A * A) + np.sum(b * b) for A, b in step))
    assert size / target.off_E(equivariant[-1], perms)[1] == pytest.approx(CFG.perturbation)
    assert _dense_off_E(step, mats) == pytest.approx(size, rel=1e-9)   # the step lies in E⊥
    first = quick["runs"][action]["perturbed_relative"][0][0]
    assert first == pytest.approx(_dense_off_E(start, mats) / target.off_E(start, perms)[1],
                                  rel=1e-6)


def test_claims_evaluate_and_the_figure_draws(quick):
    outcomes = {c.key: c.evaluate({"augmentation": quick}) for c in target.TARGET.claims}
    assert len(outcomes) == 5
    for key in ("aug-invariant", "aug-same-trajectory", "aug-nominal-leaves", "aug-closer"):
        assert outcomes[key].verdict == "holds", key
    assert outcomes["aug-unstable"].verdict in ("holds", "does not hold")
    fig = reproduction.figure("augmentation", quick)
    assert "quick run" in fig.layout.title.text and len(fig.data) >= 2 * 6


def test_broken_numbers_are_reported_as_not_holding(quick):
    runs = {a: dict(r) for a, r in quick["runs"].items()}
    action = CFG.actions[0]
    runs[action]["augmented_relative"] = (np.asarray(runs[action]["augmented_relative"])
                                          + 1e-6).tolist()
    broken = {**quick, "runs": runs}
    for key in ("aug-invariant",):
        claim = next(c for c in target.TARGET.claims if c.key == key)
        assert claim.evaluate({"augmentation": broken}).verdict == "does not hold"
    damped = {a: dict(r, perturbed_relative=[[1.0, 0.5] for _ in r["perturbed_relative"]])
              for a, r in quick["runs"].items()}
    claim = next(c for c in target.TARGET.claims if c.key == "aug-unstable")
    outcome = claim.evaluate({"augmentation": {**quick, "runs": damped}})
    assert outcome.verdict == "does not hold" and "does not refute" in outcome.note
    grown = {a: dict(r, perturbed_relative=[[1.0, 3.0] for _ in r["perturbed_relative"]])
             for a, r in quick["runs"].items()}
    assert claim.evaluate({"augmentation": {**quick, "runs": grown}}).verdict == "holds"

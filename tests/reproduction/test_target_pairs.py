"""The pairs target (Fig. 4B–E, App. D of arXiv 2412.11521): its numbers against a computation
written in the tests (cubic orbits, the one-hidden-layer MLP's NNGP/NTK in closed form, dense solves,
Eq. 7 by FFT), its claims, and its figure."""


import numpy as np
import pytest
from independent import mlp1_kernels, rotated_orbit

from ntkviz import reproduction
from ntkviz.experiments import digits
from ntkviz.reproduction.targets import pairs


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["pairs"]


def _expected(pair, N, kind):
    (la, sa, lb, sb) = pair
    A, B = rotated_orbit(digits.digit(la, sa), N), rotated_orbit(digits.digit(lb, sb), N)
    X = np.empty((2 * N, A.shape[1]))
    X[0::2], X[1::2] = A, B
    y = np.tile([1.0, -1.0], N)
    nngp, ntk = mlp1_kernels(X)
    K = ntk if kind == "ntk" else nngp
    n = 2 * N
    predictions = []
    for i in (0, 1):
        train = np.delete(np.arange(n), i)
        Kt = K[np.ix_(train, train)]
        predictions.append(K[i, train] @ np.linalg.solve(Kt + 1e-10 * np.trace(Kt) * np.eye(n - 1), y[train]))
    row = np.array([np.mean([K[a, (a + d) % n] for a in range(n)]) for d in range(n)])
    lam = np.fft.fft(row).real
    ridged = lam + 1e-5 * np.trace(K)
    return {
        "prediction_a": predictions[0], "prediction_b": predictions[1],
        "eps_exact": 0.5 * (abs(predictions[0] - 1) + abs(predictions[1] + 1)),
        "eps_spectral": (1 / ridged[N]) / np.mean(1 / ridged),
        "lam_N_bare": lam[N], "mean_inverse_bare": np.mean(1 / lam),
        "separation_sq": np.sum((A.mean(0) - B.mean(0)) ** 2),
        "radius": 0.5 * (np.linalg.norm(A[0] - A.mean(0)) + np.linalg.norm(B[0] - B.mean(0))),
    }


@pytest.mark.parametrize("kind", ["ntk", "nngp"])
def test_numbers_equal_an_independent_computation(quick, kind):
    for survey in quick[kind]:
        N = survey["N"]
        for i in (0, 17, len(survey["pairs"]) - 1):
            expected = _expected(survey["pairs"][i], N, kind)
            for key, value in expected.items():
                assert survey[key][i] == pytest.approx(value, rel=1e-7, abs=1e-12), (kind, N, key)


def test_pairs_differ_between_N_but_not_between_kernels(quick):
    cfg = pairs.TARGET.quick
    assert [s["N"] for s in quick["ntk"]] == list(cfg.Ns)
    assert all(len(s["pairs"]) == cfg.n_pairs for s in quick["ntk"] + quick["nngp"])
    for a, b in zip(quick["ntk"], quick["nngp"]):
        assert a["pairs"] == b["pairs"]
    assert quick["ntk"][0]["pairs"] != quick["ntk"][1]["pairs"]
    assert all(p[0] != p[2] for s in quick["ntk"] for p in s["pairs"])
    drawn = digits.random_pairs(cfg.n_pairs, cfg.seed + cfg.Ns[1])
    assert quick["ntk"][1]["pairs"] == [[a[0], a[1], b[0], b[1]] for a, b in drawn]


def test_claims_hold_on_the_quick_run_and_the_figure_draws(quick):
    outcomes = {c.key: c.evaluate({"pairs": quick}) for c in pairs.TARGET.claims}
    assert {o.verdict for o in outcomes.values()} == {"holds"}
    assert "r = " in outcomes["pairs-fig4b"].ours and "pairs correct" in outcomes["pairs-fig4b"].ours
    fig = reproduction.figure("pairs", quick)
    assert "quick run" in fig.layout.title.text
    assert len(fig.data) >= 3 * 1 + 4 + 2 * 3 * 3


def test_an_anticorrelated_error_is_reported_as_not_holding(quick):
    broken = {**quick, "ntk": [dict(s, eps_spectral=[-e for e in s["eps_exact"]]) for s in quick["ntk"]]}
    for key in ("pairs-fig4b", "pairs-appD", "pairs-fig4c"):
        claim = next(c for c in pairs.TARGET.claims if c.key == key)
        assert claim.evaluate({"pairs": broken}).verdict == "does not hold"
    nngp = next(c for c in pairs.TARGET.claims if c.key == "pairs-nngp")
    # ρ = ⟨λ⁻¹⟩ makes 1/ρ fall as ⟨λ⁻¹⟩ rises: Fig. 4E fails for the NNGP only
    inverted = {**quick, "nngp": [dict(s, radius=s["mean_inverse_bare"]) for s in quick["nngp"]]}
    outcome = nngp.evaluate({"pairs": inverted})
    assert outcome.verdict == "does not hold" and outcome.note == "fails: Fig. 4E"

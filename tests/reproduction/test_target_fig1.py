"""The fig1 target (Fig. 1 of arXiv 2412.11521): its runs against direct training calls and the
split arithmetic, its claims on constructed results (holds, does not hold, and the precondition
of 0.95 training accuracy), and its figure."""

import dataclasses

import numpy as np
import pytest

from ntkviz import reproduction
from ntkviz.experiments import training
from ntkviz.reproduction.targets import fig1


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["fig1"]


def test_every_run_of_the_plan_is_there_with_the_split_sizes(quick):
    cfg = fig1.TARGET.quick
    expected = {(n, N, c) for n in cfg.networks for N in cfg.Ns for c in cfg.classes}
    expected |= {(n, cfg.probe_N, c) for n in cfg.probe_networks for c in cfg.classes}
    assert {(r["network"], r["N"], r["leave_out"]) for r in quick["runs"]} == expected
    for r in quick["runs"]:
        pool = 10 * cfg.n_per_class * r["N"] - cfg.n_per_class
        assert r["n_out"] == cfg.n_per_class and r["n_in"] == round(0.1 * pool)
        assert r["n_train"] == pool - r["n_in"]
        assert len(r["curve_out"]) == len(r["curve_in"]) == len(r["curve_train"]) == r["epochs"] + 1
        assert len(r["loss"]) == r["epochs"] and r["curve_out"][-1] == r["out_accuracy"]
        batch = min(cfg.batch_size, r["n_train"])
        assert r["steps"] == r["epochs"] * -(-r["n_train"] // batch)
        assert r["image_passes"] == r["steps"] * batch
        stopped = r["curve_train"][-1] >= cfg.stop_accuracy
        if r["network"] in cfg.networks and not stopped:   # ran to the step budget
            assert r["steps"] >= cfg.max_steps


def test_a_run_equals_training_the_papers_configuration_directly(quick):
    cfg = fig1.TARGET.quick
    run = next(r for r in quick["runs"] if r["network"] == "mlp" and r["N"] == cfg.Ns[-1])
    n_train = run["n_train"]
    epochs = -(-cfg.max_steps // -(-n_train // min(cfg.batch_size, n_train)))
    direct = training.train_and_evaluate(training.TrainConfig(
        architecture="mlp", N=run["N"], leave_out=run["leave_out"], n_per_class=cfg.n_per_class,
        epochs=epochs, batch_size=cfg.batch_size, learning_rate=1e-3, b1=0.7, b2=0.9,
        order=0, centre=False, input_scale=28.0, stop_accuracy=0.99, seed=cfg.seed,
        mlp_widths=(512, 128), dropout=0.5))
    assert run["out_accuracy"] == direct.out_accuracy and run["in_accuracy"] == direct.in_accuracy
    assert run["train_accuracy"] == direct.train_accuracy
    np.testing.assert_allclose(run["loss"], direct.epoch_losses, rtol=1e-12)


def _fake(per_N, networks=("mlp", "cnn"), probe=("vit",), train=1.0, Ns=(2, 8, 64)):
    """Results with accuracies ``per_N[N] = (in, out)`` for every class and network."""
    cfg = dataclasses.asdict(dataclasses.replace(fig1.TARGET.full, Ns=Ns))
    rng = np.random.default_rng(0)
    runs = []
    for net in networks + probe:
        for N in (Ns if net in networks else (8,)):
            for c in range(10):
                inside, out = per_N[N]
                jitter = rng.uniform(-0.02, 0.02, 2)
                runs.append({"network": net, "N": N, "leave_out": c, "n_train": 100, "n_in": 10,
                             "n_out": 30, "epochs": 2, "steps": 10, "image_passes": 1280,
                             "train_accuracy": train if net in networks else 0.3,
                             "in_accuracy": inside + jitter[0], "out_accuracy": out + jitter[1],
                             "loss": [1.0, 0.5], "curve_train": [0.1, 0.5, train],
                             "curve_in": [0.1, 0.4, inside], "curve_out": [0.0, 0.1, out],
                             "seconds": 1.0 if net in networks else 10.0})
    return {"fig1": {"config": cfg, "runs": runs, "quick": False}}


def _verdicts(results):
    return {c.key: c.evaluate(results) for c in fig1.TARGET.claims}


def test_claims_hold_on_a_paper_like_result():
    outcomes = _verdicts(_fake({2: (0.9, 0.05), 8: (0.92, 0.2), 64: (0.97, 0.96)}))
    for net in ("mlp", "cnn"):
        for claim in ("gap", "rises", "success"):
            assert outcomes[f"fig1-{claim}-{net}"].verdict == "holds", (claim, net)
        assert "in − out" in outcomes[f"fig1-gap-{net}"].ours
    for claim in ("gap", "rises", "success"):
        outcome = outcomes[f"fig1-{claim}-vit"]
        assert outcome.verdict == "cannot be tested here"
        assert "ms per training image" in outcome.note


def test_claims_do_not_hold_when_the_out_test_tracks_the_in_test():
    outcomes = _verdicts(_fake({2: (0.9, 0.88), 8: (0.92, 0.91), 64: (0.97, 0.6)}))
    for net in ("mlp", "cnn"):
        assert outcomes[f"fig1-gap-{net}"].verdict == "does not hold"
        assert outcomes[f"fig1-rises-{net}"].verdict == "does not hold"
        assert outcomes[f"fig1-success-{net}"].verdict == "does not hold"


def test_an_unconverged_network_makes_its_claims_untestable():
    outcomes = _verdicts(_fake({2: (0.9, 0.05), 8: (0.92, 0.2), 64: (0.97, 0.96)}, train=0.9))
    outcome = outcomes["fig1-gap-mlp"]
    assert outcome.verdict == "cannot be tested here"
    assert "10 of 10 networks below 0.95 training accuracy (lowest 0.90" in outcome.note


def test_the_quick_run_evaluates_and_draws(quick):
    for claim in fig1.TARGET.claims:
        assert claim.evaluate({"fig1": quick}).verdict in reproduction.VERDICTS
    fig = reproduction.figure("fig1", quick)
    assert "quick run" in fig.layout.title.text
    names = {t.name for t in fig.data if t.name}
    assert {"training accuracy", "in-test accuracy", "out-test accuracy"} <= names
    assert {"MLP out-test", "ConvNet out-test", "ViT out-test"} <= names
    fake = reproduction.figure("fig1", _fake({2: (0.9, 0.05), 8: (0.92, 0.2), 64: (0.97, 0.96)})
                               ["fig1"])
    assert len(fake.data) > len(fig.data) - 5

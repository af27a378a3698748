"""``ntkviz reproduce``: the quick run of every target end to end (the command a user types), the
claims logic, the strict JSON, ``--replot``, and the shipped full run against the report."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from ntkviz import cli
from ntkviz.reproduction import claims, report, targets

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = report.shipped_dir()


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """``ntkviz reproduce all --quick`` into a fresh folder (PNG included: Chromium is there)."""
    out = tmp_path_factory.mktemp("reproduction")
    assert cli.main(["reproduce", "all", "--quick", "--out", str(out)]) == 0
    return out


def test_quick_run_writes_every_file(quick_run):
    for target in targets.TARGETS:
        data = json.loads((quick_run / f"{target}.json").read_text())
        assert data["target"] == target and data["quick"] is True
        assert data["config"] == json.loads(json.dumps(
            targets.dataclasses.asdict(targets.config(target, quick=True))))
        assert data["wall_time"] > 0
        html = (quick_run / f"{target}.html").read_text()
        assert "plotly.min.js" in html and "Plotly.newPlot" in html
        png = (quick_run / f"{target}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert (quick_run / "plotly.min.js").stat().st_size > 1_000_000
    text = (quick_run / "reproduction.md").read_text()
    assert "not run" not in text
    # only the scale claim is left unchecked by a quick run (10 seeds per class, not 100)
    assert text.count("not checked") == 1 and "smaller than the claim's 32,000" in text
    assert text.count("\n| ") == 3 + 1 + len(claims.CLAIMS) + 1   # two tables with headers
    for target in targets.TARGETS:
        assert f"![{target}]({target}.png)" in text


def test_quick_json_is_strict_and_self_consistent(quick_run):
    fig4 = json.loads((quick_run / "fig4.json").read_text(),
                      parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
    for N, s in fig4["surveys"].items():
        assert s["N"] == int(N) and len(s["eps_exact"]) == s["n_pairs"]
        r = np.corrcoef(s["eps_spectral"], s["eps_exact"])[0, 1]
        assert s["correlation"] == pytest.approx(r, abs=1e-12)
        assert s["mean_abs_difference"] == pytest.approx(
            np.mean(np.abs(np.subtract(s["eps_spectral"], s["eps_exact"]))), abs=1e-15)
    fig1 = json.loads((quick_run / "fig1.json").read_text())
    for net in fig1["networks"].values():
        assert net["in_accuracy"] == pytest.approx(np.mean(net["in_per_class"], axis=1).tolist())
    fig6 = json.loads((quick_run / "fig6.json").read_text())
    assert len(fig6["agreement"]["eps_exact"]) == len(fig6["config"]["Ns"])
    assert [b["N"] for b in fig6["block"]] == list(fig6["config"]["block_Ns"])


def test_quick_numbers_equal_direct_calls(quick_run):
    """Each stored number is what the experiment functions give when called directly."""
    from ntkviz.experiments import multiclass, survey, training

    fig4 = json.loads((quick_run / "fig4.json").read_text())
    cfg = targets.config("fig4", quick=True)
    direct = survey.pair_survey(cfg.architecture, "rotate", cfg.main_N, cfg.n_pairs, seed=cfg.seed)
    np.testing.assert_array_equal(fig4["surveys"][str(cfg.main_N)]["eps_exact"], direct.eps_exact)
    fig1 = json.loads((quick_run / "fig1.json").read_text())
    c1 = targets.config("fig1", quick=True)
    run = training.TrainConfig(architecture="mlp", N=c1.Ns[0], leave_out=c1.leave_out_classes[0],
                               n_per_class=c1.n_per_class, batch_size=c1.batch_size,
                               seed=c1.seed, epochs=fig1["networks"]["mlp"]["epochs"][0])
    result = training.train_and_evaluate(run)
    assert fig1["networks"]["mlp"]["in_per_class"][0][0] == result.in_accuracy
    assert fig1["networks"]["mlp"]["out_per_class"][0][0] == result.out_accuracy
    fig6 = json.loads((quick_run / "fig6.json").read_text())
    c6 = targets.config("fig6", quick=True)
    spectral = multiclass.spectral_accuracy(c6.seeds_per_class, c6.Ns[0], "rotate",
                                            c6.architecture, seed=c6.seed)
    assert fig6["spectral"]["accuracy"][0] == spectral.accuracy


def test_epochs_give_the_step_budget():
    assert targets._epochs(300, 128, 1000) == math.ceil(300 / 7)
    assert targets._epochs(300, 128, 100_000) == 1
    assert targets._epochs(10, 128, 50) == 10   # batch clipped to the 50 images


def test_to_json_is_strict():
    out = targets.to_json({"a": np.array([1.0, np.nan, np.inf]), "b": np.int64(3),
                           "c": (np.float32(0.5), np.bool_(True)), 4: [np.array([[1, 2]])]})
    assert out == {"a": [1.0, None, None], "b": 3, "c": [0.5, True], "4": [[[1, 2]]]}
    json.dumps(out, allow_nan=False)


def _fig1(in_acc, out_acc, spectral):
    nets = {k: {"in_accuracy": in_acc, "out_accuracy": out_acc} for k in ("mlp", "cnn", "vit")}
    return {"config": {"Ns": [4, 8, 16, 32]}, "networks": nets,
            "spectral": {"accuracy": spectral}}


def test_claims_follow_their_criteria():
    by_id = {c.evaluate.__name__: c for c in claims.CLAIMS}
    good = _fig1([0.9] * 4, [0.2, 0.3, 0.6, 0.9], [0.1, 0.2, 0.5, 1.0])
    assert by_id["_out_below_in"].evaluate(good)[1] is True
    assert by_id["_out_rises"].evaluate(good)[1] is True
    assert by_id["_spectral_mirrors_trained"].evaluate(good)[1] is True
    bad = _fig1([0.9] * 4, [0.95, 0.3, 0.2, 0.1], [0.1, 0.2, 0.5, 1.0])
    assert by_id["_out_below_in"].evaluate(bad)[1] is True      # N = 8: 0.3 < 0.9
    assert by_id["_out_rises"].evaluate(bad)[1] is False
    assert by_id["_spectral_mirrors_trained"].evaluate(bad)[1] is False
    verdicts = claims.check({"fig1": good})
    assert [v.holds for v in verdicts if v.claim.target != "fig1"] == [None] * 10
    assert all(v.holds for v in verdicts if v.claim.target == "fig1")


def test_replot_computes_nothing(quick_run, tmp_path, monkeypatch):
    for target in targets.TARGETS:
        (tmp_path / f"{target}.json").write_text((quick_run / f"{target}.json").read_text())

    def forbidden(*args, **kwargs):
        raise AssertionError("--replot must not compute")

    monkeypatch.setattr(targets, "run", forbidden)
    assert cli.main(["reproduce", "all", "--replot", "--no-png", "--out", str(tmp_path),
                     "--report", str(tmp_path / "docs" / "r.md")]) == 0
    assert (tmp_path / "fig6.html").exists() and not (tmp_path / "fig6.png").exists()
    text = (tmp_path / "docs" / "r.md").read_text()
    assert "](../fig4.json)" in text and "](../fig4.png)" not in text   # relative links


def test_bad_arguments_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["reproduce", "fig2"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'fig2'" in capsys.readouterr().err
    assert cli.main(["reproduce", "fig4", "--replot", "--out", str(tmp_path)]) == 2
    assert "--replot needs fig4.json" in capsys.readouterr().err
    with pytest.raises(ValueError, match="target must be one of"):
        targets.config("fig5")


# --------------------------------------------------------------------------- the shipped run


def test_shipped_full_run_is_complete_and_checked():
    results = report.load_results(SHIPPED)
    assert set(results) == set(targets.TARGETS)
    for target, data in results.items():
        assert data["quick"] is False
        assert data["config"] == json.loads(json.dumps(
            targets.dataclasses.asdict(targets.config(target))))
        assert (SHIPPED / f"{target}.png").exists()
    assert all(v.holds is not None for v in claims.check(results))


def test_docs_report_matches_the_shipped_numbers(tmp_path):
    """docs/reproduction.md is what the command writes from the shipped JSON (date aside)."""
    fresh = report.write_report(SHIPPED, tmp_path / "docs" / "reproduction.md").read_text()
    shipped = (ROOT / "docs" / "reproduction.md").read_text()

    def comparable(text: str) -> list[str]:   # links differ only by the folder they start from
        return [re.sub(r"\]\([^)]*/([^/)]+)\)", r"](\1)", line) for line in text.splitlines()
                if not line.startswith("Generated by")]

    assert comparable(fresh) == comparable(shipped)


def test_shipped_numbers_recompute():
    """A full-size survey and the block-circulant accuracy recompute to the shipped values."""
    from ntkviz.experiments import multiclass, survey

    fig4 = report.load_results(SHIPPED)["fig4"]
    cfg = targets.config("fig4")
    direct = survey.pair_survey(cfg.architecture, "rotate", cfg.main_N, cfg.n_pairs, seed=cfg.seed)
    stored = fig4["surveys"][str(cfg.main_N)]
    np.testing.assert_allclose(stored["eps_spectral"], direct.eps_spectral, rtol=1e-10)
    np.testing.assert_allclose(stored["eps_exact"], direct.eps_exact, rtol=1e-8, atol=1e-12)
    fig6 = report.load_results(SHIPPED)["fig6"]
    c6 = targets.config("fig6")
    block = fig6["block"][0]
    again = multiclass.exact_accuracy(c6.block_seeds_per_class, block["N"], "shift",
                                      c6.architecture, seed=c6.seed, solver="block")
    assert again.accuracy == pytest.approx(block["accuracy"], abs=1e-12)


def test_training_runs_resume_from_the_runs_folder(tmp_path, monkeypatch):
    """A stopped long run restarts where it stopped: kept training runs are not retrained."""
    from ntkviz.experiments import training

    cfg = targets.Fig1Config(Ns=(4,), networks=("mlp",), leave_out_classes=(0, 1), n_per_class=5,
                             steps=5, spectral_seeds_per_class=1)
    first = targets.run_fig1(cfg, runs_dir=tmp_path)
    assert len(list(tmp_path.glob("train-*.json"))) == 2
    monkeypatch.setattr(training, "train_and_evaluate",
                        lambda *args, **kwargs: pytest.fail("a kept run was retrained"))
    again = targets.run_fig1(cfg, runs_dir=tmp_path)
    assert targets.to_json(again["networks"]) == targets.to_json(first["networks"])
    assert again["wall_time"] >= first["networks"]["mlp"]["wall_time"]

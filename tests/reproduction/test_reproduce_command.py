"""``ntkviz reproduce``: the quick run of every target end to end (the command a user types), the
claims report, ``--replot`` and ``--resume``, checkpoints, and the shipped full run against
docs/reproduction.md and docs/reproducing.md."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from ntkviz import cli, reproduction
from ntkviz.reproduction import base, registry, report

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = report.shipped_dir()
DATE = re.compile(r"on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def test_quick_run_writes_every_file_and_every_claim(quick_run):
    for name in reproduction.TARGETS:
        data = json.loads((quick_run / f"{name}.json").read_text(),
                          parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
        t = reproduction.target(name)
        assert data["target"] == name and data["quick"] is True and data["paper"] == t.paper
        assert data["config"] == base.to_json(dataclasses.asdict(t.quick)) and data["wall_time"] > 0
        html = (quick_run / f"{name}.html").read_text()
        assert "plotly.min.js" in html and "Plotly.newPlot" in html
        assert (quick_run / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (quick_run / "reproduction.md").read_text()
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \| ", line)]
    assert len(rows) == len(reproduction.claims())
    assert not [row for row in rows if "| not run" in row]
    for name in reproduction.TARGETS:
        assert f"![{name}]({name}.png)" in text and f"### {name}" in text


def test_claims_are_the_papers_and_cover_all_four(quick_run):
    claims = reproduction.claims()
    assert len(claims) >= 25 and len({c.key for c in claims}) == len(claims)
    assert {c.paper for c in claims} == set(reproduction.PAPERS)
    for c in claims:
        assert c.where and c.statement and c.criterion
        assert set(c.needs) <= set(reproduction.TARGETS)
    verdicts = reproduction.check(reproduction.load_results(quick_run))
    assert all(v.outcome is not None and v.outcome.verdict in base.VERDICTS for v in verdicts)


def test_replot_computes_nothing(quick_run, tmp_path, monkeypatch):
    for path in quick_run.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    monkeypatch.setattr(registry, "run", lambda *a, **k: pytest.fail("--replot computed"))
    assert cli.main(["reproduce", "all", "--replot", "--out", str(tmp_path), "--no-png"]) == 0
    assert (tmp_path / "circle.html").exists() and (tmp_path / "reproduction.md").exists()


def test_resume_keeps_targets_with_the_same_configuration(quick_run, tmp_path, monkeypatch):
    for path in quick_run.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    ran = []
    real = registry.run
    monkeypatch.setattr(registry, "run", lambda name, *a, **k: ran.append(name) or real(name, *a, **k))
    assert cli.main(["reproduce", "all", "--quick", "--resume", "--out", str(tmp_path),
                     "--no-png"]) == 0
    assert ran == []
    stale = json.loads((tmp_path / "circle.json").read_text())
    stale["config"]["ridge"] = 0.5
    (tmp_path / "circle.json").write_text(json.dumps(stale))
    assert cli.main(["reproduce", "circle", "--quick", "--resume", "--out", str(tmp_path),
                     "--no-png"]) == 0
    assert ran == ["circle"]


def test_checkpoints_resume_a_part_with_the_same_key(tmp_path):
    calls = []
    store = base.Checkpoints(tmp_path)
    assert store.get(("net", 8), lambda: calls.append(1) or {"accuracy": 0.5}) == {"accuracy": 0.5}
    again = base.Checkpoints(tmp_path)
    assert again.get(("net", 8), lambda: pytest.fail("recomputed")) == {"accuracy": 0.5}
    assert again.get(("net", 16), lambda: {"accuracy": float("nan")}) == {"accuracy": None}
    assert calls == [1] and again.resumed_seconds >= 0


def test_bad_arguments_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "fig9"])
    assert "invalid choice" in capsys.readouterr().err
    assert cli.main(["reproduce", "circle", "--replot", "--out", str(tmp_path), "--no-png"]) == 2
    assert "--replot needs circle.json" in capsys.readouterr().err
    with pytest.raises(ValueError, match="name must be one of"):
        reproduction.target("fig9")


def test_shipped_full_run_is_complete():
    shipped = reproduction.load_results(SHIPPED)
    assert set(shipped) == set(reproduction.TARGETS)
    for name, data in shipped.items():
        assert data["quick"] is False
        assert data["config"] == base.to_json(dataclasses.asdict(reproduction.target(name).full)), name
    assert all(v.outcome is not None for v in reproduction.check(shipped))


def test_docs_report_is_the_shipped_runs_report(tmp_path):
    regenerated = report.write_report(SHIPPED, ROOT / "docs" / "_check_reproduction.md")
    try:
        text = regenerated.read_text()
    finally:
        regenerated.unlink()
    assert DATE.sub("", text) == DATE.sub("", (ROOT / "docs" / "reproduction.md").read_text())


def test_reproducing_page_states_the_reports_claim_count():
    verdicts = reproduction.check(reproduction.load_results(SHIPPED))
    counts = {v: sum(x.outcome.verdict == v for x in verdicts) for v in base.VERDICTS}
    page = (ROOT / "docs" / "reproducing.md").read_text()
    assert f"{len(verdicts)} claims" in page
    for verdict, count in counts.items():
        assert f"{count} {verdict}" in page, (verdict, count)

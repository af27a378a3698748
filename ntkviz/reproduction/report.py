"""Files written by ``ntkviz reproduce``: per target ``<target>.json`` (the numbers),
``<target>.html`` (the interactive plotly figure) and ``<target>.png``; and the Markdown report
(one table of claims per paper, then each target's figure, protocol and deviations), rebuilt
from every JSON in the folder."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import importlib
import json
import os
from collections import Counter
from pathlib import Path

from .._validate import check_path
from .base import FAILS, HOLDS, UNTESTABLE, VERDICTS, Claim, Outcome
from .papers import PAPERS
from .registry import TARGETS, claims, target

__all__ = ["Verdict", "check", "figure", "write_target", "load_results", "write_report",
           "png_export_problem", "shipped_dir"]


def shipped_dir() -> Path:
    """The full run shipped with the package (``data/results/reproduction``), written by
    ``make reproduce``."""
    from ..datasets import bundled_data_dir

    return bundled_data_dir() / "results" / "reproduction"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A claim and its outcome (``None``: a target it needs was not run)."""

    claim: Claim
    outcome: Outcome | None


def check(results: dict[str, dict]) -> list[Verdict]:
    """One verdict per claim; ``results`` maps target names to their JSON numbers."""
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict of target → numbers, got {type(results).__name__}")
    verdicts = []
    for claim in claims():
        if not all(name in results for name in claim.needs):
            verdicts.append(Verdict(claim, None))
            continue
        try:
            outcome = claim.evaluate({name: results[name] for name in claim.needs})
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise ValueError(f"results of {', '.join(claim.needs)} do not hold the numbers "
                             f"claim {claim.key!r} reads ({type(error).__name__}: {error})") from None
        verdicts.append(Verdict(claim, outcome))
    return verdicts


def figure(name: str, data: dict):
    """The plotly figure of target ``name`` drawn from its JSON numbers (no computation)."""
    module, function = target(name).figure.split(":")
    if not isinstance(data, dict):
        raise TypeError(f"data must be the dict of run({name!r}) numbers, got {type(data).__name__}")
    draw = getattr(importlib.import_module(module), function)
    try:
        return draw(data)
    except (KeyError, IndexError, AttributeError) as error:  # a dict without the run's numbers
        raise ValueError(f"data does not hold the numbers of run({name!r}): missing {error}") from None


def png_export_problem() -> str | None:
    """``None`` if PNG export works here, else why not (kaleido drives a Chrome/Chromium)."""
    import plotly.graph_objects as go

    try:
        go.Figure(go.Scatter(x=[0, 1], y=[0, 1])).to_image(format="png", width=50, height=50)
    except Exception as error:  # kaleido missing, or no browser it can start
        return (f"PNG export failed ({type(error).__name__}: {str(error).strip()[:200]}); it "
                "needs kaleido and a Chrome or Chromium browser (Debian: apt-get install "
                "chromium). Use --no-png to write only the JSON and HTML.")
    return None


def write_target(name: str, data: dict, out_dir, png: bool = True) -> dict[str, Path]:
    """Write ``<name>.json``, ``.html`` and (if ``png``) ``.png`` into ``out_dir``."""
    fig = figure(name, data)
    out_dir = check_path("out_dir", out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{name}.json", "html": out_dir / f"{name}.html"}
    paths["json"].write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    fig.write_html(str(paths["html"]), include_plotlyjs="directory", full_html=True)
    if png:
        paths["png"] = out_dir / f"{name}.png"
        fig.write_image(paths["png"], scale=1.5)
    return paths


def load_results(out_dir) -> dict[str, dict]:
    """Every ``<target>.json`` present in ``out_dir``, by target."""
    out_dir = check_path("out_dir", out_dir)
    found = {}
    for name in TARGETS:
        path = out_dir / f"{name}.json"
        if path.exists():
            try:
                found[name] = json.loads(path.read_text())
            except ValueError as error:  # not JSON (or not UTF-8)
                raise ValueError(f"out_dir holds an unreadable {path.name}: {error}") from None
            if not isinstance(found[name], dict):
                raise ValueError(f"out_dir holds {path.name} without a JSON object of numbers")
    return found


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _verdict(outcome: Outcome | None) -> str:
    if outcome is None:
        return "not run"
    shown = {HOLDS: "holds", FAILS: "**does not hold**", UNTESTABLE: "*cannot be tested here*"}
    return shown[outcome.verdict] + (f": {outcome.note}" if outcome.note else "")


def _summary(verdicts: list[Verdict]) -> list[str]:
    lines = ["| paper | claims | " + " | ".join(VERDICTS) + " | not run |",
             "|---|---|" + "---|" * (len(VERDICTS) + 1)]
    for key, paper in PAPERS.items():
        mine = [v for v in verdicts if v.claim.paper == key]
        counts = Counter(v.outcome.verdict if v.outcome else None for v in mine)
        lines.append(f"| [{paper.cite}]({paper.url}) | {len(mine)} | "
                     + " | ".join(str(counts[v]) for v in VERDICTS) + f" | {counts[None]} |")
    return lines


def _claims_table(verdicts: list[Verdict], first: int) -> list[str]:
    lines = ["| # | where | the paper's claim (paraphrased) | criterion, fixed before the run "
             "| ours (95% interval) | verdict |", "|---|---|---|---|---|---|"]
    for i, v in enumerate(verdicts, first):
        c = v.claim
        where = f"[{_cell(c.where)}](#{c.needs[0].replace('_', '-')})"
        ours = v.outcome.ours if v.outcome else "—"
        lines.append(f"| {i} | {where} | {_cell(c.statement)} | {_cell(c.criterion)} | "
                     f"{_cell(ours)} | {_cell(_verdict(v.outcome))} |")
    return lines


def _target_section(name: str, data: dict, out_dir: Path, rel: Path) -> list[str]:
    t = target(name)
    lines = ["", f"### {name}", "", f"**{t.title}** ({PAPERS[t.paper].cite}). {t.description}", ""]
    if (out_dir / f"{name}.png").exists():
        lines += [f"![{name}]({(rel / f'{name}.png').as_posix()})", ""]
    lines += [f"**The paper's protocol.** {t.protocol.paper}", "",
              f"**Ours{' (quick run)' if data['quick'] else ''}.** {t.protocol.ours}", ""]
    if t.protocol.deviations:
        lines += ["**Deviations and why.**", ""]
        lines += [f"- {d.what} — {d.why}" for d in t.protocol.deviations]
        lines.append("")
    settings = ", ".join(f"{k} = {v}" for k, v in data["config"].items())
    lines.append(f"Settings: {settings}. Wall time: {data['wall_time']:.0f} s. Numbers: "
                 f"[{name}.json]({(rel / f'{name}.json').as_posix()}); the interactive figure is "
                 f"`{name}.html` (`ntkviz reproduce {name} --replot --out <folder>` redraws it).")
    return lines


def write_report(out_dir, report_path) -> Path:
    """The Markdown report: how it was made, the claims per paper, each target's figure,
    protocol and deviations."""
    out_dir, report_path = check_path("out_dir", out_dir), check_path("report_path", report_path)
    if report_path.is_dir():   # said before the claims are checked (seconds), not after
        raise IsADirectoryError(f"report_path must be a file to write, got the folder "
                                f"{report_path}")
    results = load_results(out_dir)
    verdicts = check(results)
    rel = Path(os.path.relpath(out_dir.resolve(), report_path.resolve().parent))
    lines = [
        "# Reproduction of the papers' claims",
        "",
        f"Generated by `ntkviz reproduce` on {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} "
        f"UTC from the JSON files in `{rel.as_posix()}/`; rerun it to regenerate this page. "
        "Every row is a claim one of the papers makes, paraphrased and cited at its place. Each "
        "criterion was fixed before the run; where a paper gives no number, the criterion says "
        "so and takes the weakest reading of its words, and our number is reported with its 95% "
        "bootstrap interval rather than against an invented pass mark. A claim whose "
        "precondition is not met here (e.g. a network that did not reach the training accuracy "
        "the claim presumes) is reported as *cannot be tested here*, with the reason. Each "
        "target's protocol, ours, and every deviation with its reason are given below the tables.",
        "",
        *_summary(verdicts),
        "",
        "| target | paper | run | wall time |",
        "|---|---|---|---|",
    ]
    for name in TARGETS:
        paper = PAPERS[target(name).paper]
        run = ("quick (`--quick`)" if results[name]["quick"] else "full") if name in results else "not run"
        wall = f"{results[name]['wall_time']:.0f} s" if name in results else "—"
        lines.append(f"| [{name}](#{name.replace('_', '-')}) | {paper.short} | {run} | {wall} |")
    lines += ["", "## Claims"]
    first = 1
    for key, paper in PAPERS.items():
        mine = [v for v in verdicts if v.claim.paper == key]
        lines += ["", f"### [{paper.title}]({paper.url})", "",
                  f"{paper.authors}, arXiv:{paper.arxiv}.", "", *_claims_table(mine, first)]
        first += len(mine)
    lines += ["", "## Targets"]
    for name in TARGETS:
        if name in results:
            lines += _target_section(name, results[name], out_dir, rel)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text("\n".join(lines) + "\n")
    return report_path

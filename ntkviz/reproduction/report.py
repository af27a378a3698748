"""Files written by ``ntkviz reproduce``: per target ``<target>.json`` (the numbers),
``<target>.html`` (the interactive plotly figure) and ``<target>.png``; and the Markdown report
(the claims table of ``claims`` and the figures), rebuilt from every JSON in the folder."""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

from .._validate import check_choice
from . import claims as _claims
from .targets import TARGETS


def _check_data(target, data) -> None:
    check_choice("target", target, TARGETS)
    if not isinstance(data, dict):
        raise TypeError(f"data must be the dict of run({target!r}) numbers, got {type(data).__name__}")


def _folder(name: str, value) -> Path:
    if not isinstance(value, (str, os.PathLike)) or not str(value) or "\x00" in str(value):
        raise TypeError(f"{name} must be a non-empty str or path-like object, got {value!r}")
    return Path(value)

__all__ = ["write_target", "load_results", "write_report", "png_export_problem", "figure",
           "shipped_dir"]


def shipped_dir() -> Path:
    """The full run shipped with the package (``data/results/reproduction``), written by
    ``make reproduce``."""
    from ..datasets import bundled_data_dir

    return bundled_data_dir() / "results" / "reproduction"

_DESCRIPTIONS = {
    "fig1": "Trained MLP, CNN and ViT (equinox + optax Adam) on rotated MNIST with the upright "
            "digits of each leave-out class held out: in-test (random 10 % of the rest) against "
            "out-test (the held-out upright digits) accuracy, averaged over leave-out classes; "
            "the dotted curve is the spectral one-versus-many accuracy of the MLP NTK.",
    "fig4": "Pairs of digit orbits under rotation (MLP NTK): spectral error of the circularised "
            "kernel against the exact symmetrised GP error, the agreement against N, and the "
            "geometry (λ_N against Δ², ⟨λ⁻¹⟩ against 1/r); the GAP CNN on cyclic-shift orbits and "
            "the C4 group CNN on quarter-turn orbits (exact errors of every pair).",
    "fig6": "A: two random classes with several seeds each, pair-averaged spectral error against "
            "the exact error. B: ten classes, one versus many — spectral accuracy, the exact GP "
            "classifier on the same orbits and a trained MLP on the same digits; right: the exact "
            "GP classifier on cyclic shifts at 100 seeds per class by the block-circulant solver.",
}


def figure(target: str, data: dict):
    """The plotly figure of a target's numbers."""
    from ..plots.reproduction import FIGURES

    _check_data(target, data)
    try:
        return FIGURES[target](data)
    except (KeyError, IndexError, AttributeError) as error:  # a dict without the run's numbers
        raise ValueError(f"data does not hold the numbers of run({target!r}): missing {error}") from None


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


def write_target(target: str, data: dict, out_dir, png: bool = True) -> dict[str, Path]:
    """Write ``<target>.json``, ``.html`` and (if ``png``) ``.png`` into ``out_dir``."""
    _check_data(target, data)
    out_dir = _folder("out_dir", out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{target}.json", "html": out_dir / f"{target}.html"}
    paths["json"].write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    fig = figure(target, data)
    fig.write_html(str(paths["html"]), include_plotlyjs="directory", full_html=True)
    if png:
        paths["png"] = out_dir / f"{target}.png"
        fig.write_image(paths["png"], scale=1.5)
    return paths


def load_results(out_dir) -> dict[str, dict]:
    """Every ``<target>.json`` present in ``out_dir``, by target."""
    out_dir = _folder("out_dir", out_dir)
    found = {}
    for target in TARGETS:
        path = out_dir / f"{target}.json"
        if path.exists():
            try:
                found[target] = json.loads(path.read_text())
            except ValueError as error:  # not JSON (or not UTF-8)
                raise ValueError(f"out_dir holds an unreadable {path.name}: {error}") from None
            if not isinstance(found[target], dict):
                raise ValueError(f"out_dir holds {path.name} without a JSON object of numbers")
    return found


def _mark(holds: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not checked"}[holds]


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def write_report(out_dir, report_path) -> Path:
    """The Markdown report: how it was made, the claims table, each figure with its settings."""
    out_dir, report_path = _folder("out_dir", out_dir), _folder("report_path", report_path)
    results = load_results(out_dir)
    verdicts = _claims.check(results)
    rel = Path(os.path.relpath(out_dir.resolve(), report_path.resolve().parent))
    lines = [
        "# Reproduction of the paper's quantitative results",
        "",
        "Generated by `ntkviz reproduce` on "
        f"{_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC from the JSON files in "
        f"`{rel.as_posix()}/`; rerun it to regenerate this page. All numbers use the bundled "
        "MNIST test set (seed 001 is the source paper; THEORY.md §3 the definitions).",
        "",
        "| target | run | wall time |",
        "|---|---|---|",
    ]
    for target in TARGETS:
        if target in results:
            d = results[target]
            lines.append(f"| {target} | {'quick (`--quick`)' if d['quick'] else 'full'} | "
                         f"{d['wall_time']:.0f} s |")
        else:
            lines.append(f"| {target} | not run | — |")
    held = sum(v.holds is True for v in verdicts)
    checked = sum(v.holds is not None for v in verdicts)
    lines += [
        "",
        "## Claims checked",
        "",
        f"{held} of {checked} checked claims hold.",
        "",
        "| # | paper | claim | criterion | our number | holds |",
        "|---|---|---|---|---|---|",
    ]
    for i, v in enumerate(verdicts, 1):
        c = v.claim
        lines.append(f"| {i} | {c.where} ({c.target}) | {_escape(c.statement)} | "
                     f"{_escape(c.criterion)} | {_escape(v.ours)} | {_mark(v.holds)} |")
    for target in TARGETS:
        if target not in results:
            continue
        d = results[target]
        lines += ["", f"## {target}", "", _DESCRIPTIONS[target], ""]
        png = out_dir / f"{target}.png"
        if png.exists():
            lines.append(f"![{target}]({(rel / png.name).as_posix()})")
            lines.append("")
        lines.append(f"Numbers: [{target}.json]({(rel / f'{target}.json').as_posix()}). The "
                     f"interactive figure is `{target}.html` in the same folder (with the "
                     "`plotly.min.js` it loads; the repository keeps only JSON and PNG, and "
                     f"`ntkviz reproduce {target} --replot --out <folder>` redraws it in seconds).")
        settings = ", ".join(f"{k} = {v}" for k, v in d["config"].items())
        lines += ["", f"Settings: {settings}."]
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text("\n".join(lines) + "\n")
    return report_path

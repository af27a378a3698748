"""``PairSurvey``: spectral against exact error over many random digit pairs, live
(arXiv 2412.11521, Fig. 4B, D, E and Fig. 5; docs/theory.md#pair-surveys).

The survey takes its setting (architecture, action, N, NTK/NNGP) from an ``OrbitExplorer`` (or
its own defaults), runs ``experiments.survey.pair_survey`` with a progress bar and shows three
scatters in one figure: spectral vs exact error with the diagonal, ``λ_N`` against the
orbit separation ``Δ²`` and ``⟨λ⁻¹⟩`` against the orbit density ``1/r``. Clicking a point (or
``select_pair(index)``) loads that pair into the orbit explorer and rings it in every scatter.
Nothing is computed until "Run survey" is pressed: the survey has no controls that redraw. At
the setting whose survey ships with the package (``experiments.survey.SHIPPED``, the defaults)
it opens on that survey, so the tab never opens empty there.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from .. import plots
from ..experiments import orbits, survey
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Explorer
from .throttle import guarded

__all__ = ["PairSurvey", "PANELS", "BUDGET_SECONDS", "estimated_seconds"]

#: Panel name → (row, column) in the survey's figure.
PANELS = {"errors": (1, 1), "separation": (1, 2), "density": (1, 3)}

#: A survey estimated to take longer than this (on the machine the estimate was measured on)
#: is refused with a note instead of blocking the page: a button press must answer in seconds.
BUDGET_SECONDS = 30.0
#: Seconds per kernel entry of one pair's ``(2N)²`` kernel, by architecture, measured on the
#: 2-core development machine (``pair_survey`` with 4 pairs after a compile, NTK; NNGP is
#: cheaper): the pixel-pair kernels (GAP, group pooling) cost 10–20× the others. The orbit
#: average also grows with N (it averages N transformed copies); unknown architectures are
#: costed like the dearest.
_SECONDS_PER_ENTRY = {"mlp1": 2e-5, "mlp5": 2e-5, "cnn_flatten": 4e-5, "cnn_gap": 3.5e-4,
                      "gcnn": 4e-4}
_SECONDS_PER_ENTRY_AND_N = {"orbit_mlp": 3e-6}
_SECONDS_PER_PAIR = 0.02
#: The traces of each scatter that hold the pairs (their customdata[0] is the pair's index).
_POINTS = ("correct sign", "misclassified (wrong sign)")
#: A scatter before the first survey: no pairs, an undefined correlation.
_EMPTY = (np.zeros(0), np.zeros(0), np.zeros((0, 4), dtype=int), float("nan"))
_C = plots.COLORS


def estimated_seconds(architecture: str, N: int, n_pairs: int) -> float:
    """A rough (conservative) estimate of the run time of ``survey.pair_survey`` here."""
    entries = (2 * N) ** 2
    if architecture in _SECONDS_PER_ENTRY_AND_N:
        per_entry = _SECONDS_PER_ENTRY_AND_N[architecture] * N
    else:
        per_entry = _SECONDS_PER_ENTRY.get(architecture, max(_SECONDS_PER_ENTRY.values()))
    return n_pairs * (_SECONDS_PER_PAIR + per_entry * entries)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


@dataclasses.dataclass(frozen=True)
class _View:
    """What the survey shows: a result (None before the first run) and the selected pair."""

    result: survey.SurveyResult | None
    selected: int | None


class PairSurvey(Explorer):
    """Spectral vs exact error over random digit pairs, with the geometry of Fig. 4D–E.

    Parameters
    ----------
    orbit_explorer : an ``OrbitExplorer`` whose setting the survey uses and into which a clicked
        pair is loaded, or None (then ``architecture``, ``action``, ``N``, ``kind`` are used)
    n_pairs : initial number of pairs (16…512);  seed : the pairs are reproducible from it
    on_pair_selected : optional ``callable(index, a, b)`` called after a pair is selected (the
        dashboard switches tabs with it)
    run : run the survey at once (otherwise press "Run survey" or call ``run()``)

    Attributes
    ----------
    widget : the top-level container;  result : the ``SurveyResult`` shown (None before a run)
    figure : the ``go.Figure`` with three panels (``traces(name)``, names as in ``PANELS``)
    selected : index of the selected pair or None
    """

    PANELS = PANELS
    FIGURE = dict(rows=1, cols=3, height=480, horizontal_spacing=0.08)
    LEGEND = (
        (f'<span style="color:{_C["neutral"]}">●</span>',
         "pair whose exact left-out predictions have the right sign"),
        (f'<span style="color:{_C["accent"]}">✖</span>', "misclassified pair (a wrong sign)"),
        (f'<span style="color:{_C["missing"]}">◯</span>', "selected pair"),
        ('<span style="color:#999">- -</span>', "spectral = exact"),
    )
    MAIN_PANEL = "errors"
    EXPLANATION = EXPLANATIONS["survey"]
    CSS = "ntkviz-survey-explorer"
    MESSAGE = "Could not run the survey"

    def __init__(self, orbit_explorer=None, n_pairs: int = 128, *, architecture: str = "mlp1",
                 action: str = "rotate", N: int = 8, kind: str = "ntk", seed: int = 0,
                 on_pair_selected: Callable | None = None, run: bool = False):
        # a wrong type or name fails here, by name, not inside a redraw (an N the action does
        # not allow is shown by run(), in the message line)
        checked = orbits.PARAMS.check(architecture=architecture, action=action, kind=kind,
                                      n_pairs=n_pairs, seed=seed)
        self.orbit_explorer = orbit_explorer
        self.on_pair_selected = on_pair_selected
        self.defaults = dict(architecture=architecture, action=action, N=N, kind=kind)
        self.seed = checked["seed"]
        self.result = self.selected = None
        self.n_pairs_slider = W.IntSlider(value=checked["n_pairs"], min=16, max=512, step=16,
                                          description="pairs", continuous_update=False,
                                          style={"description_width": "60px"},
                                          layout=W.Layout(width="100%"))
        self.run_button = W.Button(description="Run survey", icon="play", button_style="primary")
        self.progress = W.IntProgress(value=0, min=0, max=checked["n_pairs"],
                                      layout=W.Layout(width="auto", flex="1 1 auto"))
        self.setting = W.HTML()
        for widget, css in ((self.n_pairs_slider, "ntkviz-n-pairs"),
                            (self.n_pairs_slider, "ntkviz-slider"),
                            (self.run_button, "ntkviz-run-survey"),
                            (self.progress, "ntkviz-progress")):
            widget.add_class(css)
        self.run_button.on_click(lambda _: self.run())
        super().__init__()
        self._show_setting()
        if orbit_explorer is not None and hasattr(orbit_explorer, "observe_state"):
            orbit_explorer.observe_state(lambda _state: self._show_setting())
        if run:
            self.run()
        else:
            self._open_shipped()

    # --- public -------------------------------------------------------------------------------
    def current_setting(self) -> dict:
        """``architecture``, ``action``, ``N``, ``kind``: from the orbit explorer if there is one."""
        if self.orbit_explorer is None:
            return dict(self.defaults)
        s = self.orbit_explorer.state
        return dict(architecture=s.architecture, action=s.action, N=s.N, kind=s.kind)

    def run(self, n_pairs: int | None = None) -> bool:
        """Run the survey (what the button does); returns whether it succeeded.

        ``n_pairs`` moves the slider first. Errors are shown in the message line, never raised.
        """
        try:
            if n_pairs is not None:
                slider = self.n_pairs_slider
                slider.value = dataclasses.replace(orbits.PARAMS["n_pairs"], minimum=slider.min,
                                                   maximum=slider.max).check(n_pairs)
            setting = self.current_setting()
        except Exception as error:  # a widget never raises into the page
            self.message.error(self.MESSAGE, error)
            return False
        total = int(self.n_pairs_slider.value)
        if not self._affordable(setting, total):
            return False
        self._show_setting()
        self.progress.max, self.progress.value, self.progress.bar_style = total, 0, "info"
        self.run_button.disabled = True
        step = max(1, total // 50)

        def progress(done, total_):
            if done == total_ or done % step == 0:
                self.progress.value = done

        self.message.show(f"Computing {total} pairs…")
        try:
            result = survey.pair_survey(n_pairs=total, seed=self.seed, progress=progress,
                                        **setting)
        except Exception as error:  # a widget never raises into the page
            self.progress.bar_style = "danger"
            self.message.error(self.MESSAGE, error)
            return False
        finally:
            self.run_button.disabled = False
        if not self._select(result, None):
            self.progress.bar_style = "danger"
            return False
        self.progress.bar_style = "success"
        self._show_setting()
        return True

    def select_pair(self, index: int) -> bool:
        """Select pair ``index`` (what a click does): ring it, load it into the orbit explorer
        (in the survey's setting) and call ``on_pair_selected(index, a, b)``."""
        try:
            r = self.result
            if r is None:
                raise ValueError("no survey yet: press “Run survey” first")
            a, b = r.pair(index)
            if self.orbit_explorer is not None and not self.orbit_explorer.set(
                    a=a, b=b, action=r.action, N=r.N, architecture=r.architecture, kind=r.kind):
                raise ValueError(f"the orbit explorer could not load pair {index}")
            if not self._select(r, int(index)):
                return False
            if self.on_pair_selected is not None:
                self.on_pair_selected(self.selected, a, b)
        except Exception as error:
            self.message.error("Could not select the pair", error)
            return False
        self.message.show(f"Pair {index}: A = {a[0]} (#{a[1]}), B = {b[0]} (#{b[1]})"
                          + (" — loaded into the orbit explorer."
                             if self.orbit_explorer is not None else "."))
        return True

    # --- the explorer's declarations ----------------------------------------------------------
    def compute(self) -> _View:
        return _View(self.result, self.selected)

    def panels(self, view) -> dict[str, go.Figure]:
        return {"errors": plots.error_scatter(*_EMPTY),
                "separation": plots.separation_scatter(*_EMPTY),
                "density": plots.density_scatter(*_EMPTY)}

    def updates(self, view) -> dict[str, dict]:
        r, selected = view.result, view.selected
        if r is None:
            return {"errors": plots.error_scatter_update(*_EMPTY),
                    "separation": plots.separation_scatter_update(*_EMPTY),
                    "density": plots.density_scatter_update(*_EMPTY)}
        return {
            "errors": plots.error_scatter_update(r.eps_spectral, r.eps_exact, r.pairs,
                                                 r.correlation, r.misclassified, selected),
            "separation": plots.separation_scatter_update(
                r.separation_sq, r.lam_N, r.pairs, r.correlation_lambda_separation,
                r.misclassified, selected),
            "density": plots.density_scatter_update(r.radius, r.mean_inverse, r.pairs,
                                                    r.correlation_inverse_density,
                                                    r.misclassified, selected),
        }

    def readout_text(self, view) -> str:
        r, selected = view.result, view.selected
        if r is None:
            return "No survey yet."
        return (
            f"Pairs: {value_span('ntkviz-survey-pairs', r.n_pairs)} "
            f"(seed {value_span('ntkviz-survey-seed', r.seed)})<br>"
            f"Correlation (Pearson) of spectral and exact error = "
            f"{value_span('ntkviz-correlation', r.correlation)}<br>"
            f"Fraction misclassified (an exact left-out prediction of the wrong sign) = "
            f"{value_span('ntkviz-fraction-misclassified', r.fraction_misclassified)}<br>"
            f"Mean |ε − exact| = {value_span('ntkviz-mean-abs-difference', r.mean_abs_difference)}"
            f"<br>Selected pair: "
            f"{value_span('ntkviz-selected-pair', 'none' if selected is None else selected)}")

    def note(self, view) -> str:
        if view.result is not None and view.result is self._shipped and view.selected is None:
            return ("The survey shipped with ntkviz for this setting; “Run survey” recomputes it. "
                    "Click a point to open that pair in the orbit explorer.")
        if view.result is None:
            return ("Press “Run survey”: each point is one random pair of digits; "
                    "click a point to open that pair in the orbit explorer.")
        if not np.isfinite(view.result.correlation):
            return ("The spectral error is the same for every pair (e.g. ε = 0: the network is "
                    "invariant to the action), so a correlation is undefined.")
        return "Click a point to open that pair in the orbit explorer."

    def extra_controls(self) -> list:
        return [self.setting, self.n_pairs_slider, W.HBox([self.run_button, self.progress])]

    def figure_built(self) -> None:
        self.plot.on_click(self._on_click)

    def finish_figure(self, fig, slices, axes) -> None:
        super().finish_figure(fig, slices, axes)
        fig.update_layout(margin=dict(l=60, r=30, t=60, b=60))

    # --- internals ----------------------------------------------------------------------------
    _shipped = None

    def _open_shipped(self) -> None:
        """Show the shipped survey when it is of the current setting (else stay empty)."""
        shipped = survey.shipped_result(**self.current_setting(), seed=self.seed,
                                        n_pairs=int(self.n_pairs_slider.value))
        if shipped is None:
            return
        self._shipped = shipped
        if self._select(shipped, None):
            self.progress.max = self.progress.value = shipped.n_pairs
            self.progress.bar_style = "success"
            self._show_setting()

    def _select(self, result, selected) -> bool:
        """Show ``result`` with ``selected`` ringed; on a failure the previous view stays."""
        previous = self.result, self.selected
        self.result, self.selected = result, selected
        if not self.refresh():
            self.result, self.selected = previous
            return False
        return True

    def _affordable(self, setting: dict, total: int) -> bool:
        """False (with a note saying what fits) when the survey would block the page too long;
        a survey computed before (cached) is always shown."""
        seconds = estimated_seconds(setting["architecture"], setting["N"], total)
        if seconds <= BUDGET_SECONDS or survey.pair_survey.cached(n_pairs=total, seed=self.seed,
                                                                  **setting):
            return True
        slider = self.n_pairs_slider
        fits = next((n for n in range(slider.max, slider.min - 1, -slider.step)
                     if estimated_seconds(setting["architecture"], setting["N"], n)
                     <= BUDGET_SECONDS), 0)
        advice = (f"choose at most {fits} pairs" if fits else
                  "choose a smaller N or a cheaper architecture in the orbit tab")
        self.message.show(f"Not run: {total} pairs of {setting['architecture']} at N = "
                          f"{setting['N']} would take about {_duration(seconds)} here (the limit "
                          f"is {_duration(BUDGET_SECONDS)}); {advice}.")
        return False

    @guarded("Could not select the pair")
    def _on_click(self, trace_index: int, point: int):
        trace = self.figure.data[trace_index]
        if trace.name in _POINTS and trace.customdata is not None:
            self.select_pair(int(np.asarray(trace.customdata)[point][0]))

    def _show_setting(self):
        s = self.current_setting()
        source = "from the orbit explorer" if self.orbit_explorer is not None else "survey defaults"
        r = self.result
        stale = ""
        if r is not None and (r.architecture, r.action, r.N, r.kind) != (
                s["architecture"], s["action"], s["N"], s["kind"]):
            stale = (f'<br><span class="ntkviz-survey-stale">The survey shown is for '
                     f"{r.architecture}, {r.action}, N = {r.N}, {r.kind.upper()}: press “Run "
                     f"survey” to update.</span>")
        self.setting.value = (
            f'<div class="ntkviz-readout ntkviz-survey-setting" '
            f'data-architecture="{s["architecture"]}" data-action="{s["action"]}" '
            f'data-n="{s["N"]}" data-kind="{s["kind"]}">'
            f'Setting ({source}): <b>{s["architecture"]}</b>, {s["action"]}, N = {s["N"]}, '
            f'{s["kind"].upper()}{stale}</div>')

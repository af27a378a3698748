"""How explorers show numbers and messages: the shared CSS (a layout that follows the screen's
width), readout numbers rounded to what a student needs (the full value on hover), the in-place
message line, the shared legend and the folding "What am I looking at?" explanation."""

from __future__ import annotations

import html
import math
import numbers

import ipywidgets as W

__all__ = ["STYLE", "READOUT_DIGITS", "format_number", "value_span", "MessageLine", "legend_html",
           "explanation_html"]

#: Significant digits a readout shows by default (the full value is in its hover title).
READOUT_DIGITS = 3

STYLE = """<style>
.ntkviz-readout { font-size: 15px; line-height: 1.6; overflow-wrap: break-word; }
.ntkviz-readout .ntkviz-value { font-family: monospace; font-weight: bold; }
.ntkviz-readout .ntkviz-value[title] { cursor: help; text-decoration: underline dotted #595959; }
.ntkviz-message { overflow-wrap: break-word; }
.ntkviz-message-error { color: #b00020; font-weight: bold; }
.ntkviz-message-note { color: #4d4d4d; }
.ntkviz-intro { font-size: 14px; color: #333; margin-bottom: 4px; }
.ntkviz-legend { line-height: 1.6; overflow-wrap: break-word; }
.ntkviz-explain > summary { cursor: pointer; color: #1a5fb4; font-weight: bold; }
.ntkviz-explain > div { margin: 4px 0 6px 0; max-width: 60em; }
/* controls fill their column; a long label wraps instead of being cut */
.ntkviz-side .widget-inline-hbox.ntkviz-control { height: auto; min-height: 28px; max-width: 100%; }
.ntkviz-side .ntkviz-control .widget-label { white-space: normal; overflow: visible;
  text-overflow: clip; line-height: 1.2; height: auto; align-self: center; overflow-wrap: anywhere; }
.ntkviz-side .ntkviz-control .widget-readout { width: auto; min-width: 3.2em; overflow: visible;
  flex: 0 0 auto; }
.ntkviz-side .widget-toggle-buttons .widget-toggle-button { width: auto; min-width: 4em; }
.ntkviz-side .widget-toggle-buttons { flex-wrap: wrap; height: auto; }
.ntkviz-side .widget-button { max-width: 100%; }
.ntkviz-side .widget-text input { min-width: 0; }
.ntkviz-side .widget-text, .ntkviz-side .widget-dropdown { max-width: 100%; }
.ntkviz-side .widget-button, .ntkviz-side .widget-checkbox label { overflow: visible; }
.ntkviz-main .ntkviz-plot { max-width: 100%; }
/* a table under a figure wider than a phone scrolls in its own box, not the page */
.ntkviz-main .widget-html-content { max-width: 100%; overflow-x: auto; }
/* the dashboard: tab names wrap onto more rows instead of shrinking */
.ntkviz-dashboard > .lm-TabBar { height: auto; min-height: 0; overflow: visible; }
.ntkviz-dashboard > .lm-TabBar .lm-TabBar-content { flex-wrap: wrap; height: auto; }
.ntkviz-dashboard > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto; max-width: none;
  min-width: 0; }
.ntkviz-dashboard > .lm-TabBar .lm-TabBar-tabLabel { overflow: visible; text-overflow: clip; }
@media (max-width: 600px) {
  .ntkviz-dashboard > .widget-tab-contents { padding: 8px 4px; }
  .ntkviz-readout { font-size: 14px; }
}
</style>"""


def format_number(value, digits: int = READOUT_DIGITS) -> str:
    """``value`` as a readout shows it: integers (and integral floats below 1e15) in full;
    other reals to ``digits`` significant digits (``0.0459``), whole units from ``10**digits``
    to 1e6 (``12346``), beyond that with a short exponent (``1.34e-5``, ``2.5e7``); ``∞``,
    ``−∞`` and ``nan``. Anything else (text, booleans) is ``str(value)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}g}"
    if 10**digits <= abs(float(text)) < 1e6:
        return f"{value:.0f}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def value_span(css: str, value, digits: int = READOUT_DIGITS) -> str:
    """A readout number: rounded text (``format_number``), the full value on hover (``title``)
    and the exact ``repr`` in ``data-value`` for tests. Text values are escaped, without title."""
    exact = html.escape(repr(value))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        text = html.escape(str(value))
        return f'<span class="ntkviz-value {css}" data-value="{exact}">{text}</span>'
    full = str(int(value)) if isinstance(value, numbers.Integral) else repr(float(value))
    return (f'<span class="ntkviz-value {css}" data-value="{exact}" title="{html.escape(full)}">'
            f"{format_number(value, digits)}</span>")


class MessageLine:
    """An HTML line for notes and errors, shown in place of a traceback."""

    def __init__(self):
        self.widget = W.HTML(layout=W.Layout(min_height="1.5em"))
        self.show("")

    def show(self, text: str, error: bool = False):
        if not text:
            self.widget.value = '<div class="ntkviz-message"></div>'
            return
        css = "ntkviz-message-error" if error else "ntkviz-message-note"
        self.widget.value = f'<div class="ntkviz-message {css}">{html.escape(text)}</div>'

    def error(self, what: str, error: Exception):
        self.show(f"{what}: {type(error).__name__}: {error}", error=True)

    @property
    def value(self) -> str:
        return self.widget.value


def legend_html(items) -> str:
    """One legend for all panels of an explorer: ``items`` are (marker HTML, text) pairs."""
    if not items:
        return ""
    return ('<div class="ntkviz-legend">'
            + " &nbsp;·&nbsp; ".join(f"{marker} {text}" for marker, text in items) + "</div>")


def explanation_html(body: str, open_: bool) -> str:
    """``body`` (HTML) folded behind a "What am I looking at?" toggle (a ``<details>``: a native,
    keyboard-operable disclosure), open when ``open_``. An empty body gives no toggle."""
    if not body:
        return ""
    state = " open" if open_ else ""
    return (f'<details class="ntkviz-explain"{state}><summary>What am I looking at?</summary>'
            f"<div>{body}</div></details>")

"""How explorers show numbers and messages: the shared CSS, readout numbers rounded to what a
student needs (the full value on hover), the in-place message line and the shared legend."""

from __future__ import annotations

import html
import math
import numbers

import ipywidgets as W

__all__ = ["STYLE", "READOUT_DIGITS", "format_number", "value_span", "MessageLine", "legend_html"]

#: Significant digits a readout shows by default (the full value is in its hover title).
READOUT_DIGITS = 3

STYLE = """<style>
.ntkviz-readout { font-size: 15px; line-height: 1.6; }
.ntkviz-readout .ntkviz-value { font-family: monospace; font-weight: bold; }
.ntkviz-readout .ntkviz-value[title] { cursor: help; text-decoration: underline dotted #999; }
.ntkviz-message-error { color: #b00020; font-weight: bold; }
.ntkviz-message-note { color: #555; }
.ntkviz-intro { font-size: 14px; color: #333; margin-bottom: 4px; }
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

"""The event path of an explorer: drags throttled to one redraw per ``THROTTLE_SECONDS`` (always
ending on the latest value), and handlers guarded so that no exception reaches the page."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from typing import Callable

__all__ = ["THROTTLE_SECONDS", "Throttle", "guarded"]

#: Shortest time between two redraws while a control is dragged (the last value always lands).
THROTTLE_SECONDS = 0.06


def guarded(what: str):
    """Decorate an explorer's event handler (a control observer, a button or click callback):
    any exception it raises is shown in the explorer's ``message`` line (``what: Type: text``)
    instead of reaching the page as a traceback; the figure is left as it was.

    The explorers' ``_update`` methods already catch their own failures; this is the safety net
    for everything between a browser event and them (reading controls, resizing ranges, linked
    callbacks), so no event handler can raise into the kernel's comm handler.
    """

    def wrap(method):
        @functools.wraps(method)
        def handler(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # a widget never raises into the page
                message = getattr(self, "message", None)
                if message is not None:
                    with contextlib.suppress(Exception):
                        message.error(what, error)
                return False

        return handler

    return wrap


class Throttle:
    """Call ``apply()`` now, or once later (trailing edge) if the last call was too recent."""

    def __init__(self, apply: Callable[[], None], seconds: float = THROTTLE_SECONDS):
        self._apply = apply
        self.seconds = seconds
        self._scheduled = False
        self._last = -float("inf")

    def __call__(self, *_):
        wait = self._last + self.seconds - time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (plain Python, tests): apply at once
            loop = None
        if loop is None or wait <= 0:
            self._run()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_later(wait, self._run)

    def _run(self):
        self._scheduled = False
        self._last = time.monotonic()
        self._apply()

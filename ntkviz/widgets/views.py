"""A view of the dashboard as a link and as code: its tab and the values of that tab's controls,
written as a URL query (``?tab=orbit&action=rotate&N=8…``) and as a notebook snippet that
rebuilds the same figure with the package's API, and read back from the page's URL.

Under Voila the page's URL reaches the kernel as ``QUERY_STRING``; a preheated kernel (``ntkviz
serve`` keeps them) ran the dashboard before anyone asked for it and learns the query only when
a visitor claims it (Voila's request-info websocket), so the dashboard applies it from a
background thread.
"""

from __future__ import annotations

import os
import urllib.parse

__all__ = ["view_query", "parse_view", "typed_values", "view_code", "page_query"]

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def view_query(tab: str, values: dict) -> str:
    """``tab=<tab>&<control>=<value>…``: the query of a link to this view (no leading ``?``)."""
    return urllib.parse.urlencode({"tab": tab, **{k: _text(v) for k, v in values.items()}})


def parse_view(query: str | None) -> tuple[str | None, dict[str, str]]:
    """(tab or None, control name → text) of a URL query (with or without its ``?``); the last
    value of a repeated name wins."""
    pairs = urllib.parse.parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
    raw = dict(pairs)
    return raw.pop("tab", None), raw


def typed_values(controls, raw: dict[str, str]) -> dict:
    """The texts of ``raw`` as the values of ``controls`` (``explorer.CONTROLS``): numbers,
    flags, or the choice whose text matches; a name no control has is kept as text, so that
    ``Explorer.set`` names it in its message. A ``ValueError`` names a text that fits no value."""
    by_name, out = {c.name: c for c in controls}, {}
    for name, text in raw.items():
        control = by_name.get(name)
        kind = control.param.kind if control else None
        try:
            if kind == "int":
                value = float(text)
                out[name] = int(value) if value.is_integer() else value
            elif kind == "real":
                out[name] = float(text)
            elif kind == "flag":
                if text.lower() not in _TRUE + _FALSE:
                    raise ValueError
                out[name] = text.lower() in _TRUE
            elif kind == "choice":
                matches = [c for c in control.param.choices if _text(c) == text]
                if not matches:
                    raise ValueError
                out[name] = matches[0]
            else:
                out[name] = text
        except ValueError:
            allowed = (", ".join(_text(c) for c in control.param.choices) if kind == "choice"
                       else {"int": "an integer", "real": "a number"}.get(kind, "true or false"))
            raise ValueError(f"{name} in the link must be {allowed}; got {text!r}") from None
    return out


def view_code(explorer, values: dict) -> str:
    """A notebook snippet that shows ``explorer``'s figure at ``values``."""
    cls = type(explorer).__name__
    arguments = ", ".join(f"{k}={v!r}" for k, v in values.items())
    return (f"from ntkviz.widgets import {cls}\n\n"
            f"explorer = {cls}()\nexplorer.set({arguments})\nexplorer")


def page_query() -> str | None:
    """The page's URL query when running under Voila (waiting, in a preheated kernel, until a
    visitor claims it), else None."""
    if os.environ.get("VOILA_PREHEAT") == "True" and "VOILA_KERNEL_ID" in os.environ:
        os.environ.update(_request_info())
    return os.environ.get("QUERY_STRING")


def _request_info() -> dict[str, str]:
    """The visitor's request as Voila tells a preheated kernel once it is claimed: the endpoint
    of ``voila.utils.wait_for_request``, read with tornado (already in every kernel) instead of
    importing Voila's server code into the kernel (2.4 s of CPU)."""
    import asyncio
    import json

    from tornado.websocket import websocket_connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
           f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}")

    async def receive():
        connection = await websocket_connect(url, connect_timeout=10)
        try:
            return await connection.read_message()
        finally:
            connection.close()

    loop = asyncio.new_event_loop()
    try:
        message = loop.run_until_complete(receive())
    finally:
        loop.close()
    return {str(k): str(v) for k, v in json.loads(message or "{}").items()}

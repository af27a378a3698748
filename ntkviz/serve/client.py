"""A dashboard visitor without a browser (load test, server tests): fetch the Voila page,
connect its kernel's websocket in the browser's protocol, read the widgets' states and move
controls; and the kernels a Voila server runs."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .launcher import MODULE as LAUNCHER
from .process import children
from .protocol import WS_PROTOCOL, join_frame, split_frame

__all__ = ["DashboardSession", "PageRefused", "kernel_pids"]


def kernel_pids(server_pid: int) -> dict[str, int]:
    """Kernel id → pid of the kernels the Voila server ``server_pid`` started (read from
    ``/proc``: its children running ipykernel or the kernel launcher)."""
    found = {}
    for pid, args in children(server_pid).items():
        if any(b"ipykernel" in a or LAUNCHER.encode() in a for a in args):
            connection = next((a for a in args if a.endswith(b".json")), b"kernel-?.json").decode()
            found[Path(connection).stem.removeprefix("kernel-")] = pid
    return found


class DashboardSession:
    """One visitor, without a browser: fetch the Voila page, connect its kernel's websocket as
    the page does, read every widget's state and move controls by sending widget updates.

    ``page_seconds``: page request → page complete (Voila streams it while the notebook runs);
    ``ready_seconds``: page request → widget states received over the websocket.
    Use ``await DashboardSession.open(url)`` in an asyncio loop; ``await session.close()``.
    """

    def __init__(self, url: str, html: str, kernel_id: str):
        self.url, self.html, self.kernel_id = url, html, kernel_id
        self.states: dict[str, dict] = {}        # model id → {"model_name", "state", ...}
        self.received: list[tuple[float, dict]] = []   # (monotonic time, message) from the kernel
        self.closed_by_server = False
        self.read_error: Exception | None = None
        self._session_id = uuid.uuid4().hex
        self._ws = None
        self._reader = None
        self._arrived = asyncio.Event()
        self.page_seconds = self.ready_seconds = float("nan")

    @classmethod
    async def open(cls, url: str, timeout: float = 300.0) -> "DashboardSession":
        """Request the page and connect its kernel. Raises ``PageRefused`` (with the status
        and the page text) when the server answers with an error, e.g. 503 when full."""
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError

        start = time.monotonic()
        # A client of its own: tornado's shared one runs at most 10 requests at once, and a
        # Voila page request lasts until the notebook has run.
        client = AsyncHTTPClient(force_instance=True)
        try:
            response = await client.fetch(url, request_timeout=timeout)
        except HTTPClientError as error:
            body = error.response.body.decode("utf-8", "replace") if error.response else ""
            raise PageRefused(error.code, body) from None
        finally:
            client.close()
        html = response.body.decode("utf-8", "replace")
        page_seconds = time.monotonic() - start
        found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html)
        if found is None:
            raise RuntimeError(f"no kernel id in the page of {url}")
        session = cls(url, html, found.group(1))
        session.page_seconds = page_seconds
        await session._connect(timeout)
        await session.request_states(timeout)
        session.ready_seconds = time.monotonic() - start
        return session

    async def _connect(self, timeout: float) -> None:
        from tornado.websocket import websocket_connect

        ws_url = self.url.replace("http://", "ws://", 1).rstrip("/")
        ws_url += f"/api/kernels/{self.kernel_id}/channels?session_id={self._session_id}"
        # the widget states carry plotly.js (megabytes)
        self._ws = await asyncio.wait_for(websocket_connect(
            ws_url, max_message_size=2**30, subprotocols=[WS_PROTOCOL]), timeout)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            await self._read_messages()
        except Exception as error:   # surfaced by wait_for instead of dying silently
            self.read_error = error
            self.closed_by_server = True
            self._arrived.set()

    async def _read_messages(self) -> None:
        while True:
            raw = await self._ws.read_message()
            if raw is None:
                self.closed_by_server = True
                self._arrived.set()
                return
            parts = split_frame(raw)
            msg = {"channel": parts[0].decode(), "msg_type": None}
            for key, part in zip(("header", "parent_header", "metadata", "content"), parts[1:5]):
                msg[key] = json.loads(part)
            msg["msg_type"] = msg["header"].get("msg_type")
            self.received.append((time.monotonic(), msg))
            self._arrived.set()

    def send(self, channel: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        """Send one Jupyter message; returns its id."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "student",
                  "session": self._session_id, "version": "5.3",
                  "date": datetime.now(timezone.utc).isoformat()}
        parts = [channel.encode()] + [json.dumps(x).encode() for x in
                                      (header, {}, metadata or {}, content)]
        self._ws.write_message(join_frame(parts), binary=True)
        return msg_id

    async def wait_for(self, predicate, timeout: float, start: int = 0):
        """The first message (from index ``start`` of ``received``) satisfying ``predicate``."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for t, msg in self.received[seen:]:
                if predicate(msg):
                    return t, msg
            seen = len(self.received)
            if self.closed_by_server:
                raise ConnectionError(f"the websocket of kernel {self.kernel_id} closed"
                                      + (f" ({self.read_error!r})" if self.read_error else ""))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no awaited message from kernel {self.kernel_id} "
                                   f"in {timeout} s")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def request_states(self, timeout: float = 120.0) -> dict:
        """Every widget's state, through ipywidgets' control comm (as the page's widget manager
        asks for it)."""
        comm_id = uuid.uuid4().hex
        mark = len(self.received)
        opened = self.send("shell", "comm_open", {"comm_id": comm_id, "data": {},
                                                  "target_name": "jupyter.widget.control"},
                           metadata={"version": "1.0.0"})
        await self.wait_for(lambda m: m.get("msg_type") == "status"   # the comm is open
                            and m["parent_header"].get("msg_id") == opened
                            and m["content"].get("execution_state") == "idle", timeout, mark)
        self.send("shell", "comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}})
        _, msg = await self.wait_for(
            lambda m: m.get("msg_type") == "comm_msg" and m["content"].get("comm_id") == comm_id,
            timeout, mark)
        self.states = msg["content"]["data"]["states"]
        return self.states

    def find(self, dom_class: str) -> str:
        """The model id of the widget carrying CSS class ``dom_class``."""
        for model_id, entry in self.states.items():
            if dom_class in entry.get("state", {}).get("_dom_classes", ()):
                return model_id
        raise KeyError(f"no widget with class {dom_class!r} among {len(self.states)}")

    def figure_ids(self) -> set[str]:
        """Model ids of the explorers' figures (``widgets.plot.Plot``)."""
        return {m for m, e in self.states.items()
                if e.get("state", {}).get("_anywidget_id") == "ntkviz.widgets.plot.Plot"}

    async def move(self, model_id: str, value, watch: set[str], timeout: float = 120.0,
                   settle: float = 0.15, trait: str = "value") -> float:
        """Set ``trait`` of control ``model_id`` to ``value`` as the page does; the seconds until
        the last update of a widget in ``watch`` it caused (no further update for ``settle``
        seconds)."""
        mark = len(self.received)
        start = time.monotonic()
        self.send("shell", "comm_msg", {"comm_id": model_id, "data": {
            "method": "update", "state": {trait: value}, "buffer_paths": []}})
        last, _ = await self.wait_for(
            lambda m: m.get("msg_type") == "comm_msg" and m["content"].get("comm_id") in watch,
            timeout, mark)
        while True:
            await asyncio.sleep(settle)
            later = [t for t, m in self.received[mark:] if m.get("msg_type") == "comm_msg"
                     and m["content"].get("comm_id") in watch]
            if later[-1] <= last:
                return last - start
            last = later[-1]

    async def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.cancel()


class PageRefused(Exception):
    """The server answered the page request with an HTTP error (``status``, ``body``)."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}")
        self.status, self.body = status, body

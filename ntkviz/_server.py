"""What makes one Voila server safe for a class: a cap on live kernels, a memory
bound per kernel, two idle-culling timeouts, and a page template that loads nothing from the
internet.

Voila is configured, not patched: ``ntkviz.cli.voila_command`` names the classes below on its
command line.

* ``ClassroomKernelManager`` (``VoilaConfiguration.multi_kernel_manager_class``): refuses a new
  visitor with HTTP 503 ("The server is full (N sessions); try again in a minute") once
  ``max_kernels`` sessions are live; sessions already open are not touched. Voila's preheated
  spare kernel counts towards the cap: when the cap is reached the spare is refilled only after
  a session has ended, so the number of kernel processes never exceeds ``max_kernels``. It also
  culls kernels whose page is still open after ``cull_connected_timeout`` idle seconds (the
  jupyter_server culler, with ``cull_connected=False``, ends those without a page after
  ``cull_idle_timeout``).
* ``ClassroomKernelSpecManager`` (``VoilaConfiguration.kernel_spec_manager_class``): starts
  Python kernels through ``ntkviz.kernel_launcher`` with ``--memory-mb``, which ends a kernel
  whose resident memory passes the bound after telling its page why.
* ``template_root()``: the Voila template ``ntkviz`` (the lab template without its two links
  to a font CDN, and a readable page for "server full"), written once to a user cache folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import ensure_async
from tornado.web import HTTPError
from traitlets import Integer

__all__ = ["ClassroomKernelManager", "ClassroomKernelSpecManager", "BrowserProtocolConnection",
           "TEMPLATE", "template_root", "full_message", "DashboardSession", "PageRefused",
           "WS_PROTOCOL"]

#: Name of the Voila template ``template_root()`` provides.
TEMPLATE = "ntkviz"
# Voila sets this variable in the environment of every kernel it starts: "True" for a kernel
# started for its preheated pool, "False" for one started for a visitor's request.
_PREHEAT_VARIABLE = "VOILA_PREHEAT"


def full_message(max_kernels: int) -> str:
    """The text a visitor sees when the server already runs ``max_kernels`` sessions."""
    return f"The server is full ({max_kernels} sessions); try again in a minute."


class ClassroomKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with a cap on live kernels and a second idle timeout.

    Voila builds its preheating manager as a subclass of this class, so the visitor's request
    reaches ``get_rendered_notebook`` (a preheated kernel) or ``start_kernel`` (a fresh one);
    both are gated here before a kernel is handed out.
    """

    max_kernels = Integer(40, config=True, help="Most kernels (sessions, the preheated spare "
                          "included) alive at once; a visitor beyond gets HTTP 503.")
    cull_connected_timeout = Integer(
        0, config=True, help="Also end kernels whose page is still open after this many idle "
                             "seconds (0: never). Kernels without a page follow cull_idle_timeout.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reserved: set[str] = set()    # ids chosen for kernels being started
        self._spare: set[str] = set()       # ids of kernels started for the preheated pool
        self._claims = 0                    # visitors waiting for a preheated kernel
        self._closing = False
        take = getattr(self, "get_rendered_notebook", None)   # defined by Voila's subclass
        if take is not None:
            async def get_rendered_notebook(*args, **kw):
                self._admit()
                self._claims += 1
                try:
                    render_task, rendered, kernel_id = await take(*args, **kw)
                finally:
                    self._claims -= 1
                self._spare.discard(kernel_id)
                return render_task, rendered, kernel_id

            self.get_rendered_notebook = get_rendered_notebook

    # -- counting ---------------------------------------------------------------------------
    def _live_ids(self) -> set[str]:
        return set(self._kernels) | set(self._pending_kernels) | self._reserved

    def kernel_count(self) -> int:
        """Kernel processes alive or being started (the preheated spare included)."""
        return len(self._live_ids())

    def session_count(self) -> int:
        """Kernels handed to visitors (or being handed to them)."""
        live = self._live_ids()
        self._spare &= live
        return len(live - self._spare) + self._claims

    def _admit(self) -> None:
        if self.session_count() >= self.max_kernels:
            self.log.warning("Refused a visitor: %d sessions of %d", self.session_count(),
                             self.max_kernels)
            raise HTTPError(503, full_message(self.max_kernels),
                            reason="Service Unavailable: the server is full")

    # -- starting ---------------------------------------------------------------------------
    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs) -> str:
        if kernel_id is not None and kernel_id in self:   # an existing kernel: nothing starts
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        for_pool = (kwargs.get("env") or {}).get(_PREHEAT_VARIABLE) == "True"
        if for_pool:
            # The spare waits for room instead of failing: Voila would drop a failed spare and
            # never refill its pool.
            while self.kernel_count() >= self.max_kernels:
                if self._closing:
                    raise RuntimeError("the server is stopping")
                await asyncio.sleep(1.0)
        else:
            self._admit()
        kernel_id = str(uuid.uuid4())
        self._reserved.add(kernel_id)    # counted from now on: no await between check and here
        if for_pool:
            self._spare.add(kernel_id)
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        except BaseException:
            self._spare.discard(kernel_id)
            raise
        finally:
            self._reserved.discard(kernel_id)

    async def shutdown_all(self, now: bool = False):
        self._closing = True
        return await super().shutdown_all(now=now)

    # -- culling ----------------------------------------------------------------------------
    async def cull_kernel_if_idle(self, kernel_id: str):
        """jupyter_server's rule (kernels without a page, idle ``cull_idle_timeout``), and
        kernels with a page idle longer than ``cull_connected_timeout``."""
        kernel = self._kernels.get(kernel_id)
        timeout = self.cull_connected_timeout
        if (kernel is not None and timeout > 0 and hasattr(kernel, "last_activity")
                and self._kernel_connections.get(kernel_id, 0) > 0
                and getattr(kernel, "execution_state", None) != "busy"):
            from jupyter_server._tz import utcnow

            idle = utcnow() - kernel.last_activity
            if idle > timedelta(seconds=timeout):
                self.log.warning("Culling kernel %s: its page is open but idle for %d s",
                                 kernel_id, int(idle.total_seconds()))
                await ensure_async(self.shutdown_kernel(kernel_id))
                return
        return await super().cull_kernel_if_idle(kernel_id)


class ClassroomKernelSpecManager(KernelSpecManager):
    """Kernel specs whose Python kernels start through ``ntkviz.kernel_launcher`` with a
    memory bound (``kernel_memory_mb``; 0 starts them unchanged)."""

    kernel_memory_mb = Integer(0, config=True, help="Resident memory bound per kernel in MB "
                               "(0: none). A kernel passing it tells its page and ends.")

    def get_kernel_spec(self, kernel_name: str):
        spec = super().get_kernel_spec(kernel_name)
        argv = list(spec.argv)
        if self.kernel_memory_mb > 0 and "ipykernel_launcher" in argv:
            at = argv.index("ipykernel_launcher")
            spec.argv = [*argv[:at], "ntkviz.kernel_launcher",
                         f"--memory-mb={self.kernel_memory_mb}", *argv[at + 1:]]
        return spec


class BrowserProtocolConnection(ZMQChannelsWebsocketConnection):
    """Kernel websockets speak the browser's protocol only (``WS_PROTOCOL``, binary frames).

    Voila 0.5.13's websocket handler reads every binary frame it forwards as a v1 frame. On a
    connection that asked for the legacy JSON protocol, the first widget message with binary
    buffers (a plotly figure's state) is a legacy frame, whose first 8 bytes read as an offset
    count in the trillions: the server loops on it and stops answering everyone (seen here with
    a protocol-level client). Browsers always offer v1, so refusing the rest costs nothing.
    """

    async def prepare(self):
        offered = self.websocket_handler.request.headers.get("Sec-WebSocket-Protocol", "")
        if WS_PROTOCOL not in {p.strip() for p in offered.split(",")}:
            raise HTTPError(400, f"kernel websockets must use the {WS_PROTOCOL} subprotocol")
        return await super().prepare()


# -- the page template ----------------------------------------------------------------------
# Voila's lab template links Font Awesome from a CDN; the dashboard uses no icon font, and a
# classroom server must not depend on (or leak visits to) another host. The template below
# extends lab and drops every <link> to an absolute URL from that block.
_FILES = {
    "conf.json": json.dumps({"base_template": "lab"}) + "\n",
    "index.html.j2": """{%- extends 'lab/index.html.j2' -%}
{%- block notebook_css -%}
{%- for line in super().split('\\n') -%}
{%- if not ('<link' in line and '://' in line) %}
{{ line }}
{%- endif -%}
{%- endfor %}
{%- endblock notebook_css -%}
""",
    "503.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ntkviz: the server is full</title>
<meta http-equiv="refresh" content="60">
<style>body { font-family: sans-serif; margin: 4em auto; max-width: 40em; color: #222; }
h1 { font-size: 1.4em; }</style></head>
<body class="ntkviz-server-full"><h1>{{ message }}</h1>
<p>Every place on this dashboard server is taken. This page tries again by itself in a
minute; when a place frees up, the dashboard opens here.</p></body></html>
""",
}


def template_root() -> Path:
    """A Jupyter data folder holding ``voila/templates/ntkviz`` (add it to ``JUPYTER_PATH``).

    Written to ``$XDG_CACHE_HOME/ntkviz`` (or ``~/.cache/ntkviz``; a private temporary folder
    when neither is writable) and rewritten only when its content changed.
    """
    digest = hashlib.sha256(json.dumps(_FILES, sort_keys=True).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ntkviz"
    for base in (cache, None):
        try:
            if base is None:
                base = Path(tempfile.mkdtemp(prefix="ntkviz-voila-"))
            root = base / f"voila-template-{digest}"
            folder = root / "voila" / "templates" / TEMPLATE
            if all((folder / name).is_file() and (folder / name).read_text() == text
                   for name, text in _FILES.items()):
                return root
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in _FILES.items():
                partial = folder / f".{name}.{os.getpid()}"
                partial.write_text(text)
                partial.replace(folder / name)
            return root
        except OSError:
            continue
    raise OSError("no writable folder for the Voila template")   # pragma: no cover


# -- a protocol-level dashboard client (load test, offline test) ----------------------------
def kernel_pids(server_pid: int) -> dict[str, int]:
    """Kernel id → pid of the kernels the Voila server ``server_pid`` started (read from
    ``/proc``: its children running ipykernel or ``ntkviz.kernel_launcher``)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
        if ppid == server_pid and any(b"ipykernel" in a or b"kernel_launcher" in a for a in args):
            connection = next((a for a in args if a.endswith(b".json")), b"kernel-?.json").decode()
            found[Path(connection).stem.removeprefix("kernel-")] = int(entry.name)
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
        import re
        import time

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
        # the widget states carry the plotly bundle (megabytes per figure)
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
        import time

        while True:
            raw = await self._ws.read_message()
            if raw is None:
                self.closed_by_server = True
                self._arrived.set()
                return
            parts = _split_v1(raw)
            msg = {"channel": parts[0].decode(), "msg_type": None}
            for key, part in zip(("header", "parent_header", "metadata", "content"), parts[1:5]):
                msg[key] = json.loads(part)
            msg["msg_type"] = msg["header"].get("msg_type")
            self.received.append((time.monotonic(), msg))
            self._arrived.set()

    def send(self, channel: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        """Send one Jupyter message; returns its id."""
        from datetime import datetime, timezone

        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "student",
                  "session": self._session_id, "version": "5.3",
                  "date": datetime.now(timezone.utc).isoformat()}
        parts = [channel.encode()] + [json.dumps(x).encode() for x in
                                      (header, {}, metadata or {}, content)]
        self._ws.write_message(_join_v1(parts), binary=True)
        return msg_id

    async def wait_for(self, predicate, timeout: float, start: int = 0):
        """The first message (from index ``start`` of ``received``) satisfying ``predicate``."""
        import time

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
                raise TimeoutError(f"no awaited message from kernel {self.kernel_id} in {timeout} s")
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
        """Model ids of the plotly figures."""
        return {m for m, e in self.states.items()
                if "plotly" in json.dumps(e.get("state", {}).get("_esm", ""))[:20000].lower()
                or "FigureModel" in e.get("model_name", "")}

    async def move(self, model_id: str, value, watch: set[str], timeout: float = 120.0,
                   settle: float = 0.15, trait: str = "value") -> float:
        """Set ``trait`` of control ``model_id`` to ``value`` as the page does; the seconds until
        the last update of a widget in ``watch`` it caused (no further update for ``settle``
        seconds)."""
        import time

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


#: The websocket subprotocol of Jupyter kernel messages the browser speaks (binary frames).
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def _join_v1(parts: list[bytes]) -> bytes:
    """One v1 websocket frame: the number of offsets, the offsets of each part's start and of
    the end (8-byte little-endian each), then the parts (channel, header, parent header,
    metadata, content, buffers)."""
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + b"".join(parts)


def _split_v1(frame: bytes) -> list[bytes]:
    count = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    return [frame[a:b] for a, b in zip(offsets, offsets[1:])]


class PageRefused(Exception):
    """The server answered the page request with an HTTP error (``status``, ``body``)."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}")
        self.status, self.body = status, body

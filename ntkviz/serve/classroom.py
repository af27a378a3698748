"""The three classes Voila is configured with that make one server safe for a class: a cap on
live kernels and a second idle timeout, a memory bound per kernel, and kernel websockets in the
browser's protocol only.

Voila is configured, not patched: ``ntkviz.serve.command.voila_command`` names these classes on
its command line.

* ``ClassroomKernelManager`` (``VoilaConfiguration.multi_kernel_manager_class``): refuses a new
  visitor with HTTP 503 ("The server is full (N sessions); try again in a minute") once
  ``max_kernels`` sessions are live; sessions already open are not touched. Voila's preheated
  spare kernel counts towards the cap: when the cap is reached the spare is refilled only after
  a session has ended, so the number of kernel processes never exceeds ``max_kernels``. It also
  culls kernels whose page is still open after ``cull_connected_timeout`` idle seconds (the
  jupyter_server culler, with ``cull_connected=False``, ends those without a page after
  ``cull_idle_timeout``), and logs ``READY_MESSAGE`` once every page of the pool (``ntkviz
  serve --class-size``) has been rendered: a class arriving then gets pages already rendered.
* ``ClassroomKernelSpecManager`` (``VoilaConfiguration.kernel_spec_manager_class``): starts
  Python kernels through ``ntkviz.serve.launcher`` with ``--memory-mb``, which ends a kernel
  whose resident memory passes the bound after telling its page why.
* ``BrowserProtocolConnection`` (``Voila.kernel_websocket_connection_class``): refuses kernel
  websockets that do not speak the browser's protocol.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import ensure_async
from tornado.web import HTTPError
from traitlets import Integer

from .launcher import MODULE as LAUNCHER
from .protocol import WS_PROTOCOL

__all__ = ["ClassroomKernelManager", "ClassroomKernelSpecManager", "BrowserProtocolConnection",
           "full_message", "READY_MESSAGE"]

# Voila sets this variable in the environment of every kernel it starts: "True" for a kernel
# started for its preheated pool, "False" for one started for a visitor's request.
PREHEAT_VARIABLE = "VOILA_PREHEAT"
#: Logged once the pool's pages have all been rendered (the dashboard run in each kernel).
READY_MESSAGE = "Ready for the class: %d page(s) rendered ahead"


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
        # Voila's own step that starts a pool kernel and its rendering of the page: counted
        # when the rendering has finished, so the server can say when the class may arrive.
        initialize = getattr(self, "_initialize", None)
        if take is not None and initialize is not None:
            async def _initialize(*args, **kw):
                content = await initialize(*args, **kw)
                content["task"].add_done_callback(self._page_rendered)
                return content

            self._initialize = _initialize
        self._pages_rendered = 0
        self._announced = False

    def _page_rendered(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        self._pages_rendered += 1
        pool_size = self.kernel_pools_config.get("default", {}).get("pool_size", 1)
        if not self._announced and self._pages_rendered >= pool_size:
            self._announced = True
            self.log.info(READY_MESSAGE, pool_size)

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
        for_pool = (kwargs.get("env") or {}).get(PREHEAT_VARIABLE) == "True"
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
    """Kernel specs whose Python kernels start through ``ntkviz.serve.launcher`` with a
    memory bound (``kernel_memory_mb``; 0 starts them unchanged)."""

    kernel_memory_mb = Integer(0, config=True, help="Resident memory bound per kernel in MB "
                               "(0: none). A kernel passing it tells its page and ends.")

    def get_kernel_spec(self, kernel_name: str):
        spec = super().get_kernel_spec(kernel_name)
        argv = list(spec.argv)
        if self.kernel_memory_mb > 0 and "ipykernel_launcher" in argv:
            at = argv.index("ipykernel_launcher")
            spec.argv = [*argv[:at], LAUNCHER,
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

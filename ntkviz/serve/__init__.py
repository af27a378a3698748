"""The classroom server of ``ntkviz serve``: Voila on the dashboard, safe for a class.

* ``command``: the Voila command line and environment (settings, limits, compilation cache);
* ``process``: running Voila and stopping it with every kernel it started (SIGINT/SIGTERM);
* ``classroom``: the classes Voila is configured with (a cap on kernels, idle culling, a memory
  bound per kernel, kernel websockets in the browser's protocol only);
* ``launcher``: ``python -m ntkviz.serve.launcher``, a kernel with a resident-memory watchdog;
* ``template``: the page template that loads nothing from another host;
* ``client`` and ``protocol``: a visitor without a browser (load test, server tests).

Names load on first use: a kernel started through the launcher imports none of the server.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "voila_command": "command", "voila_environment": "command", "dashboard_path": "command",
    "kernel_environment": "command",
    "jax_cache_dir": "command", "MAX_KERNELS": "command", "KERNEL_MEMORY_MB": "command",
    "CLASS_SIZE": "command", "POOL_KERNEL_MB": "command",
    "CULL_IDLE_TIMEOUT": "command", "CULL_CONNECTED_TIMEOUT": "command", "run": "process",
    "stop": "process", "ClassroomKernelManager": "classroom",
    "ClassroomKernelSpecManager": "classroom", "BrowserProtocolConnection": "classroom",
    "full_message": "classroom", "template_root": "template", "TEMPLATE": "template",
    "DashboardSession": "client", "PageRefused": "client", "kernel_pids": "client",
    "WS_PROTOCOL": "protocol",
}
_SUBMODULES = ("command", "process", "classroom", "launcher", "template", "client", "protocol")

__all__ = [*_EXPORTS, *_SUBMODULES]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS | dict.fromkeys(_SUBMODULES))

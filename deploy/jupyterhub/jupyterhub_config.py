"""JupyterHub for a course on one machine: every student logs in and gets a Jupyter server of
their own that opens on the ntkviz dashboard.

    NTKVIZ_HUB_PASSWORD=... .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

(``make hub`` runs this.) Settings come from the environment; the defaults suit a class on one
machine, and a bad value is refused with the variable's name:

=============================  ===========================================================
NTKVIZ_HUB_PASSWORD            the password students log in with (at least 8 characters)
NTKVIZ_HUB_DIR                 the hub's state: database, cookie secret, students' homes
                               (default ~/.local/share/ntkviz-hub)
NTKVIZ_HUB_IP, NTKVIZ_HUB_PORT where students connect (default 127.0.0.1:8000; open it to
                               the room only behind HTTPS: the password travels in it)
NTKVIZ_HUB_API_PORT            the hub's own port, NTKVIZ_HUB_PROXY_API_PORT the proxy's
                               API port (loopback only; default 8081 and 8001)
NTKVIZ_HUB_MAX_USERS           student servers running at once (default 25)
NTKVIZ_HUB_MAX_KERNELS         kernels per student server (default 2)
NTKVIZ_HUB_KERNEL_MEMORY_MB    resident memory bound per kernel (default 1500)
NTKVIZ_HUB_CULL_TIMEOUT        stop a student's server after this many idle seconds
                               (default 3600), checked every NTKVIZ_HUB_CULL_EVERY (60)
NTKVIZ_HUB_ALLOW_ROOT          1: let a hub running as root run students' servers as root
                               (only in a throwaway container; refused otherwise)
=============================  ===========================================================

What this is and is not:

* One OS user for everyone. JupyterHub's ``SimpleLocalProcessSpawner`` starts every student's
  server as the user running the hub, each with a home folder of its own under
  ``$NTKVIZ_HUB_DIR/home``. Students are separated by the hub's login, not by the operating
  system: a student's code can read other homes. Fine for a lecture's dashboard; for real
  isolation use one OS user per student (``LocalProcessSpawner``, the hub as root) or
  containers (Zero to JupyterHub, ``deploy/z2jh``).
* A shared password (``SharedPasswordAuthenticator``): anyone who has it can log in under any
  name. A real course uses its institution's login (an OAuthenticator, LDAP, ...) instead.
* Memory: JupyterHub's local spawners do not enforce ``mem_limit``. Here every kernel runs
  under ntkviz's resident-memory bound (``ntkviz.serve.launcher``: past the bound the page
  says why and the kernel ends), and each server runs at most NTKVIZ_HUB_MAX_KERNELS kernels,
  so a student holds at most the server plus that many bounded kernels; that total is what
  ``mem_limit`` reports to the server. No rlimit is used: an address-space limit breaks JAX,
  which reserves far more virtual memory than it touches, and rlimits bound each process, not
  a student.
* Idle culling: the ``jupyterhub-idle-culler`` service stops servers idle for
  NTKVIZ_HUB_CULL_TIMEOUT; inside a server, idle kernels are culled as ``ntkviz serve`` culls
  them.
"""

import os
import signal
import sys
from pathlib import Path

from ntkviz.serve import command, singleuser

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"


def setting(name: str, default: int, least: int) -> int:
    """The integer environment variable ``name`` (``default`` when unset), at least ``least``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {text!r}") from None
    if value < least:
        raise ValueError(f"{name} must be at least {least}, got {value}")
    return value


state = Path(os.environ.get("NTKVIZ_HUB_DIR") or Path.home() / ".local/share/ntkviz-hub")
state.mkdir(parents=True, exist_ok=True)
ip = os.environ.get("NTKVIZ_HUB_IP", "127.0.0.1")
port = setting("NTKVIZ_HUB_PORT", 8000, 1)
max_kernels = setting("NTKVIZ_HUB_MAX_KERNELS", singleuser.MAX_KERNELS, 1)
kernel_memory_mb = setting("NTKVIZ_HUB_KERNEL_MEMORY_MB", command.KERNEL_MEMORY_MB, 1)
cull_timeout = setting("NTKVIZ_HUB_CULL_TIMEOUT", 3600, 1)
cull_every = setting("NTKVIZ_HUB_CULL_EVERY", 60, 1)
password = os.environ.get("NTKVIZ_HUB_PASSWORD", "")
if len(password) < 8:
    raise ValueError("NTKVIZ_HUB_PASSWORD must be set to the students' password "
                     f"(at least 8 characters), got {len(password)} characters")

if os.geteuid() == 0 and os.environ.get("NTKVIZ_HUB_ALLOW_ROOT") != "1":
    raise ValueError("the hub runs as root, so every student's server would run as root: run it "
                     "as an ordinary user, or set NTKVIZ_HUB_ALLOW_ROOT=1 in a throwaway container")
# Started in the background by a shell, the hub inherits an ignored SIGINT, and so would the
# culler it starts before installing its own handlers: it would then ignore the hub's request
# to stop, which waits 30 s before sending SIGTERM.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# -- where it listens, and its state ----------------------------------------------------------
c.JupyterHub.bind_url = f"http://{ip}:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = setting("NTKVIZ_HUB_API_PORT", 8081, 1)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

# -- the proxy: configurable-http-proxy from deploy/jupyterhub/package-lock.json ----------------
if not PROXY.exists():
    raise FileNotFoundError(f"{PROXY} is missing: install it with "
                            "`npm ci --prefix deploy/jupyterhub` (make install-dev does)")
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('NTKVIZ_HUB_PROXY_API_PORT', 8001, 1)}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

# -- login ------------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allow_all = True

# -- each student's server --------------------------------------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "ntkviz.serve.singleuser",
                 f"--max-kernels={max_kernels}", f"--kernel-memory-mb={kernel_memory_mb}"]
c.Spawner.default_url = singleuser.DEFAULT_URL
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.mem_limit = f"{singleuser.SERVER_MB + max_kernels * kernel_memory_mb}M"
# A class logging in together starts many servers on a few cores at once.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
# As many students as ntkviz serve has kernels by default: what a 24 GB machine holds with
# room to spare (a student's server and dashboard: 0.6 GB, benchmarks/results_jupyterhub.md).
c.JupyterHub.active_server_limit = setting("NTKVIZ_HUB_MAX_USERS", command.MAX_KERNELS, 1)

# -- idle culling -----------------------------------------------------------------------------
# The culler judges activity by what the hub knows, so the hub must learn it often enough:
# from the proxy and from each server, at least three times per timeout.
activity_interval = max(1, min(300, cull_timeout // 3))
c.JupyterHub.last_activity_interval = activity_interval
c.Spawner.environment = {
    "JUPYTERHUB_ACTIVITY_INTERVAL": str(activity_interval),
    # Every student runs as the same OS user, so all kernels share one JAX compilation cache
    # and one folder of kernel matrices: the first kernel compiles the dashboard's programs and
    # computes its opening pair's matrices, the others load them.
    "JAX_COMPILATION_CACHE_DIR": str(command.jax_cache_dir()),
    "NTKVIZ_GRAM_DIR": str(command.gram_dir()),
}
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={cull_timeout}", f"--cull-every={cull_every}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

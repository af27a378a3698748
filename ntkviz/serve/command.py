"""The Voila command line and environment of ``ntkviz serve`` (one place: ``make dashboard``,
``ntkviz serve``, the server tests and the benchmarks start Voila with them)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .._validate import check_int
from .template import template_root

__all__ = ["dashboard_path", "voila_command", "voila_environment", "kernel_environment",
           "jax_cache_dir",
           "available_memory_mb", "check_pool_memory", "default_max_kernels", "VOILA_SETTINGS",
           "MAX_KERNELS",
           "KERNEL_MEMORY_MB", "CLASS_SIZE", "POOL_KERNEL_MB", "CULL_IDLE_TIMEOUT",
           "CULL_CONNECTED_TIMEOUT", "JAX_CACHE_MAX_BYTES", "POOL_FILL_DELAY"]

_CLASSES = "ntkviz.serve.classroom"

#: Seconds between a visitor taking a preheated kernel and Voila starting the kernel that
#: replaces it in the pool (Voila's default: 1 s). Heating a kernel (Python, JAX, the dashboard
#: executed) takes seconds of a core; started at once, it competes with the visitor's page for
#: the CPU: a preheated first render took 4.42 s with 1 s against 3.29 s with 10 s (medians of
#: 8 visits each on the 2-core test machine, benchmarks/results_pool_refill.md). A visitor
#: arriving within the delay waits for that kernel, as one arriving while it heats always did.
POOL_FILL_DELAY = 10

# Each page view starts a kernel (~330 MB): cap and cull them, bound each one's memory, show
# errors without tracebacks, and load nothing from another host.
VOILA_SETTINGS = (
    "--Voila.ip=127.0.0.1",
    "--no-browser",
    "--VoilaConfiguration.show_tracebacks=False",
    "--MappingKernelManager.cull_connected=False",
    # Kernels kept ready with the dashboard already executed (JAX imported, first tab
    # computed): a visitor gets one at once while a new one heats up in the background. How
    # many: ``class_size`` of voila_command; refilled ``POOL_FILL_DELAY`` s after a kernel is taken.
    "--VoilaConfiguration.preheat_kernel=True",
    f"--VoilaKernelManager.fill_delay={POOL_FILL_DELAY}",
    # The cap on kernels and the memory bound per kernel (their values: voila_command).
    f"--VoilaConfiguration.multi_kernel_manager_class={_CLASSES}.ClassroomKernelManager",
    f"--VoilaConfiguration.kernel_spec_manager_class={_CLASSES}.ClassroomKernelSpecManager",
    # A kernel that died (ended for memory) is removed at once, freeing its place: restarting
    # it would give the page a bare kernel without the dashboard.
    "--KernelRestarter.restart_limit=0",
    # Kernel websockets in the browser's protocol only: a legacy-protocol client can hang
    # Voila 0.5.13 (classroom.BrowserProtocolConnection).
    f"--Voila.kernel_websocket_connection_class={_CLASSES}.BrowserProtocolConnection",
    # The lab template without its icon-font CDN links (template.template_root).
    "--VoilaConfiguration.template=ntkviz",
    # plotly's JupyterLab extension (its 5 MB renderer for plotly outputs and FigureWidget) is
    # not used by the dashboard, whose figures bring their own plotly.js (widgets.plot).
    "--VoilaConfiguration.extension_denylist=jupyterlab-plotly",
    "--VoilaConfiguration.allow_template_override=NO",
)

#: ``ntkviz serve`` defaults. Memory: a dashboard kernel holds 0.45-0.55 GB resident with its
#: first tab open (31 kernels took 20 GB, benchmarks/results_classroom.md); the bound of 1.5 GB
#: leaves room for the heavier tabs. 25 kernels (about 13 GB typical) fit a 24 GB machine with
#: room for some to grow. Culling: a kernel without a page (tab closed) is ended after 10 idle
#: minutes; one whose page is still open after 2 idle hours (longer than a lesson).
MAX_KERNELS = 25
KERNEL_MEMORY_MB = 1500
#: Pages pre-rendered by default (Voila's pool of preheated kernels): one, for the next visitor.
CLASS_SIZE = 1
#: Resident memory of a kernel waiting in the pool with the dashboard rendered, rounded up
#: (measured 256 MB, peak 271 MB: benchmarks/results_classroom.md), for the memory check of
#: ``class_size``.
POOL_KERNEL_MB = 300
CULL_IDLE_TIMEOUT = 600
CULL_CONNECTED_TIMEOUT = 7200

#: Largest size of the compiled-kernel cache shared by a server's kernels (least recently used
#: entries go first).
JAX_CACHE_MAX_BYTES = 512 * 2**20


def dashboard_path() -> Path:
    """The dashboard notebook: in an installed wheel, or the repository's notebooks/."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_notebooks" / "dashboard.ipynb",
                      package.parent / "notebooks" / "dashboard.ipynb"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("notebooks/dashboard.ipynb was not found next to the ntkviz package")


def voila_command(port: int, notebook: Path, *, class_size: int = CLASS_SIZE,
                  max_kernels: int = MAX_KERNELS, kernel_memory_mb: int = KERNEL_MEMORY_MB,
                  cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
                  cull_connected_timeout: int = CULL_CONNECTED_TIMEOUT,
                  cull_interval: int = 60) -> list[str]:
    """The Voila command line that serves only ``notebook`` on 127.0.0.1:``port``, with
    ``class_size`` pages rendered ahead in preheated kernels (Voila's kernel pool: that many
    visitors arriving together get a page at once), at most ``max_kernels`` kernels (pool
    included) of at most ``kernel_memory_mb`` MB resident each (0: unbounded), ending kernels
    without a page after ``cull_idle_timeout`` idle seconds and those with a page after
    ``cull_connected_timeout`` (0: never), checked every ``cull_interval`` seconds. Run it with
    ``voila_environment()``."""
    check_int("max_kernels", max_kernels, minimum=1)
    check_int("class_size", class_size, minimum=1)
    if class_size > max_kernels:
        raise ValueError(f"class_size ({class_size}) must be at most max_kernels "
                         f"({max_kernels}): the pool's kernels count towards the cap")
    check_pool_memory(class_size)
    check_int("kernel_memory_mb", kernel_memory_mb, minimum=0)
    check_int("cull_idle_timeout", cull_idle_timeout, minimum=1)
    check_int("cull_connected_timeout", cull_connected_timeout, minimum=0)
    check_int("cull_interval", cull_interval, minimum=1)
    local = Path(sys.executable).with_name("voila")
    voila = str(local) if local.exists() else shutil.which("voila") or "voila"
    return [voila, str(notebook), f"--port={port}", *VOILA_SETTINGS,
            f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
            f"--MappingKernelManager.cull_interval={cull_interval}",
            f"--ClassroomKernelManager.cull_connected_timeout={cull_connected_timeout}",
            f"--VoilaConfiguration.default_pool_size={class_size}",
            f"--ClassroomKernelManager.max_kernels={max_kernels}",
            f"--ClassroomKernelSpecManager.kernel_memory_mb={kernel_memory_mb}"]


def default_max_kernels(class_size: int = CLASS_SIZE) -> int:
    """``MAX_KERNELS``, or room for the class and one more kernel when that is larger."""
    return max(MAX_KERNELS, class_size + 1)


def available_memory_mb() -> float | None:
    """The machine's available memory (``MemAvailable``, Linux) in MB, or None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_pool_memory(class_size: int) -> None:
    """A ``ValueError`` naming ``class_size`` if its pre-rendered pages (``POOL_KERNEL_MB``
    each) would not fit the machine's available memory."""
    need, available = class_size * POOL_KERNEL_MB, available_memory_mb()
    if available is not None and need > available:
        raise ValueError(
            f"class_size={class_size} would pre-render {class_size} pages of about "
            f"{POOL_KERNEL_MB} MB each ({need / 1024:.1f} GB); this machine has "
            f"{available / 1024:.1f} GB available: at most {int(available // POOL_KERNEL_MB)}")


def jax_cache_dir() -> Path:
    """Where served kernels share compiled XLA programs: ``$XDG_CACHE_HOME/ntkviz/jax`` (or
    ``~/.cache/ntkviz/jax``)."""
    return _cache_root() / "jax"


def gram_dir() -> Path:
    """Where served kernels share the kernel matrices their warm-up computed
    (``experiments.grams``): ``$XDG_CACHE_HOME/ntkviz/grams`` (or ``~/.cache/ntkviz/grams``)."""
    return _cache_root() / "grams"


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ntkviz"


def kernel_environment() -> dict[str, str]:
    """The variables dashboard kernels run with: one BLAS thread per kernel, because the
    explorers solve many small systems, where threads only add latency, and a classroom server
    runs many kernels at once; one persistent JAX compilation cache for all kernels (every
    kernel compiles the same orbit kernels in the background: the first one compiles, the
    others load the programs from disk; ``ntkviz warm-cache`` fills it ahead), and one folder of
    the kernel matrices that warm-up computed (``experiments.grams``). Values already
    in the environment win. ``ntkviz kernel-env`` prints them for a Jupyter server started
    another way (Binder's ``binder/start``)."""
    defaults = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "JAX_COMPILATION_CACHE_DIR": str(jax_cache_dir()),
                "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
                "JAX_COMPILATION_CACHE_MAX_SIZE": str(JAX_CACHE_MAX_BYTES),
                "NTKVIZ_GRAM_DIR": str(gram_dir())}
    return {name: os.environ.get(name, value) for name, value in defaults.items()}


def voila_environment() -> dict[str, str]:
    """The environment for Voila and its kernels: ``kernel_environment()`` over the current
    one, and ``JUPYTER_PATH`` starting with the folder of the ``ntkviz`` page template."""
    env = dict(os.environ) | kernel_environment()
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(template_root()), os.environ.get("JUPYTER_PATH", "")) if p)
    return env

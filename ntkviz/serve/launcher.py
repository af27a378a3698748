"""Start an IPython kernel with a bound on its resident memory (for the classroom server).

    python -m ntkviz.serve.launcher --memory-mb 1500 -f {connection_file}

Used by ``ntkviz serve`` through ``ntkviz.serve.classroom.ClassroomKernelSpecManager``. A watchdog
thread reads the kernel's resident set size (``/proc/self/statm``) every ``POLL_SECONDS``; when
it passes the bound, the kernel

1. caps further growth: the soft ``RLIMIT_DATA`` is lowered to the data size of that moment plus
   ``GRACE_MB``, so a runaway allocation fails with ``MemoryError`` instead of taking the machine;
2. tells its page: every top-level widget box gets a banner (class ``ntkviz-memory-ended``)
   "This session was ended: it used more than N MB of memory …", and every control is disabled;
3. ends (exit status ``EXIT_STATUS``) once the banner has left the kernel.

Why not ``RLIMIT_AS`` (the address-space limit): JAX and its thread pools reserve large virtual
ranges they never touch (a dashboard kernel maps over 1 GB with 175 MB resident), so an address
space bound either breaks JAX at start or bounds nothing useful. A limit on resident memory is
what protects the machine, and only a watchdog can enforce that while still telling the page.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time

__all__ = ["main", "resident_mb", "start_watchdog", "skip_slow_imports", "EXIT_STATUS",
           "BANNER_CLASS", "banner_text", "MODULE"]

#: The module a kernel spec runs (``python -m MODULE``).
MODULE = "ntkviz.serve.launcher"

POLL_SECONDS = 0.1
GRACE_MB = 256
EXIT_STATUS = 75
BANNER_CLASS = "ntkviz-memory-ended"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_mb() -> float:
    """This process's resident set size in MB (``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def _data_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def banner_text(memory_mb: int) -> str:
    """What the page says when its kernel was ended for memory."""
    return (f"This session was ended: it used more than {memory_mb} MB of memory, the bound "
            "per session on this server. Reload the page to start a new session (and choose "
            "smaller settings).")


def _tell_the_page(memory_mb: int) -> bool:
    """Put the banner on every top-level widget box and disable every control; True when some
    widget was there to show it."""
    try:
        import ipywidgets as W
        from ipywidgets.widgets.widget import _instances
    except Exception:
        return False
    widgets = list(_instances.values())
    contained = {id(child) for w in widgets if isinstance(w, W.Box) for child in w.children}
    roots = [w for w in widgets if isinstance(w, W.Box) and id(w) not in contained]
    if not roots:
        return False
    banner = W.HTML(f'<div class="{BANNER_CLASS}" style="color:#b00020;font-weight:bold;'
                    f'font-size:16px;padding:8px;border:2px solid #b00020;margin:6px 0">'
                    f"{banner_text(memory_mb)}</div>")
    for w in widgets:
        if "disabled" in getattr(w, "keys", ()):
            try:
                w.disabled = True
            except Exception:
                pass
    for root in roots:
        # A Tab (a selection container) would show a banner child as another tab: put it at
        # the top of each page of the tab instead.
        targets = ([c for c in root.children if isinstance(c, W.Box)]
                   if "selected_index" in root.keys else [root])
        for box in targets:
            box.children = (banner, *box.children)
    return True


def _flush_iopub(timeout: float = 2.0) -> None:
    """Wait until the messages sent so far have left the kernel's IOPub thread."""
    try:
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        done = threading.Event()
        app.iopub_thread.schedule(done.set)
        done.wait(timeout)
    except Exception:
        pass
    time.sleep(0.3)   # zmq's own I/O thread sends them on


def _end(memory_mb: int, seen_mb: float) -> None:
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = _data_bytes() + GRACE_MB * 2**20
        if soft == resource.RLIM_INFINITY or soft > cap:
            limit = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
            resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (OSError, ValueError):
        pass
    print(f"ntkviz kernel {os.getpid()}: resident memory {seen_mb:.0f} MB passed the bound of "
          f"{memory_mb} MB; ending this session", file=sys.__stderr__, flush=True)
    try:
        shown = _tell_the_page(memory_mb)
    except Exception:
        shown = False
    if shown:
        _flush_iopub()
    os._exit(EXIT_STATUS)


def start_watchdog(memory_mb: int, poll_seconds: float = POLL_SECONDS) -> threading.Thread:
    """Watch this process's resident memory in a daemon thread; past ``memory_mb`` MB the
    session is ended as the module docstring describes."""

    def watch():
        while True:
            seen = resident_mb()
            if seen > memory_mb:
                _end(memory_mb, seen)
                return
            time.sleep(poll_seconds)

    thread = threading.Thread(target=watch, name="ntkviz-memory-watchdog", daemon=True)
    thread.start()
    return thread


#: Modules a dashboard kernel never uses whose import costs seconds of CPU at every kernel start.
#: ``rfc3987_syntax`` (jsonschema's optional IRI format check, imported through plotly's
#: FigureWidget → nbformat → jsonschema) builds a parser grammar on import: 1.0–1.1 s of CPU,
#: a third of building the dashboard (3.1 s → 1.6 s without it). With 30 kernels starting at
#: once on 2 cores that is 15 s of wall time for every student.
SLOW_UNUSED_MODULES = ("rfc3987_syntax",)


def skip_slow_imports() -> None:
    """Make ``import`` of :data:`SLOW_UNUSED_MODULES` fail fast with ``ImportError`` (their users
    treat them as optional) in this kernel process only."""
    for name in SLOW_UNUSED_MODULES:
        sys.modules.setdefault(name, None)


def main(argv: list[str] | None = None) -> None:
    """Parse ``--memory-mb``, start the watchdog, then run ipykernel with the other arguments."""
    parser = argparse.ArgumentParser(prog="python -m ntkviz.serve.launcher",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, required=True,
                        help="resident memory bound of this kernel in MB (> 0)")
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.memory_mb <= 0:
        parser.error(f"--memory-mb must be a positive number of MB, got {args.memory_mb}")
    start_watchdog(args.memory_mb)
    skip_slow_imports()
    from ipykernel import kernelapp

    sys.argv = [sys.argv[0], *rest]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()

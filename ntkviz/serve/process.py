"""Run the Voila server of ``ntkviz serve`` and stop it with every kernel it started.

Voila runs in a process group of its own; ``run`` waits for it and, on SIGINT, SIGTERM or
SIGHUP (unless ignored, as under ``nohup``), stops it as Ctrl-C in its terminal would: SIGTERM to Voila (which shuts its kernels
down and closes its port), ``GRACE_SECONDS`` for that, then SIGKILL to its group. Kernels run
in sessions of their own (jupyter_client starts them so), so a killed Voila would leave them
behind: every process Voila started, seen at any time while it stops, is then ended too
(SIGTERM, then SIGKILL after ``KILL_SECONDS``). A second signal skips the waiting.

The process tree is read from ``/proc`` (Linux); elsewhere only Voila's group is stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

__all__ = ["run", "stop", "children", "descendants", "alive", "GRACE_SECONDS", "KILL_SECONDS",
           "STOP_SIGNALS"]

#: Seconds Voila gets to shut its kernels down and exit after SIGTERM.
GRACE_SECONDS = 10.0
#: Seconds a process left behind gets between SIGTERM and SIGKILL.
KILL_SECONDS = 5.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.1


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state letter, start time) of process ``pid``, or None if it does not exist."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()   # the command name may hold spaces
    return int(fields[1]), fields[0], int(fields[19])


def children(pid: int) -> dict[int, list[bytes]]:
    """The direct children of process ``pid``: pid → command line (arguments as bytes)."""
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] != pid:
            continue
        try:
            found[int(entry.name)] = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
    return found


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children, …)."""
    parents = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents.setdefault(stat[0], []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a zombie holds no port or memory)."""
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z"


class _Tree:
    """Processes seen below a root, each remembered with its start time (a pid reused by a new
    process is never signalled)."""

    def __init__(self, root: int):
        self.root, self.seen = root, {}

    def update(self) -> None:
        for pid in descendants(self.root):
            stat = _stat(pid)
            if stat is not None:
                self.seen.setdefault(pid, stat[2])

    def left(self) -> list[int]:
        """The remembered processes still running."""
        stats = {pid: _stat(pid) for pid in self.seen}
        return [pid for pid, stat in stats.items()
                if stat is not None and stat[1] != "Z" and stat[2] == self.seen[pid]]

    def signal(self, signum: int) -> None:
        for pid in self.left():
            try:
                os.kill(pid, signum)
            except OSError:
                pass


def stop(process: subprocess.Popen, urgent: threading.Event | None = None) -> None:
    """Stop ``process`` (Voila, leader of its own process group) and everything it started; see
    the module docstring. ``urgent``: when set, stop waiting and kill."""
    urgent = urgent or threading.Event()
    tree = _Tree(process.pid)
    tree.update()
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while process.poll() is None and time.monotonic() < deadline and not urgent.is_set():
        tree.update()
        urgent.wait(POLL_SECONDS)
    if process.poll() is None:
        tree.update()
        _signal_group(process, signal.SIGKILL)
    process.wait()
    tree.signal(signal.SIGTERM)
    deadline = time.monotonic() + KILL_SECONDS
    while tree.left() and time.monotonic() < deadline and not urgent.is_set():
        time.sleep(POLL_SECONDS)
    tree.signal(signal.SIGKILL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except OSError:   # the group is gone (or was never one): the process itself
        try:
            process.send_signal(signum)
        except OSError:
            pass


def run(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` (Voila) in its own process group until it exits (its exit status) or this
    process receives one of ``STOP_SIGNALS`` (then ``stop`` it and return 0)."""
    received = threading.Event()
    urgent = threading.Event()

    def on_signal(signum, frame):
        (urgent if received.is_set() else received).set()

    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for signum in STOP_SIGNALS:   # SIGHUP stays ignored under nohup
        if not (signum == signal.SIGHUP and previous[signum] == signal.SIG_IGN):
            signal.signal(signum, on_signal)
    try:
        process = subprocess.Popen(command, env=env, start_new_session=True)
        try:
            while process.poll() is None and not received.wait(POLL_SECONDS):
                pass
        finally:
            stop(process, urgent)
        return 0 if received.is_set() else process.returncode
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

"""``ntkviz serve`` stops cleanly: SIGTERM or SIGINT sent to the command (not to its terminal's
process group, which Ctrl-C reaches) ends its Voila server and every kernel Voila started, and
frees the port.

The command serves the dashboard on a free port; the test waits for Voila's preheated kernel,
requests the page (a visitor's kernel, and the spare refilled behind it), records the whole
process tree, sends the signal and polls (generous timeouts, no timing assertion) until every
process of the tree is gone and the port accepts a new server. Faster tests drive
``ntkviz.serve.process`` with a stand-in server that ignores SIGTERM and leaves a "kernel" in a
session of its own behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from browser_support import ARTIFACTS, free_port

from ntkviz.serve import kernel_pids
from ntkviz.serve.process import alive, children, descendants

START_SECONDS = 300    # a dashboard kernel executes the notebook (seconds, more on a busy machine)
STOP_SECONDS = 60


def _wait_until(condition, seconds: float, what: str, process: subprocess.Popen, log):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            raise AssertionError(f"ntkviz serve exited ({process.returncode}) while waiting for "
                                 f"{what}; see {log}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s; see {log}")
        time.sleep(0.2)


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def _port_free(port: int) -> bool:
    """Nothing answers on the port and a new server could listen on it."""
    if _port_open(port):
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as tornado's listener does
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _request_page(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=START_SECONDS).read()
    except Exception:   # the server stops while the page is streamed
        pass


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_ends_voila_and_every_kernel_and_frees_the_port(signum):
    port = free_port()
    log_path = ARTIFACTS / f"serve_{signum.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        serve = subprocess.Popen([sys.executable, "-m", "ntkviz.cli", "serve", "--port",
                                  str(port)], stdout=log, stderr=subprocess.STDOUT)
    tree: set[int] = set()
    try:
        voila = _wait_until(lambda: next(iter(children(serve.pid)), None), 60, "Voila process",
                            serve, log_path)
        _wait_until(lambda: _port_open(port), START_SECONDS, "open port", serve, log_path)
        _wait_until(lambda: kernel_pids(voila), START_SECONDS, "preheated kernel", serve,
                    log_path)
        threading.Thread(target=_request_page, args=(f"http://127.0.0.1:{port}/",),
                         daemon=True).start()
        kernels = _wait_until(lambda: len(kernel_pids(voila)) >= 2 and kernel_pids(voila),
                              START_SECONDS, "visitor's kernel and new spare", serve, log_path)
        tree = {serve.pid, *descendants(serve.pid)}
        assert voila in tree and set(kernels.values()) <= tree
        serve.send_signal(signum)
        assert serve.wait(timeout=STOP_SECONDS) == 0
        deadline = time.monotonic() + STOP_SECONDS
        while (any(alive(pid) for pid in tree) or not _port_free(port)) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        left = sorted(pid for pid in tree if alive(pid))
        assert not left, f"still running after {signum.name}: {left} (log: {log_path})"
        assert _port_free(port), f"port {port} still held after {signum.name}"
    finally:
        for pid in tree | {serve.pid, *descendants(serve.pid)}:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        serve.wait()


# A stand-in Voila: starts a "kernel" in a session of its own (as jupyter_client does) that
# ignores SIGTERM, prints both pids, then ignores SIGTERM itself (if asked) and sleeps.
STAND_IN = """
import signal, subprocess, sys, time
kernel = subprocess.Popen([sys.executable, "-c", "import signal, time; "
                           "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
                          start_new_session=True)
print(kernel.pid, flush=True)
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(600)
"""


@pytest.mark.parametrize("server", ["obedient", "stubborn"])
def test_stop_ends_the_server_and_what_it_started_in_other_sessions(monkeypatch, server):
    from ntkviz.serve import process as serve_process

    monkeypatch.setattr(serve_process, "GRACE_SECONDS", 1.0)
    monkeypatch.setattr(serve_process, "KILL_SECONDS", 1.0)
    stand_in = subprocess.Popen([sys.executable, "-c", STAND_IN, server], stdout=subprocess.PIPE,
                                text=True, start_new_session=True)
    kernel = int(stand_in.stdout.readline())
    try:
        serve_process.stop(stand_in)
        assert stand_in.poll() is not None
        deadline = time.monotonic() + STOP_SECONDS
        while alive(kernel) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(kernel)
    finally:
        for pid in (stand_in.pid, kernel):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        stand_in.wait()


# SIGHUP as in a terminal, also when the tests themselves run under nohup (which ignores it, and
# process.run then leaves it ignored, as it should).
RUNNER = """
import signal, sys
from ntkviz.serve import process
signal.signal(signal.SIGHUP, signal.SIG_DFL)
process.GRACE_SECONDS = process.KILL_SECONDS = 1.0
sys.exit(process.run([sys.executable, "-c", sys.argv[1], "stubborn"], {}))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=lambda s: s.name)
def test_run_stops_its_server_on_a_signal(signum):
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, STAND_IN], stdout=subprocess.PIPE,
                              text=True)
    kernel = int(runner.stdout.readline())   # the stand-in's output goes through the runner
    tree = {runner.pid, *descendants(runner.pid)}
    try:
        assert len(tree) == 3 and kernel in tree   # runner, stand-in, kernel
        runner.send_signal(signum)
        assert runner.wait(timeout=STOP_SECONDS) == 0
        deadline = time.monotonic() + STOP_SECONDS
        while any(alive(pid) for pid in tree | {kernel}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in tree | {kernel} if alive(pid)]
    finally:
        for pid in tree | {kernel}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        runner.wait()

"""A classroom server cannot be exhausted, and a class arriving together is served at once.

Voila started by ``ntkviz.serve.voila_command`` (the command of ``ntkviz serve``) refuses the
visitor past ``--max-kernels`` with a 503 page while open sessions go on; a kernel whose
resident memory passes ``--kernel-memory-mb`` tells its page and ends, and the server keeps
serving; idle kernels are culled, with and without an open page; with ``--class-size N``, N
pages are rendered ahead and N visitors arriving together each get one.

The server runs a small test notebook (plain ipywidgets, no JAX: kernels start in a second or
two) from a temporary folder with exactly the dashboard's settings; its visitors are
``ntkviz.serve.DashboardSession`` clients speaking the browser's websocket protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from browser_support import ARTIFACTS, free_port

from ntkviz import cli
from ntkviz.serve import DashboardSession, PageRefused, full_message, kernel_pids
from ntkviz.serve import command as serve_command
from ntkviz.serve.classroom import READY_MESSAGE
from ntkviz.serve.launcher import BANNER_CLASS, EXIT_STATUS, banner_text

PROBE = '''import ipywidgets as W
import numpy as np
hog = []
slider = W.IntSlider(value=0, min=0, max=1000)
slider.add_class("probe-slider")
readout = W.HTML("0")
readout.add_class("probe-readout")
grow = W.IntText(value=0)
grow.add_class("probe-grow")
def double(change):
    readout.value = str(2 * change["new"])
def allocate(change):
    for _ in range(change["new"]):
        hog.append(np.ones(2**21))   # 16 MB, written
        readout.value = f"holding {16 * len(hog)} MB"
slider.observe(double, "value")
grow.observe(allocate, "value")
W.VBox([slider, readout, grow])'''


@contextlib.contextmanager
def probe_server(folder: Path, name: str, **limits):
    """Voila serving the probe notebook with the dashboard's settings and ``limits`` (keywords
    of ``serve.voila_command``); yields (url, process, log path)."""
    notebook = folder / "probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(PROBE)]
    nbformat.write(nb, notebook)
    port = free_port()
    log_path = ARTIFACTS / f"server_limits_{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(serve_command.voila_command(port, notebook, **limits), cwd=folder,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   env=serve_command.voila_environment(), start_new_session=True)
    try:
        _wait_for_port(process, port, log_path)
        yield f"http://127.0.0.1:{port}/", process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_port(process, port: int, log_path: Path) -> None:
    import socket

    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with {process.returncode}; see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("voila did not start within 120 s")
            time.sleep(0.3)


async def _readout_after(session: DashboardSession, value: int) -> str:
    slider, readout = session.find("probe-slider"), session.find("probe-readout")
    await session.move(slider, value, {readout}, timeout=60)
    for _, msg in reversed(session.received):
        content = msg.get("content", {})
        if msg.get("msg_type") == "comm_msg" and content.get("comm_id") == readout:
            return content["data"]["state"]["value"]
    raise AssertionError("the readout did not change")


def test_the_visitor_past_the_cap_gets_a_503_page_and_open_sessions_go_on(tmp_path):
    cap = 2
    with probe_server(tmp_path, "cap", max_kernels=cap) as (url, process, _):
        async def scenario():
            first = await DashboardSession.open(url, timeout=120)
            second = await DashboardSession.open(url, timeout=120)
            with pytest.raises(PageRefused) as refused:
                await DashboardSession.open(url, timeout=120)
            # the refused visitor started nothing, and the open sessions still answer
            assert len(kernel_pids(process.pid)) <= cap
            assert await _readout_after(first, 21) == "42"
            assert await _readout_after(second, 5) == "10"
            # a kernel websocket without the browser's protocol is refused (it could hang Voila)
            from tornado.httpclient import HTTPClientError
            from tornado.websocket import websocket_connect

            with pytest.raises(HTTPClientError) as legacy:
                await websocket_connect(url.replace("http", "ws") +
                                        f"api/kernels/{first.kernel_id}/channels?session_id=x")
            assert legacy.value.code == 400
            assert await _readout_after(first, 4) == "8"
            for session in (first, second):
                await session.close()
            return refused.value

        refused = asyncio.run(scenario())
    assert refused.status == 503
    assert full_message(cap) in refused.body   # "The server is full (2 sessions); try again …"
    assert "https://" not in refused.body and "http://" not in refused.body


def test_a_kernel_past_its_memory_bound_tells_its_page_and_ends_and_the_server_survives(tmp_path):
    bound = 300
    with probe_server(tmp_path, "memory", max_kernels=3, kernel_memory_mb=bound) as (url, process, log):
        async def scenario():
            greedy = await DashboardSession.open(url, timeout=120)
            calm = await DashboardSession.open(url, timeout=120)
            pids = kernel_pids(process.pid)
            greedy_pid = pids[greedy.kernel_id]
            mark = len(greedy.received)
            # 40 × 16 MB: far past the bound (the kernel starts near 80 MB)
            greedy.send("shell", "comm_msg", {"comm_id": greedy.find("probe-grow"), "data": {
                "method": "update", "state": {"value": 40}, "buffer_paths": []}})
            _, banner = await greedy.wait_for(
                lambda m: m.get("msg_type") == "comm_open"
                and BANNER_CLASS in str(m["content"].get("data", {}).get("state", {}).get("value")),
                60, mark)
            deadline = time.monotonic() + 30
            while Path(f"/proc/{greedy_pid}").exists() and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            gone = not Path(f"/proc/{greedy_pid}").exists()
            # the other session is untouched, and the place is free again for a new visitor
            assert await _readout_after(calm, 8) == "16"
            deadline = time.monotonic() + 30
            while greedy.kernel_id in kernel_pids(process.pid) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            newcomer = await DashboardSession.open(url, timeout=120)
            assert await _readout_after(newcomer, 3) == "6"
            disabled = [m for _, m in greedy.received[mark:] if m.get("msg_type") == "comm_msg"
                        and m["content"]["data"].get("state", {}).get("disabled") is True]
            for session in (greedy, calm, newcomer):
                await session.close()
            return banner, gone, disabled

        banner, gone, disabled = asyncio.run(scenario())
        assert process.poll() is None     # the server survived
    assert banner_text(bound) in banner["content"]["data"]["state"]["value"]
    assert disabled, "the controls of the ended session were not disabled"
    assert gone, "the kernel past its memory bound was not ended"
    text = log.read_text()
    assert f"passed the bound of {bound} MB; ending this session" in text


def test_the_watchdog_ends_a_kernel_with_its_exit_status():
    code = ("import numpy as np, time\nfrom ntkviz.serve.launcher import start_watchdog\n"
            "start_watchdog(200)\nhog = [np.ones(2**21) for _ in range(40)]\ntime.sleep(30)\n")
    result = subprocess.run([os.sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == EXIT_STATUS
    assert "passed the bound of 200 MB" in result.stderr


def test_idle_kernels_are_culled_without_a_page_and_with_one(tmp_path):
    limits = dict(cull_idle_timeout=2, cull_connected_timeout=4, cull_interval=1)
    with probe_server(tmp_path, "cull", **limits) as (url, process, log):
        async def scenario():
            left = await DashboardSession.open(url, timeout=120)
            stays = await DashboardSession.open(url, timeout=120)
            await left.close()                       # the tab was closed
            deadline = time.monotonic() + 40
            culled = {}
            while time.monotonic() < deadline and len(culled) < 2:
                alive = kernel_pids(process.pid)
                for session in (left, stays):
                    if session.kernel_id not in alive and session.kernel_id not in culled:
                        culled[session.kernel_id] = time.monotonic()
                await asyncio.sleep(0.25)
            await stays.close()
            return left.kernel_id, stays.kernel_id, culled

        left, stays, culled = asyncio.run(scenario())
    assert left in culled, "the kernel without a page was not culled"
    assert stays in culled, "the idle kernel with an open page was not culled"
    assert culled[left] < culled[stays]      # 2 s without a page, 4 s with one
    text = log.read_text()
    assert "Culling kernels with idle durations > 2 seconds at 1 second intervals" in text
    assert "its page is open but idle" in text


def test_a_class_arriving_together_gets_pages_rendered_ahead(tmp_path):
    class_size = 3
    with probe_server(tmp_path, "pool", class_size=class_size, max_kernels=class_size + 1) \
            as (url, process, log):
        deadline = time.monotonic() + 120
        while READY_MESSAGE % class_size not in log.read_text():
            assert time.monotonic() < deadline, "the pages were not rendered within 120 s"
            time.sleep(0.3)

        async def scenario():
            sessions = await asyncio.gather(*(DashboardSession.open(url, timeout=120)
                                              for _ in range(class_size)))
            readouts = [await _readout_after(s, 10 + i) for i, s in enumerate(sessions)]
            await asyncio.sleep(3)      # the pool refills, within the cap
            kernels = len(kernel_pids(process.pid))
            for session in sessions:
                await session.close()
            return [s.kernel_id for s in sessions], readouts, kernels

        ids, readouts, kernels = asyncio.run(scenario())
    text = log.read_text()
    assert all(f"Using pre-heated kernel: {kernel_id}" in text for kernel_id in ids)
    assert readouts == ["20", "22", "24"]
    assert kernels <= class_size + 1


def test_serve_passes_the_limits_to_voila(monkeypatch):
    seen = {}
    from ntkviz.serve import process

    monkeypatch.setattr(process, "run", lambda command, env: seen.update(command=command, env=env) or 0)
    assert cli.main(["serve", "--port", "8870", "--max-kernels", "7", "--kernel-memory-mb", "900",
                     "--cull-idle-timeout", "120", "--cull-connected-timeout", "0"]) == 0
    command = seen["command"]
    for setting in ("--ClassroomKernelManager.max_kernels=7",
                    "--ClassroomKernelSpecManager.kernel_memory_mb=900",
                    "--MappingKernelManager.cull_idle_timeout=120",
                    "--ClassroomKernelManager.cull_connected_timeout=0",
                    "--MappingKernelManager.cull_connected=False",
                    "--VoilaConfiguration.multi_kernel_manager_class=ntkviz.serve.classroom.ClassroomKernelManager",
                    "--VoilaConfiguration.kernel_spec_manager_class=ntkviz.serve.classroom.ClassroomKernelSpecManager",
                    "--KernelRestarter.restart_limit=0", "--VoilaConfiguration.template=ntkviz",
                    f"--VoilaKernelManager.fill_delay={serve_command.POOL_FILL_DELAY}"):
        assert setting in command
    assert "--VoilaConfiguration.default_pool_size=1" in command
    # a class: that many pages rendered ahead, room for one more kernel by default
    assert cli.main(["serve", "--class-size", "30"]) == 0
    assert "--VoilaConfiguration.default_pool_size=30" in seen["command"]
    assert "--ClassroomKernelManager.max_kernels=31" in seen["command"]
    template = Path(seen["env"]["JUPYTER_PATH"].split(os.pathsep)[0]) / "voila" / "templates" / "ntkviz"
    assert (template / "index.html.j2").is_file() and (template / "503.html").is_file()


def test_voila_reads_the_settings_into_its_preheating_kernel_manager():
    """The settings reach the kernel manager Voila builds on ``ClassroomKernelManager`` (its
    pool refill delay is a trait of that built class only: a misspelt class name would be
    ignored without a word)."""
    from voila.app import Voila
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from ntkviz.serve.classroom import ClassroomKernelManager

    app = Voila()
    app.parse_command_line(serve_command.voila_command(8866, cli.dashboard_path(), max_kernels=7)[2:])
    manager = voila_kernel_manager_factory(ClassroomKernelManager, True, 1)(parent=app, config=app.config)
    assert manager.fill_delay == serve_command.POOL_FILL_DELAY
    assert manager.max_kernels == 7


@pytest.mark.parametrize("option, value, message", [
    ("--max-kernels", "0", "--max-kernels must be at least 1, got 0"),
    ("--kernel-memory-mb", "-5", "--kernel-memory-mb must be at least 0, got -5"),
    ("--cull-idle-timeout", "0", "--cull-idle-timeout must be at least 1, got 0"),
    ("--cull-connected-timeout", "-1", "--cull-connected-timeout must be at least 0, got -1"),
    ("--class-size", "0", "--class-size must be at least 1, got 0"),
    ("--class-size", "10 --max-kernels 5", "--class-size (10) must be at most --max-kernels (5)"),
    ("--class-size", "1000000", "--class-size 1000000 would pre-render 1000000 pages"),
])
def test_bad_limits_are_rejected(capsys, option, value, message):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", option, *value.split()])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_voila_command_names_bad_limits():
    with pytest.raises(ValueError, match="max_kernels"):
        serve_command.voila_command(8866, cli.dashboard_path(), max_kernels=0)
    with pytest.raises(ValueError, match="class_size"):
        serve_command.voila_command(8866, cli.dashboard_path(), class_size=3, max_kernels=2)
    with pytest.raises(ValueError, match="class_size=100000 would pre-render"):
        serve_command.voila_command(8866, cli.dashboard_path(), class_size=10**5, max_kernels=10**6)

"""The local course hub (``deploy/jupyterhub``) serves a class: three students log in through
its login page in Chromium and each gets the rendered dashboard at their default URL, from a
server of their own; every kernel runs under the hub's memory bound and each server under its
kernel cap; an idle server is culled; SIGTERM stops the hub with every process it started
(servers, kernels, the culler, configurable-http-proxy).

The hub runs from its config file on free loopback ports with a temporary state folder
(``tests/hub_support.py``). A fourth user's server is started and never visited: the culler
(timeout ``CULL_TIMEOUT``) must end it. The students' servers report activity while they are
driven (``Hub.active``, as their servers do every few seconds in use), so a dashboard rendering
slowly on a loaded machine is never taken for idle. No timing is asserted; the measured figures
are in benchmarks/results_jupyterhub.md.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, BROWSER
from hub_support import RENDERED, course_hub, launch_chromium, student_opens_dashboard

from ntkviz.serve import command, full_message, singleuser
from ntkviz.serve import process as serve_process

pytestmark = [*BROWSER, pytest.mark.slow]

STUDENTS = ("ada", "ben", "cleo")
IDLE = "idle"
# Not the defaults, so the test sees these values (not the defaults) reach the servers.
KERNEL_MEMORY_MB = 1200
MAX_KERNELS = 2
CULL_TIMEOUT = 15


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The hub with the idle user's server started first, then the three students' dashboards
    rendered in Chromium (all three logging in at once); yields (hub, results)."""
    folder = tmp_path_factory.mktemp("hub")
    with course_hub(folder, ARTIFACTS / "jupyterhub.log", KERNEL_MEMORY_MB=KERNEL_MEMORY_MB,
                    MAX_KERNELS=MAX_KERNELS, CULL_TIMEOUT=CULL_TIMEOUT, CULL_EVERY=2) as hub:
        idle_pid = hub.spawn(IDLE)["state"]["pid"]
        for student in STUDENTS:
            hub.api("POST", f"/users/{student}")
        with hub.active(list(STUDENTS)):
            results = asyncio.run(_class_logs_in(hub.url))
            hub.processes()
            yield hub, {"idle_pid": idle_pid, "students": results}


async def _class_logs_in(hub_url: str) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            opened = await asyncio.gather(*(student_opens_dashboard(browser, hub_url, s)
                                            for s in STUDENTS))
            found = {}
            for student, result in zip(STUDENTS, opened):
                page = result["page"]
                found[student] = {"url": result["url"], "seconds": result["seconds"],
                                  "figures": await page.locator(RENDERED).count()}
                await page.screenshot(path=str(ARTIFACTS / f"jupyterhub_{student}.png"))
                await result["context"].close()
            return found
        finally:
            await browser.close()


def _kernels(server_pid: int) -> dict[int, list[str]]:
    """The kernels a student's server started: pid → command line."""
    return {pid: [a.decode() for a in argv] for pid, argv in serve_process.children(server_pid).items()
            if b"ntkviz.serve.launcher" in argv or b"ipykernel_launcher" in argv}


def _environ(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)


def test_each_student_logs_in_and_gets_the_rendered_dashboard(course):
    hub, results = course
    for student in STUDENTS:
        seen = results["students"][student]
        assert seen["url"] == f"{hub.url}/user/{student}{singleuser.DEFAULT_URL}"
        assert seen["figures"] >= 1
        server = hub.server(student)
        assert server["ready"], f"{student}'s server is not running"
    pids = {hub.server(s)["state"]["pid"] for s in STUDENTS}
    assert len(pids) == len(STUDENTS), "the students do not have a server each"
    print({s: round(r["seconds"], 1) for s, r in results["students"].items()})


def test_kernels_run_under_the_memory_bound_and_the_cap(course):
    hub, _ = course
    limit_mb = singleuser.SERVER_MB + MAX_KERNELS * KERNEL_MEMORY_MB
    template = None
    for student in STUDENTS:
        server_pid = hub.server(student)["state"]["pid"]
        assert _environ(server_pid)["MEM_LIMIT"] == str(limit_mb * 2**20)
        kernels = _kernels(server_pid)
        assert len(kernels) == 1, f"{student}: {kernels}"
        (kernel_pid, argv), = kernels.items()
        # the watchdog of ntkviz.serve.launcher ends the kernel past the bound
        assert "ntkviz.serve.launcher" in argv and f"--memory-mb={KERNEL_MEMORY_MB}" in argv
        env = _environ(kernel_pid)
        assert env["OPENBLAS_NUM_THREADS"] == "1"
        assert env["JAX_COMPILATION_CACHE_DIR"] == str(command.jax_cache_dir())   # shared
        assert env["NTKVIZ_GRAM_DIR"] == str(command.gram_dir())
        template = Path(env["JUPYTER_PATH"].split(":")[0]) / "voila/templates/ntkviz"
        assert (template / "index.html.j2").is_file()
    # the cap: a second kernel starts, a third is refused, the dashboard's goes on
    student = STUDENTS[0]
    status, extra = hub.api("POST", f"/user/{student}/api/kernels", {"name": "python3"})
    assert status == 201, extra
    status, refused = hub.api("POST", f"/user/{student}/api/kernels", {"name": "python3"})
    assert status == 503 and refused["message"] == full_message(MAX_KERNELS)
    server_pid = hub.server(student)["state"]["pid"]
    deadline = time.monotonic() + 60      # the second kernel runs under the bound too
    while len(kernels := _kernels(server_pid)) < 2:
        assert time.monotonic() < deadline, "the second kernel did not start"
        time.sleep(0.2)
    assert all(f"--memory-mb={KERNEL_MEMORY_MB}" in argv for argv in kernels.values())
    assert hub.api("DELETE", f"/user/{student}/api/kernels/{extra['id']}")[0] == 204


def test_an_idle_server_is_culled_and_active_ones_are_not(course):
    hub, results = course
    deadline = time.monotonic() + 120
    while hub.server(IDLE) is not None:
        assert time.monotonic() < deadline, "the idle server was not culled within 120 s"
        time.sleep(1)
    deadline = time.monotonic() + 30
    while serve_process.alive(results["idle_pid"]):
        assert time.monotonic() < deadline, "the culled server's process still runs"
        time.sleep(0.5)
    assert all(hub.server(s)["ready"] for s in STUDENTS)
    log = hub.log.read_text()
    assert f"--timeout={CULL_TIMEOUT}" in log
    assert f"Culling server {IDLE} " in log
    assert not any(f"Culling server {s} " in log for s in STUDENTS)


def test_sigterm_stops_the_hub_and_everything_it_started(course):
    hub, _ = course
    commands = " ".join(" ".join(argv) for argv in hub.processes().values())
    for part in ("configurable-http-proxy", "jupyterhub_idle_culler", "ntkviz.serve.singleuser",
                 "ntkviz.serve.launcher"):
        assert part in commands, f"no {part} process was running"
    seen = len(hub.seen)
    assert hub.stop() == 0
    deadline = time.monotonic() + 30
    while hub.left() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert hub.left() == [], f"left running: {hub.left()} (of {seen} processes seen)"

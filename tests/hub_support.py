"""Run the local course hub (``deploy/jupyterhub/jupyterhub_config.py``) on loopback and drive it
like a class (used by ``tests/serve/test_jupyterhub.py`` and ``benchmarks/bench_jupyterhub.py``).

The hub is started from its own config file, unchanged, on free ports with a temporary state
folder (database, cookie secret, students' homes); a small config next to it loads that file
and adds one API token with the admin role, for the test's requests. Students log in through
the hub's login page in Debian's Chromium, each in a browser context of their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from browser_support import CHROMIUM, CHROMIUM_ARGS, FIRST_RENDER_TIMEOUT_MS, free_port

from ntkviz.serve import process as serve_process

ROOT = Path(__file__).resolve().parents[1]
HUB_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
JUPYTERHUB = Path(sys.executable).with_name("jupyterhub")
PASSWORD = "a-course-password"
#: What a student sees once the dashboard has rendered: the first tab's figure.
RENDERED = ".ntkviz-circle-explorer .js-plotly-plot .main-svg"

_EXTRA_CONFIG = """c = get_config()  # noqa: F821
load_subconfig({config!r})  # noqa: F821
c.JupyterHub.services.append({{"name": "course-test", "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{"name": "admin", "services": ["course-test"]}})
"""


class Hub:
    """A running hub: ``url``, ``process``, ``log`` and the admin API (``api``)."""

    def __init__(self, url: str, process: subprocess.Popen, log: Path, token: str):
        self.url, self.process, self.log, self._token = url, process, log, token
        self.seen: dict[int, int] = {}   # every process seen below the hub: pid → start time

    def api(self, method: str, path: str, body=None, timeout: float = 60):
        """(status, decoded JSON or text) of ``method`` on ``/hub/api`` + ``path`` (or a user
        server's path when it starts with ``/user/``)."""
        url = self.url + (path if path.startswith("/user/") else "/hub/api" + path)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"token {self._token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        try:
            return status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return status, text

    def server(self, user: str) -> dict | None:
        """The user's default server as the hub reports it (None when not running)."""
        status, model = self.api("GET", f"/users/{user}")
        return model["servers"].get("") if status == 200 else None

    def spawn(self, user: str, timeout: float = 180) -> dict:
        """Create ``user`` if needed, start their server and wait until it is ready."""
        self.api("POST", f"/users/{user}")
        self.api("POST", f"/users/{user}/server")
        deadline = time.monotonic() + timeout
        while not ((server := self.server(user)) or {}).get("ready"):
            assert time.monotonic() < deadline, f"{user}'s server was not ready in {timeout} s"
            time.sleep(0.5)
        return server

    def processes(self) -> dict[int, list[str]]:
        """Every process below the hub now: pid → command line; remembered for ``left``."""
        found = {}
        for pid in serve_process.descendants(self.process.pid):
            try:
                found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
                self.seen.setdefault(pid, _start_time(pid))
            except OSError:
                continue
        return found

    def left(self) -> list[int]:
        """The processes seen below the hub that still run."""
        return [pid for pid, start in self.seen.items()
                if serve_process.alive(pid) and _start_time(pid) == start]

    @contextlib.contextmanager
    def active(self, users: list[str], every: float = 2.0):
        """Report activity for ``users`` every ``every`` seconds, as their servers do while in
        use: a dashboard rendering slowly on a loaded machine is never taken for idle."""
        stop = threading.Event()

        def beat():
            while not stop.is_set():
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                for user in users:
                    with contextlib.suppress(OSError):   # the hub may be stopping
                        self.api("POST", f"/users/{user}/activity", {
                            "last_activity": now, "servers": {"": {"last_activity": now}}})
                stop.wait(every)

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM to the hub (it stops the servers, the culler and the proxy); its exit status."""
        self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.processes()
            time.sleep(0.2)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()


def _start_time(pid: int) -> int:
    text = Path(f"/proc/{pid}/stat").read_text()
    return int(text[text.rindex(")") + 2:].split()[19])


@contextlib.contextmanager
def course_hub(folder: Path, log_path: Path, **settings):
    """The course hub on free loopback ports, its state in ``folder``; ``settings``: its
    environment variables without the ``NTKVIZ_HUB_`` prefix (``CULL_TIMEOUT=20``). Yields a
    ``Hub``; on leaving, stops it and ends whatever it left behind."""
    token = secrets.token_hex(16)
    config = folder / "course_test_config.py"
    config.write_text(_EXTRA_CONFIG.format(config=str(HUB_CONFIG), token=token))
    port = free_port()
    env = dict(os.environ) | {
        "NTKVIZ_HUB_DIR": str(folder / "state"), "NTKVIZ_HUB_PASSWORD": PASSWORD,
        "NTKVIZ_HUB_PORT": str(port), "NTKVIZ_HUB_API_PORT": str(free_port()),
        "NTKVIZ_HUB_PROXY_API_PORT": str(free_port()),
    } | {f"NTKVIZ_HUB_{name}": str(value) for name, value in settings.items()}
    if os.geteuid() == 0:     # CI containers run as root
        env["NTKVIZ_HUB_ALLOW_ROOT"] = "1"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(JUPYTERHUB), "-f", str(config)], cwd=folder, env=env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", process, log_path, token)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {process.returncode}; see {log_path}")
            with contextlib.suppress(OSError):
                if hub.api("GET", "/", timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not answer within 120 s; see {log_path}")
            time.sleep(0.3)
        hub.processes()
        yield hub
    finally:
        hub.stop()
        for pid in hub.left():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


async def student_opens_dashboard(browser, hub_url: str, user: str) -> dict:
    """Log ``user`` in through the hub's login page in a browser context of their own and wait
    for the dashboard's first figure at their default URL; returns the page, the URL it
    ended on and the seconds from the login to their server's first page and to the figure."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1800})
    page = await context.new_page()
    await page.goto(f"{hub_url}/hub/login", timeout=FIRST_RENDER_TIMEOUT_MS)
    await page.fill("#username_input", user)
    await page.fill("#password_input", PASSWORD)
    start = time.monotonic()
    await page.click("#login_submit")
    # the hub has started the server and sends the browser to it
    await page.wait_for_url(f"**/user/{user}/**", wait_until="commit",
                            timeout=FIRST_RENDER_TIMEOUT_MS)
    server_seconds = time.monotonic() - start
    await page.wait_for_selector(RENDERED, timeout=FIRST_RENDER_TIMEOUT_MS)
    return {"page": page, "context": context, "url": page.url,
            "server_seconds": server_seconds, "seconds": time.monotonic() - start}


def launch_chromium(playwright):
    """Debian's Chromium through Playwright's async API."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

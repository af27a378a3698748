"""The dashboard needs no network: nothing is downloaded at run time.

Voila (started by ``ntkviz.serve.voila_command``, as ``ntkviz serve`` starts it) and a headless
Chromium run together inside a new network namespace that has only a loopback interface
(``unshare -rn``). A driver script inside checks first that the namespace really is offline (a
connection to public addresses and a DNS lookup fail), then opens the dashboard, waits for its
first tab to show numbers and moves a slider, recording every request the page makes. The test
asserts that every request went to 127.0.0.1.

Without ``unshare`` (or without the right to create namespaces) the test fails with a message
saying so: a skip would hide that the offline claim went unchecked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import ARTIFACTS, BROWSER, ROOT

pytestmark = BROWSER

DRIVER = r'''
import json, socket, sys, time
sys.path.insert(0, {tests!r})
from contextlib import suppress
from pathlib import Path
from browser_support import (data_value, launch_chromium, open_dashboard, press, voila_server,
                             wait_for_value)
from playwright.sync_api import sync_playwright

report = {{"offline": {{}}, "requests": [], "failed": []}}
for host, port in (("1.1.1.1", 443), ("8.8.8.8", 53), ("151.101.0.223", 443)):
    try:
        socket.create_connection((host, port), timeout=3).close()
        report["offline"][f"{{host}}:{{port}}"] = "connected"
    except OSError as error:
        report["offline"][f"{{host}}:{{port}}"] = f"failed: {{error}}"
try:
    socket.getaddrinfo("pypi.org", 443)
    report["offline"]["dns pypi.org"] = "resolved"
except OSError as error:
    report["offline"]["dns pypi.org"] = f"failed: {{error}}"

with voila_server(Path({log!r})) as url, sync_playwright() as p:
    browser = launch_chromium(p)
    context = browser.new_context()
    context.on("request", lambda r: report["requests"].append(r.url))
    context.on("requestfailed", lambda r: report["failed"].append(r.url))
    page = context.new_page()
    page.on("websocket", lambda ws: report["requests"].append(ws.url))
    page.set_viewport_size({{"width": 1400, "height": 1800}})
    start = time.monotonic()
    page.goto(url, timeout=180_000)
    page.wait_for_selector(".ntkviz-dashboard", timeout=180_000)
    page.wait_for_selector(".ntkviz-circle-explorer .js-plotly-plot .main-svg", timeout=180_000)
    report["first_render_seconds"] = time.monotonic() - start
    report["eps"] = data_value(page, "ntkviz-eps")
    press(page, "ntkviz-delta", "ArrowRight", times=3)
    wait_for_value(page, "ntkviz-eps", "v !== a", report["eps"])
    report["eps_after_move"] = data_value(page, "ntkviz-eps")
    page.wait_for_timeout(1000)   # late requests (fonts, images) too
    browser.close()
print("REPORT " + json.dumps(report))
'''


def _namespace_problem() -> str | None:
    if shutil.which("unshare") is None:
        return "`unshare` (util-linux) is not installed"
    if shutil.which("ip") is None:
        return "`ip` (iproute2) is not installed"
    probe = subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip()}"
    return None


def test_the_dashboard_runs_with_the_network_disabled(tmp_path: Path):
    problem = _namespace_problem()
    if problem is not None:
        pytest.fail(f"the offline test needs a network namespace and {problem}; it must run "
                    "(CI forbids skips): install util-linux and iproute2 and allow unprivileged "
                    "user namespaces, or run as root")
    driver = tmp_path / "offline_driver.py"
    driver.write_text(DRIVER.format(tests=str(ROOT / "tests"),
                                    log=str(ARTIFACTS / "voila_offline.log")))
    command = f"ip link set lo up && exec {sys.executable} {driver}"
    result = subprocess.run(["unshare", "-rn", "sh", "-c", command], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert result.returncode == 0 and lines, (
        f"the offline driver failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    report = json.loads(lines[-1].removeprefix("REPORT "))
    (ARTIFACTS / "offline_report.json").write_text(json.dumps(report, indent=1))

    # the namespace really is offline
    assert report["offline"] and all(v.startswith("failed") for v in report["offline"].values()), report["offline"]
    # the first tab shows numbers, and they follow the slider
    eps, after = float(report["eps"]), float(report["eps_after_move"])
    assert 0.0 <= eps <= 1.0 and 0.0 <= after <= 1.0 and eps != after
    # every request the page made went to the server on 127.0.0.1
    web = [u for u in report["requests"] if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    assert len(web) > 5
    elsewhere = [u for u in report["requests"]
                 if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert not report["failed"], f"failed requests: {report['failed']}"

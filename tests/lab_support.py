"""Drive JupyterLab in Debian's headless Chromium: open a numbered notebook, run all its cells,
check its figures and move a slider (used by ``tests/serve/test_jupyterlab.py`` and
``benchmarks/bench_jupyterlab.py``).

JupyterLab runs the command of ``make lab`` (``jupyter lab`` on the notebooks folder) from the
venv, on a free loopback port with a random token, on a temporary copy of ``notebooks/``; its
settings, workspaces and runtime files live in that temporary folder and the kernels get the
environment of served dashboards (``ntkviz.serve.command.voila_environment``). Nothing is
written into the repository.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from browser_support import ARTIFACTS, ROOT, free_port

from ntkviz.serve import command
from ntkviz.serve.process import alive, descendants
from ntkviz.serve.process import stop as stop_tree

START_SECONDS = 120
STOP_SECONDS = 60
OPEN_TIMEOUT_MS = 120_000
RUN_TIMEOUT_MS = 600_000
FIGURE_TIMEOUT_MS = 180_000
UPDATE_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1700, "height": 1300}


@dataclasses.dataclass(frozen=True)
class Explorer:
    """The explorer a notebook ends with: its CSS class, and one of its sliders (None: no
    one-key move of a slider gives a valid new setting) with the key that moves it."""

    root: str
    slider: str | None = None
    key: str = "ArrowRight"


#: The numbered notebooks → the explorer each ends with (None: it has none).
NOTEBOOKS = {
    "01_circle_toy": Explorer("ntkviz-circle-explorer", "ntkviz-delta"),
    "02_mnist_orbits": Explorer("ntkviz-orbit-explorer", "ntkviz-N"),
    # shifts with N = 7 on 14×14 digits: N ± 1 is refused with a message, the figure stays
    "03_architectures": Explorer("ntkviz-orbit-explorer"),
    "04_pair_survey": Explorer("ntkviz-orbit-explorer", "ntkviz-N"),
    "05_equivariant_vs_plain": Explorer("ntkviz-accuracy-explorer", "ntkviz-N", "ArrowLeft"),
    "06_width_and_finite_networks": Explorer("ntkviz-width-explorer", "ntkviz-width"),
    "07_propositions": None,
    "08_many_classes": None,
    "09_kernel_dynamics": Explorer("ntkviz-dynamics-explorer", "ntkviz-time"),
    # every setting but the shipped ones is untrained: moving a slider clears the curves
    "10_augmentation_vs_equivariance": Explorer("ntkviz-augmentation-explorer",
                                                "ntkviz-learning-rate"),
    "11_equivariant_kernels": Explorer("ntkviz-equivariant-explorer", "ntkviz-n-train",
                                       "ArrowLeft"),
}

#: Notification settings of the temporary settings folder: no "Jupyter news?" toast over the page.
_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
             {"fetchNews": "false"}}


def lab_command(port: int, token: str, folder: Path) -> list[str]:
    """``make lab``'s ``jupyter lab`` on ``folder``, on 127.0.0.1:``port`` with ``token``."""
    jupyter = Path(sys.executable).with_name("jupyter")
    return [str(jupyter if jupyter.exists() else "jupyter"), "lab", str(folder), "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True"]


@dataclasses.dataclass
class LabServer:
    """A running JupyterLab: its URL and token, the notebooks folder it serves, its pid, the
    kernels seen running under it and (once stopped) the processes it left behind."""

    url: str
    token: str
    folder: Path
    pid: int
    kernels_seen: set = dataclasses.field(default_factory=set)
    left_behind: list = dataclasses.field(default_factory=list)

    def api(self, path: str, method: str = "GET", body: dict | None = None):
        """A request to the server's REST API (``body`` sent as JSON); the decoded answer."""
        request = urllib.request.Request(
            f"{self.url}api/{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_pids(self) -> set[int]:
        """The running kernels started by this server (read from ``/proc``)."""
        found = set()
        for pid in descendants(self.pid):
            with contextlib.suppress(OSError):
                if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.add(pid)
        self.kernels_seen |= found
        return found

    def shut_down_kernels(self, timeout: float = STOP_SECONDS) -> None:
        """End every session and kernel, as closing a notebook with its kernel does, and wait
        until their processes are gone."""
        pids = self.kernel_pids()
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")
        deadline = time.monotonic() + timeout
        while any(alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"kernels {sorted(p for p in pids if alive(p))} still run")
            time.sleep(0.2)


@contextlib.contextmanager
def lab_server(log_path: Path):
    """JupyterLab on a temporary copy of the notebooks; yields a ``LabServer``. On exit it gets
    SIGTERM (it shuts its kernels down, as Ctrl-C does); ``left_behind`` lists the server and
    its processes still running ``STOP_SECONDS`` later (these are then ended)."""
    port, token = free_port(), secrets.token_hex(16)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ntkviz-lab-") as tmp:
        tmp = Path(tmp)
        folder = tmp / "notebooks"
        shutil.copytree(ROOT / "notebooks", folder, ignore=shutil.ignore_patterns(".*"))
        for name, values in _SETTINGS.items():
            (tmp / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / "settings" / name).write_text(json.dumps(values))
        env = command.voila_environment() | {
            "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"), "IPYTHONDIR": str(tmp / "ipython"),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces")}
        with open(log_path, "w") as log:
            process = subprocess.Popen(lab_command(port, token, folder), cwd=folder, env=env,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
            server = LabServer(f"http://127.0.0.1:{port}/", token, folder, process.pid)
            try:
                _wait_for_port(process, port, log_path)
                yield server
            finally:
                server.kernel_pids()
                tree = {process.pid} | descendants(process.pid) | server.kernels_seen
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=STOP_SECONDS)
                server.left_behind = sorted(pid for pid in tree if alive(pid))
                if process.poll() is None:
                    stop_tree(process)
                for pid in server.left_behind:  # kernels of an exited server: ours to end
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)


def _wait_for_port(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}; see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start within {START_SECONDS} s")
            time.sleep(0.5)


# --- in the page ---------------------------------------------------------------------------------
_NOTEBOOK = "const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');"
_ERRORS = (_NOTEBOOK + " const errors = nb ? [...nb.querySelectorAll("
           "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]')]"
           ".map(e => e.textContent).filter(t => t.includes('Traceback')) : [];")
_DONE = "(expected) => { " + _ERRORS + """
  if (!nb) return false;
  if (errors.length) return {errors};
  const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(e => e.textContent.trim());
  const status = nb.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
  return prompts.length === expected && status === 'idle'
    && prompts.every(p => /^\\[\\d+\\]:$/.test(p)) ? {cells: prompts.length} : false;
}"""
# The toolbar's indicator says idle before the kernel has started; the status bar names the
# kernel once it is connected (Run All before that clears the cells and runs nothing).
_READY = """() => [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
  .some(e => /^(?!No Kernel).+ [|] Idle$/.test(e.textContent.trim()))"""
_STARTED = ("() => { " + _NOTEBOOK + " return !!nb && [...nb.querySelectorAll("
            "'.jp-CodeCell .jp-InputPrompt')].some(e => /[*0-9]/.test(e.textContent)); }")
_STATE = "() => { " + _NOTEBOOK + """
  return nb ? {status: nb.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status,
    prompts: [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
      .map(e => e.textContent.trim()).join(' '),
    dialogs: [...document.querySelectorAll('.jp-Dialog')].map(e => e.textContent.slice(0, 300))}
    : null;
}"""
_FIGURES = "() => { " + _NOTEBOOK + """
  return [...nb.querySelectorAll('.js-plotly-plot')].map(gd => ({
    widget: !!gd.closest('.jupyter-widgets'),
    traces: (gd._fullData || []).length,
    drawn: !!gd.querySelector('.main-svg') && !!gd.querySelector('g.trace, .hm, canvas')}));
}"""
_SIGNATURE = """(root) => { const gd = document.querySelector('.' + root + ' .js-plotly-plot');
  if (!gd || !gd.data) return null;
  return JSON.stringify(gd.data.map(t => [t.x, t.y, t.z, t.text]),
                        (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v); }"""


def open_notebook(browser, server: LabServer, name: str):
    """A new page with notebook ``name`` (no suffix) open in JupyterLab, its kernel idle (a fresh
    workspace: nothing else is restored); sets ``page.open_seconds``."""
    page = browser.new_page(viewport=VIEWPORT)
    start = time.monotonic()
    page.goto(f"{server.url}lab/tree/{name}.ipynb?reset&token={server.token}",
              timeout=OPEN_TIMEOUT_MS)
    page.wait_for_function(_READY, timeout=OPEN_TIMEOUT_MS, polling=250)
    page.open_seconds = time.monotonic() - start
    cells = json.loads((server.folder / f"{name}.ipynb").read_text())["cells"]
    page.code_cells = sum(cell["cell_type"] == "code" for cell in cells)
    return page


def run_all_cells(page, timeout_ms: int = RUN_TIMEOUT_MS) -> int:
    """Run → Run All Cells, and wait until every code cell has run and the kernel is idle; the
    number of code cells. A traceback in an output fails at once, with its text; a run that
    does not end in time fails with the notebook's state (and a screenshot)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Run\s*$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        page.wait_for_function(_STARTED, timeout=UPDATE_TIMEOUT_MS, polling=250)
        done = page.wait_for_function(_DONE, arg=page.code_cells, timeout=timeout_ms,
                                      polling=250).json_value()
    except PlaywrightTimeout:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab_run_failed.png"))
        raise AssertionError("Run All did not start or end in time: "
                             f"{page.evaluate(_STATE)} (tests/artifacts/jupyterlab_run_failed.png)")
    if "errors" in done:
        raise AssertionError("a cell failed in JupyterLab:\n" + "\n".join(done["errors"]))
    return done["cells"]


def cell_errors(page) -> list[str]:
    """Texts of the outputs of the open notebook that show a traceback."""
    return page.evaluate("() => { " + _ERRORS + " return errors; }")


def wait_for_figures(page, root: str | None, timeout_ms: int = FIGURE_TIMEOUT_MS) -> list[dict]:
    """Wait until the explorer with CSS class ``root`` (if any) has drawn its figure and every
    plotly figure of the notebook (at least one) has traces; a record per figure (``widget``:
    in a widget output)."""
    if root is not None:
        explorer = page.locator(f".{root}").first
        explorer.wait_for(timeout=timeout_ms)
        explorer.scroll_into_view_if_needed()
        page.wait_for_selector(f".{root} .js-plotly-plot .main-svg", timeout=timeout_ms)
    page.wait_for_function(f"() => {{ const all = ({_FIGURES})();"
                           " return all.length && all.every(f => f.traces > 0 && f.drawn); }",
                           timeout=timeout_ms)
    return page.evaluate(_FIGURES)


def figure_signature(page, root: str) -> str | None:
    """The trace data (x, y, z, text) of the first figure of explorer ``root``, as JSON."""
    return page.evaluate(_SIGNATURE, root)


def move_slider(page, explorer: Explorer, timeout_ms: int = UPDATE_TIMEOUT_MS) -> float:
    """Press ``explorer.key`` on its slider's handle; seconds (page clock) from the key press to
    the moment the figure's trace data differ from before."""
    handle = page.locator(f".{explorer.root} .{explorer.slider} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    before = figure_signature(page, explorer.root)
    assert before is not None, "the explorer's figure has no data"
    t0 = page.evaluate("performance.now()")
    handle.press(explorer.key)
    changed = page.wait_for_function(
        f"([root, before]) => {{ const s = ({_SIGNATURE})(root);"
        " return s !== null && s !== before && performance.now(); }",
        arg=[explorer.root, before], timeout=timeout_ms).json_value()
    return (changed - t0) / 1e3


def screenshot(page, root: str | None, name: str) -> Path:
    """The explorer with CSS class ``root`` (else the notebook as it is) in view, saved as
    ``tests/artifacts/jupyterlab_<name>.png``."""
    if root is not None:
        page.locator(f".{root}").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)  # let plotly finish drawing for the picture
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"jupyterlab_{name}.png"
    page.screenshot(path=str(path))
    return path

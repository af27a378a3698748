"""Build the Binder environment from ``binder/`` as repo2docker does, and serve it as the image
does (used by ``tests/docs/test_binder.py`` and ``benchmarks/bench_binder.py``).

Binder itself cannot be reached from here, so ``build`` repeats repo2docker's Python build pack
by hand: copy the repository's tracked files, make a Python 3.11 environment
(``binder/runtime.txt``), run ``pip install --no-cache-dir -r binder/requirements.txt`` from the
repository root, then ``binder/postBuild``, with ``HOME`` a fresh folder and no
``XDG_CACHE_HOME`` (repo2docker builds and runs with ``HOME=/home/jovyan`` and sets neither).
``jupyter_server`` starts the server as the container does: through ``binder/start`` (repo2docker
runs it with the server's command as arguments).

``COMPILE_LOG`` is an IPython startup file for the server's kernels: it writes one JSON line per
XLA program a kernel obtains (``jax.monitoring``: a backend compile, and whether JAX's persistent
cache served it), so a test can tell a program loaded from the cache from one compiled.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_URLPATH = "voila/render/notebooks/dashboard.ipynb"
SERVER_START_SECONDS = 120

COMPILE_LOG = '''"""Test hook: one JSON line per XLA program this kernel obtains (compiled or from the cache)."""
import importlib.abc
import importlib.util
import json
import os
import sys
import threading
import time


def _log_programs():
    import jax
    from jax import monitoring

    hit = threading.local()

    def on_event(event, **_):
        if event == "/jax/compilation_cache/cache_hits":
            hit.flag = True

    def on_duration(event, seconds, **kwargs):
        if event != "/jax/core/compile/backend_compile_duration":
            return
        record = {"pid": os.getpid(), "time": time.time(), "seconds": seconds,
                  "thread": threading.current_thread().name, "program": kwargs.get("fun_name"),
                  "from_cache": getattr(hit, "flag", False),
                  "cache_dir": jax.config.jax_compilation_cache_dir}
        hit.flag = False
        with open(os.environ["BINDER_TEST_COMPILE_LOG"], "a") as log:
            log.write(json.dumps(record) + "\\n")

    monitoring.register_event_listener(on_event)
    monitoring.register_event_duration_secs_listener(on_duration)


class _AfterJaxImport(importlib.abc.MetaPathFinder):
    """Install the listeners once jax is imported (importing it here would slow kernel starts)."""

    def find_spec(self, name, path, target=None):
        if name != "jax":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _log_programs()

        spec.loader.exec_module = exec_module
        return spec


if "jax" in sys.modules:
    _log_programs()
else:
    sys.meta_path.insert(0, _AfterJaxImport())
'''


@dataclasses.dataclass
class BinderBuild:
    """A Binder environment built in ``folder``: the repository copy, its virtual environment
    (``bin``), the HOME it was built with, the environment to run it with, the build log and
    the seconds each build step took."""

    folder: Path
    repo: Path
    bin: Path
    home: Path
    env: dict[str, str]
    log: Path
    step_seconds: dict[str, float]

    @property
    def cache_dir(self) -> Path:
        """The compilation cache postBuild fills (``serve.command.jax_cache_dir`` under HOME)."""
        return self.home / ".cache" / "ntkviz" / "jax"


def copy_repository(target: Path, source: Path = ROOT) -> Path:
    """The files of the git work tree ``source`` in ``target``: tracked ones and new ones not
    ignored by git (as a commit would hold them: no generated files, no virtual environment)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=source, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (source / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
    return target


def build(folder: Path, source: Path = ROOT) -> BinderBuild:
    """Build the Binder environment of the work tree ``source`` in ``folder`` (raises
    ``RuntimeError`` quoting the log's end if a step fails)."""
    folder.mkdir(parents=True, exist_ok=True)
    repo = copy_repository(folder / "repo", source)
    python = shutil.which("python3.11") or sys.executable
    env_dir, home = folder / "env", folder / "home"
    home.mkdir(exist_ok=True)
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIRTUAL_ENV", "PYTHON", "JAX_", "XDG_", "OPENBLAS_", "OMP_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["HOME"] = str(home)
    log = folder / "build.log"
    steps = {
        "pip install -r binder/requirements.txt": [
            str(bin_dir / "python"), "-m", "pip", "install", "--no-cache-dir",
            "--disable-pip-version-check", "-r", "binder/requirements.txt"],
        "binder/postBuild": ["bash", "binder/postBuild"],
    }
    seconds = {}
    with open(log, "w") as out:
        for name, step in steps.items():
            start = time.monotonic()
            result = subprocess.run(step, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
            seconds[name] = time.monotonic() - start
            if result.returncode != 0:
                out.flush()
                raise RuntimeError(f"{name} failed; see {log}:\n{log.read_text()[-3000:]}")
    return BinderBuild(folder, repo, bin_dir, home, env, log, seconds)


def get(url: str, timeout: float) -> tuple[int, str]:
    """HTTP status and body of ``url`` (an HTTP error's too)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def add_compile_log(env: dict[str, str], folder: Path) -> Path:
    """Make the kernels of a server run with ``env`` log their XLA programs (``COMPILE_LOG``);
    returns the JSON-lines file they write."""
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-compile-log.py").write_text(COMPILE_LOG)
    path = folder / "compiles.jsonl"
    path.unlink(missing_ok=True)
    env["IPYTHONDIR"] = str(folder / "ipython")
    env["BINDER_TEST_COMPILE_LOG"] = str(path)
    return path


def read_compile_log(path: Path) -> list[dict]:
    """The records ``COMPILE_LOG`` wrote (none if no kernel obtained a program)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@contextlib.contextmanager
def jupyter_server(binder: BinderBuild, port: int, log_path: Path, *, through_start: bool = True,
                   env: dict[str, str] | None = None):
    """A Jupyter server of the built environment on 127.0.0.1:``port``, started through
    ``binder/start`` as the container starts it (``through_start=False``: without it, as
    before that script existed); yields the server process once it answers."""
    command = [str(binder.bin / "jupyter"), "server", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
               "--ServerApp.disable_check_xsrf=True",
               # Binder runs as an ordinary user; CI containers here run as root
               *(["--allow-root"] if os.geteuid() == 0 else [])]
    if through_start:
        command = [str(binder.repo / "binder" / "start"), *command]
    with open(log_path, "a") as log:
        server = subprocess.Popen(command, cwd=binder.repo, env=env or binder.env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                try:
                    if get(f"http://127.0.0.1:{port}/api/status", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None:
                    raise RuntimeError(f"jupyter server exited with {server.returncode}; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter server did not answer within {SERVER_START_SECONDS} s")
                time.sleep(0.5)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- In Chromium: the first render and a visitor's first moves --------------------------------
ORBIT = ".ntkviz-orbit-explorer"
#: A visitor's first moves on the orbit tab (each a setting no kernel has computed yet): the
#: architectures JAX compiles (the MLPs are numpy), then new orbit sizes: (label, control,
#: architecture key or slider key).
FIRST_MOVES = (
    ("architecture → C4 group CNN (N = 8)", "architecture", "gcnn"),
    ("N 8 → 9 (C4 group CNN)", "N", "ArrowRight"),
    ("N 9 → 10 (C4 group CNN)", "N", "ArrowRight"),
    ("architecture → CNN, GAP readout (N = 10)", "architecture", "cnn_gap"),
    ("architecture → CNN, flatten readout (N = 10)", "architecture", "cnn_flatten"),
    ("N 10 → 11 (CNN, flatten readout)", "N", "ArrowRight"),
)


def first_moves(page) -> list[tuple[str, float]]:
    """Open the orbit tab and make ``FIRST_MOVES``; (label, seconds) for the tab and each move,
    timed from the click or key press to the last figure redraw it caused
    (``browser_support.timed_move``)."""
    import browser_support as bs

    from ntkviz.experiments.architectures import ARCHITECTURES

    start = time.monotonic()
    bs.select_tab(page, "Orbits of two digits", f"{ORBIT} .js-plotly-plot .main-svg")
    bs.wait_for_value(page, "ntkviz-setting@n", "v === '8'", timeout_ms=bs.FIRST_RENDER_TIMEOUT_MS)
    times = [("open the orbit tab (MLP, N = 8)", time.monotonic() - start)]
    for label, control, value in FIRST_MOVES:
        if control == "architecture":
            select = page.locator(f"{ORBIT} .ntkviz-architecture select").first
            move = lambda v=value: select.select_option(label=ARCHITECTURES[v].label)  # noqa: E731
            readout = "ntkviz-setting@architecture"
        else:
            move = lambda v=value: bs.press(page, "ntkviz-N", v)  # noqa: E731
            readout = "ntkviz-setting@n"
        times.append((label, bs.timed_move(page, ORBIT, move, readout)))
    return times

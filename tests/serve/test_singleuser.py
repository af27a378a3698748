"""A student's server behind JupyterHub (``python -m ntkviz.serve.singleuser``) gets the
settings of ``ntkviz serve``, under the names a Jupyter server running Voila as an extension
reads; the local hub's config file passes its settings on and names a bad one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from traitlets.config import PyFileConfigLoader

from ntkviz.serve import command, singleuser

ROOT = Path(__file__).resolve().parents[2]
HUB_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def test_server_settings_are_those_of_ntkviz_serve_for_a_jupyter_server():
    settings = singleuser.server_settings(max_kernels=3, kernel_memory_mb=900)
    for setting in ("--ServerApp.kernel_manager_class=ntkviz.serve.classroom.ClassroomKernelManager",
                    "--ServerApp.kernel_spec_manager_class="
                    "ntkviz.serve.classroom.ClassroomKernelSpecManager",
                    "--ClassroomKernelManager.max_kernels=3",
                    "--ClassroomKernelSpecManager.kernel_memory_mb=900",
                    "--VoilaConfiguration.template=ntkviz", "--KernelRestarter.restart_limit=0",
                    f"--MappingKernelManager.cull_idle_timeout={command.CULL_IDLE_TIMEOUT}"):
        assert setting in settings
    # a list, as the server reads it (it reads Voila's settings as text)
    assert '--VoilaConfiguration.extension_denylist=["jupyterlab-plotly"]' in settings
    # nothing only Voila's own application reads
    assert not [s for s in settings if s.startswith(("--Voila.", "--port"))]
    assert not [s for s in settings if "preheat" in s or "pool_size" in s or "fill_delay" in s]
    with pytest.raises(ValueError, match="max_kernels"):
        singleuser.server_settings(max_kernels=0)


@pytest.mark.parametrize("option, value", [("--max-kernels", "0"), ("--kernel-memory-mb", "-1"),
                                           ("--cull-idle-timeout", "0")])
def test_bad_options_are_named(option, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        singleuser.main([option, value])
    least = 0 if option == "--kernel-memory-mb" else 1
    assert exit_.value.code == 2
    assert f"{option} must be at least {least}, got {value}" in capsys.readouterr().err


def test_the_dashboard_is_copied_and_jupyterhub_singleuser_runs(monkeypatch, tmp_path):
    ran = {}
    monkeypatch.setattr(singleuser, "_run", lambda argv: ran.update(argv=argv, env=dict(os.environ)))
    # main sets the kernels' variables in this process: on a copy, dropped after the test
    environ = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_NUM_THREADS", "JUPYTER_PATH", "JAX_COMPILATION_CACHE_DIR",
                            "NTKVIZ_GRAM_DIR")}
    monkeypatch.setattr(os, "environ", environ | {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    monkeypatch.chdir(tmp_path)
    singleuser.main(["--max-kernels=4", "--port=9999"])
    assert (tmp_path / singleuser.DASHBOARD).read_bytes() == command.dashboard_path().read_bytes()
    argv, env = ran["argv"], ran["env"]
    assert argv[-1] == "--port=9999"
    assert "--ClassroomKernelManager.max_kernels=4" in argv
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["JUPYTER_PATH"].startswith(str(tmp_path / "cache" / "ntkviz"))
    assert env["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "cache" / "ntkviz" / "jax")
    assert env["NTKVIZ_GRAM_DIR"] == str(tmp_path / "cache" / "ntkviz" / "grams")


def _load(monkeypatch, tmp_path, euid: int = 1000, **env):
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    for name in [n for n in os.environ if n.startswith("NTKVIZ_HUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NTKVIZ_HUB_DIR", str(tmp_path / "state"))
    for name, value in env.items():
        monkeypatch.setenv(f"NTKVIZ_HUB_{name}", value)
    return PyFileConfigLoader(HUB_CONFIG.name, str(HUB_CONFIG.parent)).load_config()


def test_the_hub_config_passes_its_settings_on(monkeypatch, tmp_path):
    c = _load(monkeypatch, tmp_path, PASSWORD="a-password", MAX_KERNELS="3",
              KERNEL_MEMORY_MB="1000", CULL_TIMEOUT="1200")
    assert c.Spawner.default_url == singleuser.DEFAULT_URL
    assert c.Spawner.cmd[1:] == ["-m", "ntkviz.serve.singleuser", "--max-kernels=3",
                                 "--kernel-memory-mb=1000"]
    assert c.Spawner.mem_limit == f"{singleuser.SERVER_MB + 3 * 1000}M"
    assert c.Spawner.args == []
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(tmp_path / "state/home/{username}")
    assert c.SharedPasswordAuthenticator.user_password == "a-password"
    culler = c.JupyterHub.services[0]["command"]
    assert "--timeout=1200" in culler and c.JupyterHub.last_activity_interval == 300
    assert c.Spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"] == "300"
    assert Path(c.ConfigurableHTTPProxy.command[0]).is_file()


@pytest.mark.parametrize("env, message", [
    ({}, "NTKVIZ_HUB_PASSWORD must be set"),
    ({"PASSWORD": "short"}, "NTKVIZ_HUB_PASSWORD must be set to the students' password "
                            "(at least 8 characters), got 5"),
    ({"PASSWORD": "a-password", "MAX_KERNELS": "0"}, "NTKVIZ_HUB_MAX_KERNELS must be at least 1, got 0"),
    ({"PASSWORD": "a-password", "PORT": "eighty"}, "NTKVIZ_HUB_PORT must be an integer, got 'eighty'"),
    ({"PASSWORD": "a-password", "CULL_TIMEOUT": "-5"}, "NTKVIZ_HUB_CULL_TIMEOUT must be at least 1"),
])
def test_the_hub_config_names_a_bad_setting(monkeypatch, tmp_path, env, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _load(monkeypatch, tmp_path, **env)


def test_a_hub_running_as_root_needs_consent(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="NTKVIZ_HUB_ALLOW_ROOT=1"):
        _load(monkeypatch, tmp_path, euid=0, PASSWORD="a-password")
    c = _load(monkeypatch, tmp_path, euid=0, PASSWORD="a-password", ALLOW_ROOT="1")
    assert c.Spawner.args == ["--allow-root"]

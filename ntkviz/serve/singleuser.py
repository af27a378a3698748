"""A student's Jupyter server behind JupyterHub, with the dashboard set up as ``ntkviz serve``
sets it up.

    python -m ntkviz.serve.singleuser [--max-kernels 2] [--kernel-memory-mb 1500]
        [--cull-idle-timeout 600] [--cull-connected-timeout 7200] [jupyterhub-singleuser options]

The hub's spawner runs this instead of ``jupyterhub-singleuser`` (the local course hub in
``deploy/jupyterhub``, ``singleuser.cmd`` on Zero to JupyterHub). It

1. copies the dashboard notebook to ``DASHBOARD`` in the server's root folder (the working
   directory the spawner starts it in, the student's home), replacing an older copy: it is the
   course's page, not the student's work;
2. runs ``jupyterhub-singleuser`` (in this process) with Voila as a server extension and the settings of
   ``ntkviz serve`` (``server_settings``): the ``ntkviz`` page template, no tracebacks, Python
   kernels started through ``ntkviz.serve.launcher`` with a resident-memory bound, at most
   ``--max-kernels`` kernels on this server (a further one gets HTTP 503), idle kernels culled;
3. in the environment of ``ntkviz serve`` (``command.voila_environment``: one BLAS thread, the
   JAX compilation cache, the template on ``JUPYTER_PATH``; values already set win).

The student then finds the dashboard at ``DEFAULT_URL`` (the spawner's ``default_url``), and
JupyterLab at ``/lab`` as on any hub.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from . import command

__all__ = ["main", "server_settings", "DASHBOARD", "DEFAULT_URL", "MAX_KERNELS", "SERVER_MB"]

#: The dashboard's file name in the server's root folder, and its Voila page on that server.
DASHBOARD = "ntkviz-dashboard.ipynb"
DEFAULT_URL = f"/voila/render/{DASHBOARD}"
#: Kernels per student server: the dashboard and one more (a second tab or a notebook).
MAX_KERNELS = 2
#: Resident memory of the Jupyter server process itself, rounded up (measured after the first
#: render of the dashboard: benchmarks/results_jupyterhub.md). A student's server holds at most
#: ``SERVER_MB + max_kernels * kernel_memory_mb``.
SERVER_MB = 200

# ntkviz serve's settings (command.VOILA_SETTINGS) name Voila's own application; a Jupyter
# server running Voila as an extension reads the same classes under these names.
_RENAMED = {
    "--VoilaConfiguration.multi_kernel_manager_class": "--ServerApp.kernel_manager_class",
    "--VoilaConfiguration.kernel_spec_manager_class": "--ServerApp.kernel_spec_manager_class",
    "--Voila.kernel_websocket_connection_class": "--ServerApp.kernel_websocket_connection_class",
}
# Settings of the standalone application only: the hub chooses the address, and only Voila's
# own application keeps a pool of pre-rendered pages.
_STANDALONE = ("--port", "--Voila.ip", "--VoilaConfiguration.preheat_kernel",
               "--VoilaConfiguration.default_pool_size", "--VoilaKernelManager.fill_delay")


def server_settings(*, max_kernels: int = MAX_KERNELS,
                    kernel_memory_mb: int = command.KERNEL_MEMORY_MB,
                    cull_idle_timeout: int = command.CULL_IDLE_TIMEOUT,
                    cull_connected_timeout: int = command.CULL_CONNECTED_TIMEOUT) -> list[str]:
    """The command-line settings of ``command.voila_command`` for a Jupyter server that runs
    Voila as an extension (one student's server); the limits mean what they mean there."""
    voila = command.voila_command(0, Path(DASHBOARD), max_kernels=max_kernels,
                                  kernel_memory_mb=kernel_memory_mb,
                                  cull_idle_timeout=cull_idle_timeout,
                                  cull_connected_timeout=cull_connected_timeout)
    lists = _list_settings()
    settings, listed = [], {}
    for setting in voila:
        if not setting.startswith("--"):
            continue                     # the program and the notebook
        name, equals, value = setting.partition("=")
        name = _RENAMED.get(name, name)
        if name in _STANDALONE:
            continue
        if name.startswith("--Voila."):
            raise ValueError(f"{name} has no equivalent for a Jupyter server running Voila as "
                             "an extension; add it to ntkviz.serve.singleuser")
        if name in lists:                # may repeat on Voila's command line: one list here
            if name not in listed:
                settings.append(name)
            listed.setdefault(name, []).append(value)
        else:
            settings.append(name + equals + value)
    return [f"{s}={json.dumps(listed[s])}" if s in listed else s for s in settings]


def _list_settings() -> set[str]:
    """The list-valued settings (``--Class.name``) of the classes ``ntkviz serve`` configures
    beyond the Jupyter server's own: the server reads those as text, so they need a list."""
    from traitlets import Container
    from voila.configuration import VoilaConfiguration

    from .classroom import ClassroomKernelManager, ClassroomKernelSpecManager

    return {f"--{cls.__name__}.{name}"
            for cls in (VoilaConfiguration, ClassroomKernelManager, ClassroomKernelSpecManager)
            for name, trait in cls.class_traits(config=True).items()
            if isinstance(trait, Container)}


def _run(argv: list[str]) -> None:
    """``jupyterhub-singleuser`` with ``argv``, in this process (its module reads the
    environment when imported)."""
    from jupyterhub.singleuser import main as singleuser

    singleuser(argv)


def main(argv: list[str] | None = None) -> None:
    """Copy the dashboard, then run ``jupyterhub-singleuser`` with the settings."""
    parser = argparse.ArgumentParser(prog="python -m ntkviz.serve.singleuser", allow_abbrev=False,
                                     description=__doc__.splitlines()[0])
    for option, default, least, text in (
            ("--max-kernels", MAX_KERNELS, 1, "most kernels on this student's server"),
            ("--kernel-memory-mb", command.KERNEL_MEMORY_MB, 0,
             "resident memory bound per kernel (0: none)"),
            ("--cull-idle-timeout", command.CULL_IDLE_TIMEOUT, 1,
             "end a kernel without a page after this many idle seconds"),
            ("--cull-connected-timeout", command.CULL_CONNECTED_TIMEOUT, 0,
             "end a kernel with an open page after this many idle seconds (0: never)")):
        parser.add_argument(option, type=int, default=default, metavar="N",
                            help=f"{text} (default %(default)s; at least {least})")
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    limits = {"max_kernels": args.max_kernels, "kernel_memory_mb": args.kernel_memory_mb,
              "cull_idle_timeout": args.cull_idle_timeout,
              "cull_connected_timeout": args.cull_connected_timeout}
    for (name, value), least in zip(limits.items(), (1, 0, 1, 0)):
        if value < least:
            parser.error(f"--{name.replace('_', '-')} must be at least {least}, got {value}")
    settings = server_settings(**limits)
    shutil.copyfile(command.dashboard_path(), Path.cwd() / DASHBOARD)
    os.environ.update(command.voila_environment())
    _run([*settings, *rest])


if __name__ == "__main__":
    main()

"""The ``ntkviz`` command."""

import subprocess
import sys

from ntkviz import cli


def test_check_data_verifies_the_bundled_set():
    result = subprocess.run(
        [sys.executable, "-m", "ntkviz.cli", "check-data"], capture_output=True, text=True, check=True
    )
    assert "10000 digits, checksums OK" in result.stdout


def test_serve_command_serves_only_the_dashboard_on_loopback():
    command = cli.voila_command(8899, cli.dashboard_path())
    assert command[1].endswith("dashboard.ipynb")
    assert "--port=8899" in command and "--Voila.ip=127.0.0.1" in command
    assert "--MappingKernelManager.cull_idle_timeout=600" in command
    assert cli.voila_environment()["OPENBLAS_NUM_THREADS"]


def test_bad_port_is_rejected(capsys):
    try:
        cli.main(["serve", "--port", "0"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "--port must be in 1..65535" in capsys.readouterr().err

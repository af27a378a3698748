"""The ``ntkviz`` command."""

import subprocess
import sys

import pytest

from ntkviz import cli
from ntkviz.serve import command as serve_command


def test_check_data_verifies_the_bundled_set():
    result = subprocess.run(
        [sys.executable, "-m", "ntkviz.cli", "check-data"], capture_output=True, text=True, check=True
    )
    assert "10000 digits, checksums OK" in result.stdout


def test_serve_command_serves_only_the_dashboard_on_loopback():
    command = serve_command.voila_command(8899, cli.dashboard_path())
    assert command[1].endswith("dashboard.ipynb")
    assert "--port=8899" in command and "--Voila.ip=127.0.0.1" in command
    assert "--MappingKernelManager.cull_idle_timeout=600" in command
    env = serve_command.voila_environment()
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    # one persistent compilation cache for all kernels of the server, every program cached
    assert env["JAX_COMPILATION_CACHE_DIR"].endswith("ntkviz/jax")
    assert env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"


def test_bad_port_is_rejected(capsys):
    try:
        cli.main(["serve", "--port", "0"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "--port must be in 1..65535" in capsys.readouterr().err


@pytest.mark.slow
def test_precompute_quick_writes_a_loadable_results_file(tmp_path, capsys):
    from ntkviz.experiments import accuracy

    out = tmp_path / "sub"
    assert cli.main(["precompute", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("accuracy.npz", "width.npz", "dynamics.npz", "augmentation.npz",
                 "equivariant_accuracy.npz"):
        assert f"Wrote {out / name}" in printed
    from ntkviz.experiments import augmentation, dynamics, equivariant_accuracy

    assert dynamics.load_results(out / "dynamics.npz") is not None
    assert len(augmentation.load_precomputed(out / "augmentation.npz")) == 7
    assert equivariant_accuracy.load_results(
        out / "equivariant_accuracy.npz").config == equivariant_accuracy.QUICK
    results = accuracy.load_results(out / "accuracy.npz")
    assert set(results) == {(a, k) for a in ("rotate", "rot90", "shift") for k in ("ntk", "nngp")}
    r = results[("shift", "nngp")]
    assert r.config == accuracy.QUICK and r.architectures == accuracy.DEFAULT_ARCHITECTURES
    direct = accuracy.accuracy_curves(accuracy.QUICK, ("cnn_gap",), "shift", "nngp")
    import numpy as np

    np.testing.assert_array_equal(r.accuracy[r.architectures.index("cnn_gap")], direct.accuracy[0])


def test_precompute_runs_every_registered_part_on_its_bundled_file(monkeypatch, capsys):
    from ntkviz import results

    seen = {}
    for part in results.PRECOMPUTED:
        module = results.precomputed(part)

        def fake_precompute(progress=None, *, quick=False, path=None, part=part, module=module):
            progress(0, 2, "first")
            progress(2, 2, "done")
            seen[part] = (quick, path)
            return module.precomputed_path(), [f"summary of {part}"]

        monkeypatch.setattr(module, "precompute", fake_precompute)
    assert cli.main(["precompute"]) == 0
    assert seen == {part: (False, None) for part in results.PRECOMPUTED}
    assert list(seen) == ["accuracy", "width", "dynamics", "augmentation", "equivariant"]
    printed = capsys.readouterr().out
    for part in results.PRECOMPUTED:
        assert f"Wrote {results.precomputed(part).precomputed_path()}" in printed
        assert f"summary of {part}" in printed


def test_precompute_without_only_takes_a_folder(tmp_path, capsys):
    assert cli.main(["precompute", "--quick", "--out", str(tmp_path / "accuracy.npz")]) == 2
    assert "without --only, --out is the folder" in capsys.readouterr().err


def test_precompute_only_width(tmp_path, capsys):
    from ntkviz.experiments import width

    out = tmp_path / "w.npz"
    assert cli.main(["precompute", "--only", "width", "--quick", "--out", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out and not (tmp_path / "accuracy.npz").exists()
    results = width.load_results(out)
    assert (results.depths, results.widths, results.seeds) == ((1,), (16, 32), (0, 1))
    import numpy as np

    # relative_errors reads the shipped analytic Θ, precompute recomputes it: equal to round-off.
    np.testing.assert_allclose(results.entry(1, "erf")[2],
                               width.relative_errors(1, (16, 32), (0, 1), "erf").errors, rtol=1e-13, atol=0)


def test_voila_keeps_one_preheated_kernel_and_culls_idle_ones():
    command = " ".join(serve_command.voila_command(8866, cli.dashboard_path()))
    assert "--VoilaConfiguration.preheat_kernel=True" in command
    assert "--VoilaConfiguration.default_pool_size=1" in command
    assert "--MappingKernelManager.cull_idle_timeout=600" in command
    assert "--Voila.ip=127.0.0.1" in command

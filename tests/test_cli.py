"""The ``ntkviz`` command."""

import subprocess
import sys

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


def test_precompute_quick_writes_a_loadable_results_file(tmp_path, capsys):
    from ntkviz.experiments import accuracy

    out = tmp_path / "sub" / "accuracy.npz"
    assert cli.main(["precompute", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("accuracy.npz", "width.npz", "dynamics.npz", "augmentation.npz",
                 "equivariant_accuracy.npz"):
        assert f"Wrote {out.with_name(name)}" in printed
    from ntkviz.experiments import augmentation, dynamics, equivariant_accuracy

    assert dynamics.load_results(out.with_name("dynamics.npz")) is not None
    assert len(augmentation.load_precomputed(out.with_name("augmentation.npz"))) == 7
    assert equivariant_accuracy.load_results(
        out.with_name("equivariant_accuracy.npz")).config == equivariant_accuracy.QUICK
    results = accuracy.load_results(out)
    assert set(results) == {(a, k) for a in ("rotate", "rot90", "shift") for k in ("ntk", "nngp")}
    r = results[("shift", "nngp")]
    assert r.config == accuracy.QUICK and r.architectures == accuracy.DEFAULT_ARCHITECTURES
    direct = accuracy.accuracy_curves(accuracy.QUICK, ("cnn_gap",), "shift", "nngp")
    import numpy as np

    np.testing.assert_array_equal(r.accuracy[r.architectures.index("cnn_gap")], direct.accuracy[0])


def test_precompute_defaults_to_the_full_grid_and_the_bundled_file(monkeypatch):
    from ntkviz.experiments import accuracy

    seen = {}

    def fake_precompute(config, progress=None):
        seen["config"] = config
        progress(0, 2, "mlp1, rotate")
        progress(2, 2, "done")
        return {("rotate", "ntk"): accuracy.accuracy_curves(accuracy.QUICK, ("mlp1",), "rotate")}

    monkeypatch.setattr(accuracy, "precompute", fake_precompute)
    monkeypatch.setattr(accuracy, "save_results", lambda results, path: seen.setdefault("path", path))
    from ntkviz.experiments import width

    real_width_precompute = width.precompute

    def fake_width_precompute(progress=None, **grid):  # the default grid, but compute a tiny one
        seen["width_grid"] = grid
        return real_width_precompute(progress, depths=(1,), activations="relu", widths=(16,), seeds=(0,))

    monkeypatch.setattr(width, "precompute", fake_width_precompute)
    monkeypatch.setattr(width, "save_results", lambda results, path: seen.setdefault("width_path", path))
    from ntkviz.experiments import augmentation, dynamics, equivariant_accuracy

    monkeypatch.setattr(dynamics, "precompute",
                        lambda path, progress=None, **grid: seen.setdefault("dynamics", (path, grid)))
    def fake_augmentation_precompute(progress=None, **grid):
        seen["augmentation"] = grid
        return ()

    monkeypatch.setattr(augmentation, "precompute", fake_augmentation_precompute)
    monkeypatch.setattr(augmentation, "save_runs",
                        lambda runs, path: seen.setdefault("augmentation_path", path))
    monkeypatch.setattr(equivariant_accuracy, "precompute",
                        lambda config, progress=None, **kw: seen.setdefault("equivariant", (config, kw)))
    monkeypatch.setattr(equivariant_accuracy, "save_results",
                        lambda result, path: seen.setdefault("equivariant_path", path))
    assert cli.main(["precompute"]) == 0
    assert seen["dynamics"] == (dynamics.precomputed_path(), {})
    assert seen["augmentation"] == {} and seen["augmentation_path"] == augmentation.precomputed_path()
    assert seen["equivariant"] == (equivariant_accuracy.Config(), {"with_companions": True})
    assert seen["equivariant_path"] == equivariant_accuracy.precomputed_path()
    assert seen["config"] == accuracy.Config() and seen["path"] == accuracy.precomputed_path()
    assert seen["width_grid"] == {} and seen["width_path"] == width.precomputed_path()


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

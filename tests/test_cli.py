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
                 "equivariant_accuracy.npz", "survey.npz"):
        assert f"Wrote {out / name}" in printed
    from ntkviz.experiments import augmentation, dynamics, equivariant_accuracy, survey

    assert dynamics.load_results(out / "dynamics.npz") is not None
    assert survey.load_result(out / "survey.npz").n_pairs == 4
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
    assert list(seen) == ["accuracy", "width", "dynamics", "augmentation", "equivariant",
                          "survey"]
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


# --- warm-cache and kernel-env ----------------------------------------------------------------
def _run(code: str, *args: str, env: dict | None = None) -> str:
    """Run ``code`` in a fresh Python (``sys.argv[1:]`` = ``args``); its standard output."""
    import os

    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            env=None if env is None else os.environ | env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_kernel_env_prints_the_environment_of_served_kernels(monkeypatch, tmp_path):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.delenv("NTKVIZ_GRAM_DIR", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # a value already set wins, as for ntkviz serve
    expected = serve_command.kernel_environment()
    assert expected["OMP_NUM_THREADS"] == "3"
    assert expected["JAX_COMPILATION_CACHE_DIR"] == str(serve_command.jax_cache_dir())
    assert expected["NTKVIZ_GRAM_DIR"] == str(serve_command.gram_dir())
    printed = subprocess.run([sys.executable, "-m", "ntkviz.cli", "kernel-env"], capture_output=True,
                             text=True, check=True).stdout
    # what a shell gets from eval "$(ntkviz kernel-env)", as binder/start runs it
    shell = subprocess.run(["bash", "-c", 'eval "$1"; env -0', "-", printed], capture_output=True,
                           check=True, env={"PATH": "/usr/bin:/bin"}).stdout
    got = dict(item.decode().split("=", 1) for item in shell.split(b"\0") if b"=" in item)
    assert {name: got.get(name) for name in expected} == expected
    for name in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
                 "JAX_COMPILATION_CACHE_MAX_SIZE", "OPENBLAS_NUM_THREADS"):
        assert serve_command.voila_environment()[name] == expected[name]  # one set of values


_WARM_CACHE = """
import sys
import jax.numpy as jnp
from ntkviz import cli
from ntkviz.widgets import dashboard

jnp.ones(3).sum()  # JAX in use already (no cache): the command must still fill its folder
dashboard.WARM_UP = (("cnn_gap", (8,)),)
sys.exit(cli.main(["warm-cache", "--cache-dir", sys.argv[1]]))
"""

_SERVED_KERNEL = """
from jax import monitoring
from ntkviz.experiments import orbits

events = []
monitoring.register_event_listener(lambda event, **_: events.append(event))
orbits.orbit_pair_state(N=16, architecture="cnn_gap")  # the same shape bucket as N = 8
print(events.count("/jax/compilation_cache/cache_hits"),
      events.count("/jax/compilation_cache/cache_misses"))
"""


@pytest.mark.slow
def test_warm_cache_fills_the_cache_that_kernels_then_load_from(tmp_path):
    folder, shared = tmp_path / "jax", tmp_path / "grams"
    printed = _run(_WARM_CACHE, str(folder), env={"NTKVIZ_GRAM_DIR": str(shared)})
    assert f"into the JAX cache {folder}" in printed
    assert "orbit kernels, cnn_gap, N = 8:" in printed and "marked as warmed up" in printed
    assert list(folder.glob("*-cache")) and list(folder.glob("ntkviz-*-warmed-up"))
    # the kernel matrix of the orbit tab's opening pair at N = 8, for every kernel to take
    assert f"shared in {shared}: 1\n" in printed
    assert [f.name.split("-")[2:6] for f in shared.glob("*.npy")] == [["cnn_gap", "ntk", "rotate", "N8"]]
    # a second run finds the marker and compiles nothing
    again = subprocess.run([sys.executable, "-m", "ntkviz.cli", "warm-cache", "--cache-dir",
                            str(folder)], capture_output=True, text=True, check=True).stdout
    assert "Nothing to do" in again
    # a kernel with the environment ntkviz serve (or binder/start) gives loads, never compiles
    # (its shared matrices are the folder the warm-up filled: N = 16 is not among them, so the
    # kernel computes, whatever other tests' servers shared)
    env = serve_command.kernel_environment() | {"JAX_COMPILATION_CACHE_DIR": str(folder),
                                                "NTKVIZ_GRAM_DIR": str(shared)}
    hits, misses = map(int, _run(_SERVED_KERNEL, env=env).split())
    assert hits >= 1 and misses == 0, (hits, misses)
    # a cache that receives no program is an error, not a warmed-up cache
    numpy_only = _WARM_CACHE.replace('(("cnn_gap", (8,)),)', '(("mlp1", (8,)),)')
    failed = subprocess.run([sys.executable, "-c", numpy_only, str(tmp_path / "empty")],
                            capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1 and "JAX wrote no program" in failed.stderr, failed.stderr
    assert not list((tmp_path / "empty").glob("ntkviz-*-warmed-up"))


def test_warm_cache_names_a_cache_dir_that_cannot_be_a_folder(tmp_path, capsys):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert cli.main(["warm-cache", "--cache-dir", str(not_a_folder / "jax")]) == 2
    assert "--cache-dir" in capsys.readouterr().err

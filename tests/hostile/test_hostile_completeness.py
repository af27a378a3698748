"""Every public function and class constructor of ntkviz is covered by a hostile-input test
(a ``Case`` in one of this folder's modules) or listed in EXEMPT with a one-line reason."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import ntkviz.experiments

from . import _support, test_hostile_experiments_results

_RESULT = "result data class, built by the package's own functions from validated input"

#: Public names that are not functions taking user input, with why (name → reason).
EXEMPT = {
    "ntkviz.kernels.Kernel": "abstract base class (no constructor arguments)",
    "ntkviz.kernels.NeuralKernel": "abstract base class (no constructor arguments)",
    "ntkviz.experiments.architectures.Architecture": "registry record; users go through "
                                                     "register_architecture",
    **{f"ntkviz.{name}": _RESULT for name in (
        "kernels.finite_gcnn.FiniteNetwork", "spectral.SpectralAnalysis", "gp.Posterior",
        "gp.Conditioning", "experiments.accuracy.AccuracyResult",
        "experiments.augmentation.AugmentationRun", "experiments.dynamics.DynamicsState",
        "experiments.dynamics.Run", "experiments.dynamics.DynamicsResults", "experiments.equivariant_accuracy.EquivariantResult",
        "experiments.multiclass.ExactAccuracy", "experiments.multiclass.ExactAccuracyCurve",
        "experiments.multiclass.SeedsAgreement", "experiments.multiclass.SeedsTrial",
        "experiments.multiclass.SpectralAccuracy", "experiments.multiclass.SpectralAccuracyCurve",
        "experiments.propositions.Claim", "experiments.training.AccuracyCurve",
        "experiments.training.RotatedSplit", "experiments.training.TrainResult",
        "experiments.fitting.FitResult",
        "experiments.width.WidthResults")},
    **{f"ntkviz.reproduction.{name}": "declaration record of a reproduction target or claim, "
                                      "written in the package's own target modules"
       for name in ("Paper", "Target", "Claim", "Outcome", "Protocol", "Deviation")},
}

#: Public functions this folder does not test yet — an honest to-do list, each with why.
PENDING: dict[str, str] = {
    # bugs found and not fixed yet (their cases are left out until fixed)
    **test_hostile_experiments_results.KNOWN_BUGS,
}

_MODULES = ["ntkviz.datasets", "ntkviz.kernels", "ntkviz.kernels.finite_gcnn", "ntkviz.spectral",
            "ntkviz.gp", "ntkviz.geometry", "ntkviz.block_circulant", "ntkviz.plots",
            "ntkviz.widgets", "ntkviz.reproduction"]
_CASE_MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_hostile_*.py")
                       if p.stem != "test_hostile_completeness")


def public_callables():
    """``(qualified name, object)`` for every callable in the ``__all__`` lists (constants and
    other non-callables are data, not functions, and are left out)."""
    modules = list(_MODULES) + [f"ntkviz.experiments.{m.name}" for m in
                                pkgutil.iter_modules(ntkviz.experiments.__path__)
                                if not m.name.startswith("_")]
    found = {}
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj) or (
                    callable(obj) and not isinstance(obj, (dict, tuple, list))):
                found[f"{name}.{attr}"] = obj
    return found


def test_every_public_function_is_covered_or_exempt():
    for name in _CASE_MODULES:
        importlib.import_module(f"{__package__}.{name}")
    covered = _support.COVERED
    missing = sorted(name for name, obj in public_callables().items()
                     if id(obj) not in covered and name not in EXEMPT and name not in PENDING)
    assert not missing, f"{len(missing)} public callables lack a hostile-input test: {missing}"


def test_exempt_and_pending_names_exist():
    names = set(public_callables())
    stale = [n for n in sorted(set(EXEMPT) | set(PENDING))
             if n not in names and not n.endswith(".from_gram")]
    assert not stale, f"EXEMPT/PENDING name things that are not public: {stale}"

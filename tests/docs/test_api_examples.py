"""Every public function of the API reference (docs/api) has an example, and every example runs
as written: each docstring's ``Examples`` section is a doctest, run here with ``np`` (numpy) and
``nv`` (ntkviz) imported, as the reference page says."""

from __future__ import annotations

import doctest
import importlib
import inspect

import numpy as np
import pytest

import ntkviz

CORE = ["ntkviz.datasets", "ntkviz.kernels", "ntkviz.spectral", "ntkviz.gp", "ntkviz.geometry",
        "ntkviz.block_circulant"]
EXPERIMENTS = [f"ntkviz.experiments.{name}" for name in ntkviz.experiments.__all__]
MODULES = CORE + EXPERIMENTS
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def public_functions(module_name: str) -> dict:
    module = importlib.import_module(module_name)
    return {name: obj for name in module.__all__
            if inspect.isfunction(obj := getattr(module, name))}


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_has_an_example(module_name):
    missing = [name for name, fn in public_functions(module_name).items()
               if "Examples\n" not in (inspect.getdoc(fn) or "") or ">>>" not in inspect.getdoc(fn)]
    assert not missing, f"{module_name}: no Examples section with >>> in {missing}"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_example_runs_as_written(module_name):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for name, fn in public_functions(module_name).items():
        for test in finder.find(fn, f"{module_name}.{name}", globs={"np": np, "nv": ntkviz}):
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0, f"an example of {module_name} failed (printed above)"

"""One quick run of every reproduction target per test session: ``ntkviz reproduce all --quick``
into a fresh folder, the command a user types (PNG included), shared by the command's tests and
by each target's tests."""

from __future__ import annotations

import json

import pytest

from ntkviz import cli, reproduction


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """The folder of the quick run: ``<target>.json/.html/.png`` and ``reproduction.md``."""
    out = tmp_path_factory.mktemp("reproduction")
    assert cli.main(["reproduce", "all", "--quick", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def quick_results(quick_run):
    """Every target's quick-run numbers, by target name (as ``reproduction.run`` returns them)."""
    return {name: json.loads((quick_run / f"{name}.json").read_text())
            for name in reproduction.TARGETS}

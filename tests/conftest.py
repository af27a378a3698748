"""Session settings shared by every test.

* Property tests run one fixed-seed hypothesis profile (``property_budget``), the same in
  ``make test`` and in CI; ``make fuzz`` explores.
* Served dashboards keep their persistent JAX compilation cache under ``XDG_CACHE_HOME``
  (``ntkviz.serve.jax_cache_dir``): each session gets a fresh one, so no test depends on what an
  earlier run compiled or marked as warmed up.
* Markers: every test of ``tests/serve`` (a Voila server per test) and ``tests/reproduction``
  (a quick run of every target) is ``slow``, beside the tests marked one by one; ``make check``
  runs the rest.
* Parallel runs (``pytest -n 2 --dist loadgroup``, as ``make test`` does): a test file is one unit
  of work, so its module fixtures are built once; ``tests/reproduction`` (one quick run shared by
  the whole folder) and ``tests/serve`` (one served dashboard at a time) are one unit each and go
  first: they are the longest units.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import property_budget  # noqa: F401  (registers and loads the hypothesis profile)
import pytest

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ntkviz-test-cache-")


ROOT = Path(__file__).parent.parent
SLOW_FOLDERS = ("serve", "reproduction")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        folder = item.path.parent.name
        if folder in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
        group = folder if folder in SLOW_FOLDERS else item.path.relative_to(ROOT).as_posix()
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: item.path.parent.name not in SLOW_FOLDERS)

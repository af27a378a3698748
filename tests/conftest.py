"""Session settings shared by every test.

* Property tests run one fixed-seed hypothesis profile (``property_budget``), the same in
  ``make test`` and in CI; ``make fuzz`` explores.
* Served dashboards keep their persistent JAX compilation cache under ``XDG_CACHE_HOME``
  (``ntkviz.serve.jax_cache_dir``): each session gets a fresh one, so no test depends on what an
  earlier run compiled or marked as warmed up.
* Markers: every test of ``tests/serve`` (a Voila server per test) and ``tests/reproduction``
  (a quick run of every target) is ``slow``, beside the tests marked one by one; ``make check``
  runs the rest.
"""

from __future__ import annotations

import os
import tempfile

import property_budget  # noqa: F401  (registers and loads the hypothesis profile)
import pytest

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ntkviz-test-cache-")


SLOW_FOLDERS = ("serve", "reproduction")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.parent.name in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)

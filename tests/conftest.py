"""Session settings shared by every test.

* Property tests run one fixed-seed hypothesis profile (``property_budget``), the same in
  ``make test`` and in CI; ``make fuzz`` explores.
* Served dashboards keep their persistent JAX compilation cache and shared kernel matrices
  under ``XDG_CACHE_HOME`` (``ntkviz.serve.jax_cache_dir``, ``gram_dir``): each session gets a
  fresh one, so no test depends on what an earlier run compiled, computed or marked as warmed
  up; the test process itself shares no kernel matrices unless a test sets ``NTKVIZ_GRAM_DIR``.
* Markers: every test of ``tests/serve`` (a Voila server per test), ``tests/reproduction``
  (a quick run of every target) and ``tests/website`` (the course website, lessons executed)
  is ``slow``, beside the tests marked one by one; ``make check``
  runs the rest.
* Parallel runs (``pytest -n 2``, as ``make test`` does): a test file is one unit of work, so its
  module fixtures are built once; ``tests/reproduction`` (one quick run shared by the folder),
  ``tests/serve`` (one served dashboard at a time) and ``tests/website`` are one unit each and
  are handed out first, being the longest.
"""

from __future__ import annotations

import os
import tempfile

import property_budget  # noqa: F401  (registers and loads the hypothesis profile)
import pytest

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ntkviz-test-cache-")
os.environ.pop("NTKVIZ_GRAM_DIR", None)


SLOW_FOLDERS = ("serve", "reproduction", "website")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.parent.name in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.path.parent.name not in SLOW_FOLDERS)


def _unit_of_work(nodeid: str) -> str:
    """``tests/serve`` or ``tests/reproduction`` for their tests, else the test's file."""
    path = nodeid.split("::", 1)[0]
    folder = path.rsplit("/", 1)[0]
    return folder if folder.rsplit("/", 1)[-1] in SLOW_FOLDERS else path


@pytest.hookimpl(tryfirst=True, optionalhook=True)   # (known only with xdist loaded)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scope scheduler with our units of work, handed out in collection order."""
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _unit_of_work(nodeid)

    config.option.loadscopereorder = False
    return UnitScheduling(config, log)

"""One fixed-seed hypothesis profile for every property test, and the opt-in fuzzing mode.

``make test`` (and CI) run every property test derandomized: the examples are a function of the
test alone, so a newcomer's run draws exactly what CI draws, and no example database is kept,
so no run depends on what an earlier one left behind. ``make fuzz`` sets ``NTKVIZ_FUZZ=1``:
fresh random examples and ``NTKVIZ_FUZZ_FACTOR`` (default 10) times the example budget. A
failure prints its example and a reproduction blob; add it as an explicit example.
"""

from __future__ import annotations

import os

from hypothesis import settings

FUZZ = os.environ.get("NTKVIZ_FUZZ", "") == "1"
FACTOR = int(os.environ.get("NTKVIZ_FUZZ_FACTOR", "10")) if FUZZ else 1


def examples(count: int) -> int:
    """A test's example budget: ``count`` in the fixed profile, ``FACTOR`` times it when fuzzing."""
    return count * FACTOR


PROFILE = "ntkviz-fuzz" if FUZZ else "ntkviz-fixed"
settings.register_profile(PROFILE, derandomize=not FUZZ, database=None, print_blob=True)
settings.load_profile(PROFILE)

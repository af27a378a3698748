"""Hostile inputs for ntkviz.reproduction (configs, claims, figures, result files)."""

import numpy as np

from ntkviz import reproduction as R

from ._support import _SCRATCH, Case, Choice, PathArg, Values, hostile_tests

SHIPPED = R.load_results(R.shipped_dir())
TARGET = "circle"  # the cheapest target
TARGETS = Choice(tuple(R.TARGETS))
BAD_RESULTS = Values((None, 3, "circle", [], {TARGET: {}}, {TARGET: {"x": 1}}, {TARGET: None},
                      {TARGET: {"config": None}}, {TARGET: [1, 2]}, {TARGET: np.zeros(3)}))
BAD_DATA = Values((None, 3, "x", [], {}, {"x": 1}, {"config": {}}, np.zeros(3)))
OUT = _SCRATCH / "out"


CASES = [
    Case(R.target, dict(name=TARGET), dict(name=TARGETS)),
    Case(R.claims, check_base=False),  # lists every target's claims (needs all target modules)
    Case(R.run, dict(name=TARGET, quick=True), dict(name=TARGETS)),
    Case(R.check, dict(results=SHIPPED), dict(results=BAD_RESULTS)),
    Case(R.figure, dict(name=TARGET, data=SHIPPED[TARGET]), dict(name=TARGETS, data=BAD_DATA)),
    Case(R.write_target, dict(name=TARGET, data=SHIPPED[TARGET], out_dir=OUT, png=False),
         dict(name=TARGETS, data=BAD_DATA, out_dir=PathArg())),
    Case(R.load_results, dict(out_dir=R.shipped_dir()), dict(out_dir=PathArg())),
    Case(R.shipped_dir),
    Case(R.write_report, dict(out_dir=R.shipped_dir(), report_path=OUT / "report.md"),
         dict(out_dir=PathArg(), report_path=PathArg())),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

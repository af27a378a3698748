"""Hostile inputs for ntkviz.datasets."""

import numpy as np

from ntkviz import datasets as D

from ._support import Arr, Case, Choice, Int, PathArg, Real, Seed, Values, hostile_tests

RNG = np.random.default_rng(0)
IMAGE = RNG.random((8, 8))
ORBIT = D.orbit(IMAGE, N=4, action="rot90")
IMAGES = RNG.random((3, 8, 8))

ORDER = Values((2, -1, 5, "3", 3.5, None))
CASES = [
    Case(D.circle_pair, dict(N=4, delta=1.0), dict(N=Int(minimum=2), delta=Real(minimum=0.0))),
    Case(D.transform, dict(image=IMAGE, k=1, N=4, action="rot90"),
         dict(image=Arr(IMAGE), k=Int(huge=False), N=Int(minimum=1),
              action=Choice(D.ACTIONS), order=ORDER)),
    Case(D.orbit, dict(image=IMAGE, N=4, action="shift"),
         dict(image=Arr(IMAGE), N=Int(minimum=1), action=Choice(D.ACTIONS), order=ORDER)),
    Case(D.normalize, dict(images=IMAGES), dict(images=Arr(IMAGES))),
    Case(D.interleave, dict(orbit_a=ORBIT, orbit_b=ORBIT[::-1]),
         dict(orbit_a=Arr(ORBIT), orbit_b=Arr(ORBIT))),
    Case(D.pool2, dict(images=IMAGES), dict(images=Arr(IMAGES))),
    Case(D.load_mnist, dict(path=None, split="test"),
         dict(path=PathArg(), split=Choice(("test", "train")))),
    Case(D.digits_per_class, dict(count=2, seed=0, classes=3),
         dict(count=Int(minimum=1), seed=Seed(), classes=Int(minimum=1, maximum=10))),
    Case(D.bundled_data_dir),
    Case(D.mnist_test_set),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

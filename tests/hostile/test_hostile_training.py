"""Hostile inputs for the trained networks (experiments.networks, experiments.fitting,
experiments.pair_training): bad sizes, keys, images, labels and schedules are refused with a
message naming the argument, or the result is finite."""

import jax
import numpy as np

from ntkviz.experiments import fitting, networks, pair_training

from ._support import Arr, Case, Choice, Int, Real, Seed, Seq, Values, hostile_tests

KEY = jax.random.key(0)
TINY_MLP = networks.make_network("mlp", 6, KEY, mlp_widths=(4,))
IMAGES = np.random.default_rng(0).random((8, 6, 6)).astype(np.float32)
LABELS = np.arange(8) % 10
NOT_KEY = Values((None, 3, 0, "key", np.zeros(2), jax.random.split(KEY, 2), object()))
NOT_MODEL = Values((None, 3, "mlp", np.zeros(3), object(), len))
PAIRS = np.random.default_rng(1).random((2, 4, 3))
SIGNS = np.tile([1.0, -1.0, 1.0, -1.0], (2, 1))

CASES = [
    Case(networks.make_network, dict(architecture="mlp", image_size=6, key=KEY, mlp_widths=(4,)),
         dict(architecture=Choice(networks.NETWORKS), image_size=Int(minimum=1, maximum=256),
              key=NOT_KEY, mlp_widths=Seq((4,), minimum=1), dropout=Real(minimum=0.0, maximum=0.95),
              readout_bias=Values((None, 1, "yes", np.zeros(2))), init=Choice(networks.INITS),
              vit_dim=Int(minimum=1), cnn_channels=Seq((2, 3), minimum=1)),
         slow=True),
    Case(fitting.fit, dict(model=TINY_MLP, train_x=IMAGES, train_y=LABELS, epochs=1, batch_size=4,
                           key=KEY),
         dict(model=NOT_MODEL, train_x=Arr(IMAGES, many=2000), train_y=Arr(LABELS),
              epochs=Int(minimum=1, maximum=fitting.MAX_EPOCHS), batch_size=Int(minimum=1),
              key=NOT_KEY, learning_rate=Real(minimum=0.0, strict=True, maximum=1.0),
              b1=Real(minimum=0.0, maximum=1.0), b2=Real(minimum=0.0, maximum=1.0),
              monitor=Values((3, "x", [1], {"a": 3}, {"a": (IMAGES,)}, {"a": (IMAGES, LABELS[:2])},
                              {"a": (IMAGES * np.nan, LABELS)}, {"a": (IMAGES, LABELS + 20)})),
              stop=Values((3, "a", ("a", 0.5), ("a",), (None, 0.5))),
              progress=Values((3, "f", [len]))),
         names={"monitor": ("monitor[",), "stop": ("stop",)}, slow=True),
    Case(fitting.accuracy, dict(model=TINY_MLP, images=IMAGES, labels=LABELS),
         dict(model=NOT_MODEL, images=Arr(IMAGES, many=2000), labels=Arr(LABELS)), slow=True),
    Case(pair_training.train_pair_networks,
         dict(X=PAIRS, y=SIGNS, left_out=(0, 3), width=4, steps=2),
         dict(X=Arr(PAIRS, many=16), y=Arr(SIGNS), left_out=Seq((0, 3), minimum=0),
              width=Int(minimum=1, maximum=1 << 14), steps=Int(minimum=1, maximum=10**6),
              learning_rate=Real(minimum=0.0, strict=True, maximum=1.0), seed=Seed(),
              chunk=Int(minimum=1), progress=Values((3, "f", [len]))),
         slow=True),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)


# ten classes (Fig. 6B / App. F) ---------------------------------------------------------------
from ntkviz.experiments import ten_classes  # noqa: E402

TEN_X, TEN_LABELS, _ = ten_classes.class_points(1, 2)
TEN_K = ten_classes.gram(TEN_X)

TEN_CASES = [
    Case(ten_classes.b3_kernel),
    Case(ten_classes.class_points, dict(seeds_per_class=1, N=2),
         dict(seeds_per_class=Int(minimum=1), N=Int(minimum=2, maximum=64), seed=Seed(),
              order=Values((2, -1, 3.5, "3", None)))),
    Case(ten_classes.gram, dict(X=TEN_X), dict(X=Arr(TEN_X, many=10**5), tile=Int(minimum=1)),
         slow=True),
    *[Case(f, dict(K=TEN_K, seeds_per_class=1, N=2),
           dict(K=Arr(TEN_K), seeds_per_class=Int(minimum=1), N=Int(minimum=1),
                ridge=Real(minimum=0.0)), allow_nan=nan)   # NaN: a class against itself
      for f, nan in ((ten_classes.spectral_predictions, True),
                     (ten_classes.exact_predictions, False))],
    Case(ten_classes.train_leave_out,
         dict(X=TEN_X, labels=TEN_LABELS, leave_out=3, seeds_per_class=1, N=2, max_steps=2,
              batch_size=8, init="torch"),
         dict(X=Arr(TEN_X, many=40), labels=Arr(TEN_LABELS), leave_out=Int(minimum=0, maximum=9),
              seeds_per_class=Int(minimum=1), N=Int(minimum=1),
              max_steps=Int(minimum=1, maximum=10**7), seed=Seed(), batch_size=Int(minimum=1),
              init=Choice(networks.INITS), input_scale=Real(minimum=0.0, strict=True, maximum=1e6),
              stop_accuracy=Real(minimum=0.0, maximum=1.0),
              dropout=Real(minimum=0.0, maximum=0.95)),
         slow=True),
]

test_ten_baseline, test_ten_hostile, test_ten_hostile_slow, test_ten_regression = hostile_tests(
    TEN_CASES)

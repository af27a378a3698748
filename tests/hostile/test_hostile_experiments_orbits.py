"""Hostile inputs for ntkviz.experiments: architectures, circle, digits, orbits, survey, propositions."""

import numpy as np

from ntkviz import datasets
from ntkviz.experiments import architectures as AR
from ntkviz.experiments import circle as CI
from ntkviz.experiments import digit_orbits as DO
from ntkviz.experiments import digits as DI
from ntkviz.experiments import orbits as OR
from ntkviz.experiments import propositions as PR
from ntkviz.experiments import survey as SU
from ntkviz.kernels import rbf

from ._support import Arr, Case, Choice, Fn, Int, Real, Seed, Seq, Values, hostile_tests

KEYS = tuple(AR.ARCHITECTURES)
KIND = Choice(AR.KINDS)
ACTION = Choice(datasets.ACTIONS)
DIGIT = Values(((3,), (3, 0, 1), (10, 0), (-1, 0), (3, -1), (3, 10**9), (2.5, 0), ("3", 0), None,
                3, "3", (np.nan, 0), (True, 0), ((3, 0),)))
VECTORS = np.random.default_rng(2).standard_normal((3, 14, 14))
ORBIT = DO.prepared_orbit((3, 0), action="rot90", N=4)
ORBIT_B = DO.prepared_orbit((8, 0), action="rot90", N=4)
X, _ = datasets.circle_pair(N=4, delta=1.0)
KC = rbf(1.0)(X)

CASES = [
    Case(AR.architecture, dict(key="mlp1"), dict(key=Choice(KEYS)), names={"key": ("architecture",)}),
    Case(AR.kernel_matrix, dict(key="mlp1", x1=VECTORS[:2]),
         dict(key=Choice(KEYS), x1=Arr(VECTORS[:2]), x2=Arr(VECTORS[:2]), kind=KIND,
              action=ACTION, N=Int(minimum=1)), slow=True, names={"key": ("architecture",)}),
    Case(CI.circle_state, dict(N=4), dict(N=Int(minimum=2), delta=Real(minimum=0.0),
                                          length_scale=Real(minimum=0.0, strict=True),
                                          ridge=Real(minimum=0.0)),
         covers=(CI.circle_state, CI.CircleState)),
    Case(CI.error_vs_delta, dict(N=4, length_scale=1.0, deltas=(0.5, 1.0)),
         dict(N=Int(minimum=2), length_scale=Real(minimum=0.0, strict=True),
              deltas=Seq((0.5, 1.0), item="real", minimum=0.0), ridge=Real(minimum=0.0))),
    Case(CI.error_vs_N, dict(delta=1.0, length_scale=1.0, Ns=(4, 6)),
         dict(delta=Real(minimum=0.0), length_scale=Real(minimum=0.0, strict=True),
              Ns=Seq((4, 6), minimum=2), ridge=Real(minimum=0.0))),
    Case(DI.digit, dict(label=3), dict(label=Int(minimum=0, maximum=9), sample=Int(minimum=0))),
    Case(DI.class_size, dict(label=3), dict(label=Int(minimum=0, maximum=9))),
    Case(DI.class_indices),
    Case(DI.check_digit, dict(name="a", value=(3, 0)), dict(value=DIGIT), names={"value": ("a",)}),
    Case(DI.random_pair, dict(seed=0), dict(seed=Seed())),
    Case(DI.random_pairs, dict(n_pairs=3), dict(n_pairs=Int(minimum=1), seed=Seed())),
    Case(DO.allowed_N, dict(action="rot90"), dict(action=ACTION, architecture=Choice(KEYS))),
    Case(DO.check_N, dict(N=4, action="rot90"),
         dict(N=Int(minimum=1), action=ACTION, architecture=Choice(KEYS))),
    Case(DO.prepared_orbit, dict(d=(3, 0), action="rot90", N=4),
         dict(d=DIGIT, action=ACTION, N=Int(minimum=1), architecture=Choice(KEYS))),
    Case(OR.pair_state_from_orbits, dict(orbit_a=ORBIT, orbit_b=ORBIT_B, action="rot90"),
         dict(orbit_a=Arr(ORBIT), orbit_b=Arr(ORBIT), action=ACTION, N=Int(minimum=1),
              architecture=Choice(KEYS), kind=KIND), slow=True),
    Case(OR.orbit_pair_state, dict(action="rot90", N=4),
         dict(a=DIGIT, b=DIGIT, action=ACTION, N=Int(minimum=1), architecture=Choice(KEYS),
              kind=KIND, order=Choice(datasets.ORDERS), spectral_ridge=Real(minimum=0.0),
              cache=Values((None, 1, "yes"))),
         covers=(OR.orbit_pair_state, OR.OrbitPairState), slow=True),
    Case(OR.spectral_part, dict(Kc=KC), dict(Kc=Arr(KC), ridge=Real(minimum=0.0)),
         allow_inf=True),  # SpectralAnalysis documents inf for a rank-deficient kernel
    Case(OR.warm_up, dict(Ns=(4,), action="rot90"),
         dict(architecture=Choice(KEYS), Ns=Seq((4,), minimum=1), action=ACTION, kind=KIND),
         slow=True,  # Ns=nan once raised "'float' object is not iterable" without naming Ns
         regressions=(("Ns", float("nan")), ("Ns", 4), ("Ns", (float("nan"),)))),
    Case(SU.pair_survey, dict(n_pairs=2, action="rot90", N=4),
         dict(architecture=Choice(KEYS), action=ACTION, N=Int(minimum=1), n_pairs=Int(minimum=2),
              seed=Seed(), kind=KIND, progress=Fn()),
         covers=(SU.pair_survey, SU.SurveyResult), slow=True),
    Case(SU.pearson, dict(x=[1.0, 2.0, 4.0], y=[1.0, 3.0, 2.0]),
         dict(x=Arr(np.array([1.0, 2.0, 4.0])), y=Arr(np.array([1.0, 3.0, 2.0]))),
         allow_nan=True),  # documented: NaN for a constant (or too short) sample
    Case(PR.orbit_properties, dict(kernel_or_gram=rbf(1.0)(ORBIT.reshape(4, -1)), action="rot90"),
         dict(kernel_or_gram=Arr(rbf(1.0)(ORBIT.reshape(4, -1))), action=ACTION, N=Int(minimum=1),
              rtol=Real(minimum=0.0), approx_rtol=Real(minimum=0.0), rank_rtol=Real(minimum=0.0),
              kind=KIND, image=Arr(ORBIT[0])),
         covers=(PR.orbit_properties, PR.OrbitProperties)),
    Case(PR.pair_properties, dict(gram=KC), dict(gram=Arr(KC), rank_rtol=Real(minimum=0.0)),
         covers=(PR.pair_properties, PR.PairProperties),
         allow_inf=True),  # mean_inverse is documented +inf for a rank-deficient K (ε = 0)
    Case(PR.proposition_table, dict(images=(ORBIT[0] > 0).astype(float)[None].repeat(2, 0)),
         dict(images=Arr(np.zeros((2, 14, 14))), kind=KIND, resolution=Int(minimum=1)),
         covers=(PR.proposition_table, PR.PropositionTable, PR.PropositionRow), slow=True,
         check_base=False),
    Case(PR.default_images),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

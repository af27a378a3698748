"""Hostile inputs for ntkviz.plots (the circle-model, orbit, spectrum, error-bar, dynamics and
augmentation figures and their ``*_update`` dicts): a named ValueError/TypeError, or a figure
whose numbers are all finite. ``orbit_strip`` draws NaN gaps between images and the dynamics
figures NaN network fields without runs, on purpose (``allow_nan``). The other plot functions
are listed as PENDING (PENDING_REASON) until they validate their input."""

import numpy as np

from ntkviz import plots as P
from ntkviz.experiments import circle as CI, orbits as OR

from ._support import Arr, Case, Int, Obj, Real, Values, hostile_tests

S = CI.circle_state(N=4, delta=1.0, length_scale=1.0)
XS = np.array([0.5, 1.0, 1.5])
EPS = np.array([0.2, 0.3, 0.4])
ORBIT_A = OR.prepared_orbit((3, 0), action="rot90", N=4)
ORBIT_B = OR.prepared_orbit((8, 0), action="rot90", N=4)
FINITE = Real(fuzz=False)
TEXT = Values((None, 3, ["K"], b"K"))


def _pair(name, base, hostile, **options):
    """The figure builder and its ``_update`` twin share their arguments."""
    return [Case(getattr(P, name), base, hostile, **options),
            Case(getattr(P, name + "_update"), base, hostile, **options)]


def pending_cases():
    return [
        *_pair("orbits_3d", dict(X=S.X, y=S.y), dict(X=Arr(S.X), y=Arr(S.y), missing=Int(minimum=0))),
        *_pair("kernel_heatmap", dict(K=S.K), dict(K=Arr(S.K), title=TEXT)),
        Case(P.inverse_spectrum, dict(lam=S.lam, N=4, eps=S.eps_spectral),
             dict(lam=Arr(S.lam), N=Int(minimum=1), eps=FINITE)),
        Case(P.inverse_spectrum_update, dict(lam=S.lam, N=4, eps=S.eps_spectral),
             dict(lam=Arr(S.lam), N=Int(minimum=1), eps=FINITE)),
        *_pair("posterior_ring", dict(angles=S.ring_angles, mean_A=S.ring_mean_A, mean_B=S.ring_mean_B,
                                      X=S.X, y=S.y, prediction=0.5),
               dict(angles=Arr(S.ring_angles), mean_A=Arr(S.ring_mean_A), mean_B=Arr(S.ring_mean_B),
                    X=Arr(S.X), y=Arr(S.y), prediction=FINITE, missing=Int(minimum=0))),
        *_pair("error_curve", dict(xs=XS, eps=EPS, current_x=1.0, xlabel="δ"),
               dict(xs=Arr(XS), eps=Arr(EPS), current_x=FINITE, xlabel=TEXT, current_eps=FINITE)),
        *_pair("error_bars", dict(eps_spectral=0.3, eps_exact=0.3, prediction_a=0.7, prediction_b=-0.7),
               dict(eps_spectral=FINITE, eps_exact=FINITE, prediction_a=FINITE, prediction_b=FINITE)),
        *_pair("kernel_pair", dict(K=S.K, Kc=S.Kc, deviation=0.0),
               dict(K=Arr(S.K), Kc=Arr(S.Kc), deviation=FINITE, name=TEXT)),
        *_pair("orbit_strip", dict(orbit_a=ORBIT_A, orbit_b=ORBIT_B),
               dict(orbit_a=Arr(ORBIT_A), orbit_b=Arr(ORBIT_B),
                    labels=Values((None, 3, ("A",), ("A", "B", "C"), "AB"))),
               allow_nan=True),  # documented: NaN gaps between the images of the strip
        Case(P.apply_update, dict(fig=P.kernel_heatmap(S.K), update=P.kernel_heatmap_update(S.Kc)),
             dict(fig=Obj(), update=Values((None, 3, "x", [], {"nope": 1}, {"data": 3})))),
    ]


NOT_STATE = Values((None, 3, "state", {}, [], object(), np.zeros(3)))
NOT_RUNS = Values((None, 3, "runs", [3], [None, "run"], {"a": 3}, object(), b"runs"))
SELECTED = Values((3, "nominal", ("nope", "x"), ("nominal",), object()))


def covered_cases():
    """The experiment figures validated so far: the dynamics figures (a DynamicsState) and the
    augmentation figures (runs and the selected slot)."""
    from ntkviz.experiments import augmentation as AU, dynamics as DY

    state = DY.dynamics_state(t=10.0)
    runs = list(AU.load_precomputed().values())[:3]
    dynamics = [Case(getattr(P, name), dict(state=state), dict(state=NOT_STATE), allow_nan=True)
                for base in ("outputs_figure", "mode_decay", "error_vs_time", "distance_vs_width")
                for name in (base, base + "_update")]  # NaN: network fields without runs (documented)
    augmentation = [Case(getattr(P, name), dict(runs=runs), dict(runs=NOT_RUNS, selected=SELECTED),
                         id=name)
                    for base in ("loss_curves", "augmentation_accuracy_curves", "distance_curves")
                    for name in (base, base + "_update")]
    return dynamics + augmentation


CASES = pending_cases() + covered_cases()
DRAFTED = {c.id for c in CASES}
test_baseline, test_hostile, test_hostile_slow = hostile_tests(CASES)


PENDING_REASON = ("validates no input yet (NaN/inf reach the figure, bad shapes give IndexError): "
                  "the accuracy, survey, width, gcnn_width, propositions and equivariant_accuracy "
                  "figures; the circle, orbit, spectrum, dynamics and augmentation figures and "
                  "apply_update are covered (style.check_values and friends)")

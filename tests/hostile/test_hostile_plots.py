"""Hostile inputs for ntkviz.plots, every figure and its ``*_update`` dict: the circle-model,
orbit, spectrum, error-bar, dynamics and augmentation figures, apply_update, and the accuracy,
survey, width, group-CNN width, proposition and equivariant-accuracy figures. The property: a
named ValueError/TypeError, or a figure whose numbers are all finite. ``orbit_strip`` draws NaN
gaps between images and the dynamics figures NaN network fields without runs, on purpose
(``allow_nan``). Elsewhere a legal NaN input (an accuracy not computed, a slope not fitted, an
undefined correlation) or +inf (``mean_inverse`` of a rank-deficient kernel) is drawn as a gap
(None), so those cases need no ``allow_nan``; their bases include such values."""

import numpy as np

from ntkviz import plots as P
from ntkviz.experiments import circle as CI
from ntkviz.experiments import digit_orbits as DO
from ntkviz.plots.accuracy import MAX_COLUMNS

from ._support import INF, NAN, Arr, Case, Int, Obj, Real, Values, hostile_tests

S = CI.circle_state(N=4, delta=1.0, length_scale=1.0)
XS = np.array([0.5, 1.0, 1.5])
EPS = np.array([0.2, 0.3, 0.4])
ORBIT_A = DO.prepared_orbit((3, 0), action="rot90", N=4)
ORBIT_B = DO.prepared_orbit((8, 0), action="rot90", N=4)
FINITE = Real(fuzz=False)
TEXT = Values((None, 3, ["K"], b"K"))


def _pair(name, base, hostile, **options):
    """The figure builder and its ``_update`` twin share their arguments."""
    return [Case(getattr(P, name), base, hostile, **options),
            Case(getattr(P, name + "_update"), base, hostile, **options)]


def spectrum_cases():
    """The circle-model, spectrum and orbit-pair figures and apply_update."""
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


def training_cases():
    """The dynamics figures (a DynamicsState) and the augmentation figures (runs and the
    selected slot)."""
    from ntkviz.experiments import augmentation as AU
    from ntkviz.experiments import dynamics as DY

    state = DY.dynamics_state(t=10.0)
    runs = list(AU.load_precomputed().values())[:3]
    dynamics = [Case(getattr(P, name), dict(state=state), dict(state=NOT_STATE), allow_nan=True)
                for base in ("outputs_figure", "mode_decay", "error_vs_time", "distance_vs_width")
                for name in (base, base + "_update")]  # NaN: network fields without runs (documented)
    augmentation = [Case(getattr(P, name), dict(curves=AU.curves(runs)),
                         dict(curves=NOT_RUNS, selected=SELECTED), id=name)
                    for base in ("loss_curves", "augmentation_accuracy_curves", "distance_curves")
                    for name in (base, base + "_update")]
    return dynamics + augmentation


NOT_MAPPING = Values((None, 3, "curves", [], [0.5], object(), b"x"))
NOT_KEYS = Values((None, 3, "gcnn", b"gcnn", [], [3, 4], ["gcnn"], ["gcnn", "mlp1", "x"], {"a": 1},
                   object()))
NOT_KEY = Values((None, 3, "nope", ["gcnn"], b"gcnn", ("gcnn",), ""))
NOT_LABELS = Values((3, "labels", ["a"], object(), b"x"))


def accuracy_cases():
    """plots.accuracy: accuracy against N, bars at one N, digit thumbnails."""
    Ns = np.array([2, 4, 8])
    gap = {"mlp1": np.array([0.1, NAN, 0.5]), "gcnn": np.array([0.9, 0.9, 0.9])}  # NaN: a gap
    curves = dict(Ns=Ns, curves={"mlp1": np.array([0.1, 0.2, 0.5]), "gcnn": np.array([0.9, 0.9, 0.9])},
                  current_N=4, highlight="gcnn", ceiling=np.array([0.9, 0.9, 0.95]), title="Accuracy")
    curve_kinds = dict(
        Ns=Arr(Ns), current_N=Int(minimum=1), highlight=NOT_KEY, ceiling=Arr(curves["ceiling"]),
        title=TEXT, curves=Values((None, 3, "curves", [], {}, {"gcnn": [0.5]}, {3: [0.1, 0.2, 0.3]},
                                   {"gcnn": [0.1, 0.2, INF]}, {"gcnn": [0.1, 0.2, 1.5]},
                                   {"gcnn": "abc"}, {"gcnn": None}, {"mlp1": [0.1, 0.2, 0.3]},
                                   {"gcnn": [[0.1, 0.2, 0.3]]}, gap)))
    bars = dict(keys=["mlp1", "gcnn"], values=np.array([0.25, 1.0]), highlight="gcnn",
                ceiling=np.array([0.75, NAN]), labels={"mlp1": "MLP"}, title="At N = 4")
    bar_kinds = dict(keys=NOT_KEYS, values=Arr(np.array([0.25, 1.0])), highlight=NOT_KEY,
                     ceiling=Arr(np.array([0.75, 1.0])), labels=NOT_LABELS, title=TEXT)
    images = np.random.default_rng(0).random((5, 3, 3))
    digits = dict(images=images, correct=np.array([True, False, True, True, False]),
                  predicted=np.array([1, 7, 1, 1, 4]), true_labels=np.array([1, 1, 1, 1, 1]),
                  ncols=3, names=["a", "b", "c", "d", "e"], outcomes=("kept", "removed"),
                  title="Digits")
    digit_kinds = dict(
        images=Arr(images), correct=Arr(digits["correct"]), predicted=Arr(digits["predicted"]),
        true_labels=Arr(digits["true_labels"]), ncols=Int(minimum=1, maximum=MAX_COLUMNS),
        names=Values((3, "abcde", ["a"], {"a": 1}, object())),
        outcomes=Values((None, "ok", ("ok",), ("a", "b", "c"), (1, 2), ["a", None])), title=TEXT)
    return [*_pair("accuracy_curve", curves, curve_kinds),
            Case(P.accuracy_curve, dict(curves, labels={"gcnn": "G-CNN"}, symmetric={"gcnn": True}),
                 dict(labels=NOT_LABELS, symmetric=NOT_LABELS), id="accuracy_curve[labels]",
                 covers=()),
            *_pair("accuracy_bars", bars, bar_kinds),
            *_pair("digit_thumbnails", digits, digit_kinds)]


def survey_cases():
    """plots.survey: the three scatters over digit pairs (correlation NaN = undefined is legal;
    mean_inverse +inf and radius 0 are left out of the picture)."""
    pairs = np.array([[1, 0, 2, 0], [3, 0, 4, 0], [5, 1, 6, 2]])
    wrong = np.array([False, False, True])
    common = dict(pairs=pairs, correlation=0.9, misclassified=wrong, selected=1)
    common_kinds = dict(pairs=Arr(pairs), correlation=Real(), misclassified=Arr(wrong),
                        selected=Int(minimum=0, maximum=2))
    errors = np.array([0.2, 0.5, 1.2]), np.array([0.25, 0.4, 1.1])
    separation = np.array([0.5, 1.0, 2.0]), np.array([3.0, 2.0, 1.0])
    density = np.array([0.5, 0.0, 0.25]), np.array([3.0, INF, 2.0])
    return [
        *_pair("error_scatter", dict(common, eps_spectral=errors[0], eps_exact=errors[1]),
               dict(common_kinds, eps_spectral=Arr(errors[0]), eps_exact=Arr(errors[1]))),
        *_pair("separation_scatter", dict(common, separation_sq=separation[0], lam_N=separation[1]),
               dict(common_kinds, separation_sq=Arr(separation[0]), lam_N=Arr(separation[1]))),
        *_pair("density_scatter", dict(common, radius=density[0], mean_inverse=density[1]),
               dict(common_kinds, radius=Arr(density[0]), mean_inverse=Arr(density[1]))),
        Case(P.error_scatter, dict(eps_spectral=np.zeros(0), eps_exact=np.zeros(0),
                                   pairs=np.zeros((0, 4), dtype=int), correlation=NAN),
             dict(selected=Int()), id="error_scatter[empty]", covers=()),
    ]


def width_cases():
    """plots.width and plots.gcnn_width: NTK curves and relative errors against width (a NaN
    slope or intercept, nothing fitted, is legal and draws no line)."""
    gammas = np.linspace(-np.pi, np.pi, 5)
    thetas = np.stack([np.cos(gammas) + 0.1 * k for k in range(3)])
    curves = dict(gammas=gammas, theta=np.cos(gammas), thetas=thetas, width=16, depth=2,
                  activation="relu", seeds=np.array([3, 4, 5]))
    curve_kinds = dict(gammas=Arr(gammas), theta=Arr(np.cos(gammas)), thetas=Arr(thetas),
                       width=Int(minimum=1), depth=Int(minimum=0), activation=TEXT,
                       seeds=Arr(np.array([3, 4, 5])))
    widths = np.array([16, 64, 256])
    errors = np.array([[0.4, 0.6], [0.2, 0.3], [0.1, 0.15]])
    sweep = dict(widths=widths, errors=errors, slope=-0.5, intercept=np.log(2.0), current_width=64,
                 current_errors=np.array([0.2, 0.3]), depth=2, activation="relu")
    sweep_kinds = dict(widths=Arr(widths), errors=Arr(errors), slope=Real(), intercept=Real(),
                       current_width=Int(minimum=1), current_errors=Arr(np.array([0.2, 0.3])),
                       depth=Int(minimum=0), activation=TEXT)
    gcnn = dict(widths=np.array([4, 16, 64]), ntk_errors=errors, nngp_errors=errors / 2,
                ntk_slope=-0.5, ntk_intercept=0.0, nngp_slope=NAN, nngp_intercept=NAN, depth=1,
                seeds=np.array([0, 1]))
    gcnn_kinds = dict(widths=Arr(gcnn["widths"]), ntk_errors=Arr(errors), nngp_errors=Arr(errors / 2),
                      ntk_slope=Real(), ntk_intercept=Real(), nngp_slope=Real(),
                      nngp_intercept=Real(), depth=Int(minimum=0), seeds=Arr(gcnn["seeds"]))
    return [*_pair("ntk_curves", curves, curve_kinds),
            *_pair("error_vs_width", sweep, sweep_kinds),
            *_pair("gcnn_error_vs_width", gcnn, gcnn_kinds)]


def proposition_cases():
    """plots.propositions: orbit kernel heatmaps (N may differ per column) and the table."""
    K3 = np.array([[2.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 1.0, 2.0]])
    K4 = np.eye(4) + 0.5
    nan = K3.copy()
    nan[0, 1] = NAN
    heat = dict(grams=[[K3, K4]], row_labels=["NTK"], column_labels=["rot (N = 3)", "shift (N = 4)"])
    heat_kinds = dict(
        grams=Values((None, 3, "K", [], [[]], [K3, K4], [[K3], [K3, K4]], [[np.ones((2, 3)), K4]],
                      [[nan, K4]], [[K3, np.full((4, 4), INF)]], [[K3]], [[K3, K4], [K3, K4]],
                      [[K3.astype(str), K4]], [[K3 + 1j, K4]], [[None, K4]], [[[1.0, 2.0], K4]],
                      np.zeros(3), np.zeros((1, 2, 3)), {"a": K3}, [["K3", K4]])),
        row_labels=Values((None, 3, "NTK", [], ["a", "b"], [3], b"x")),
        column_labels=Values((None, 3, "ab", [], ["a"], ["a", "b", "c"], ["a", 3])))
    table = dict(header=["kernel", "rank"], cells=[["NTK", 3], ["NNGP", NAN]], agrees=[True, False])
    table_kinds = dict(
        header=Values((None, 3, "ab", [], [3, 4], ["a"], ["a", "b", "c"], {"a": 1})),
        cells=Values((None, 3, "cells", [["x"]], [["x", 1, 2]], ["xy", "zw"], [3, 4], {"a": 1},
                      [], [["a", "b"]])),
        agrees=Values((3, "yes", [1, 0], [True], [True, False, True], [None, True], {"a": 1})))
    titled = dict(title=TEXT)
    return [Case(P.orbit_heatmaps, dict(heat, title="K"), dict(heat_kinds, **titled)),
            Case(P.orbit_heatmaps_update, heat, heat_kinds),
            Case(P.proposition_table_figure, dict(table, title="T"), dict(table_kinds, **titled)),
            Case(P.proposition_table_figure_update, table, table_kinds),
            Case(P.proposition_table_html, dict(table, title="T"), dict(table_kinds, **titled)),
            Case(P.propositions_figure, dict(heat, **table, title="T"),
                 dict(heat_kinds, **table_kinds, **titled)),
            Case(P.propositions_figure_update, dict(heat, **table), dict(heat_kinds, **table_kinds))]


def equivariant_cases():
    """plots.equivariant_accuracy: accuracy against n_train (mean ± std; NaN = not computed is
    a gap) and the invariance bars."""
    n_train = np.array([10, 20, 50])
    curves = {"gcnn": (np.array([0.5, 0.7, 0.9]), np.array([0.05, 0.02, 0.01])),
              "cnn_gap": (np.array([0.3, NAN, 0.6]), np.array([0.1, NAN, 0.05]))}
    accuracy = dict(n_train=n_train, curves=curves, shown=["gcnn"], current=20, title="Accuracy")
    accuracy_kinds = dict(
        n_train=Arr(n_train), shown=Values((3, "gcnn", ["nope"], [3], {"a": 1}, b"x", object())),
        current=Int(minimum=1), title=TEXT,
        curves=Values((None, 3, "curves", [], {}, {"gcnn": [0.5, 0.7, 0.9]},
                       {"gcnn": ([0.5, 0.7], [0.1, 0.1])}, {"gcnn": ([0.5, 0.7, 1.5], [0, 0, 0])},
                       {"gcnn": ([0.5, 0.7, 0.9], [0, -1, 0])}, {"gcnn": ([0.5, INF, 0.9], [0, 0, 0])},
                       {3: ([0.5, 0.7, 0.9], [0, 0, 0])}, {"gcnn": (None, None)},
                       {"gcnn": ("abc", [0, 0, 0])})))
    deviations = np.array([[1e-4, 0.0], [2e-3, 3e-5]])
    bars = dict(keys=["gcnn", "cnn_gap"], angles=np.array([45.0, 90.0]), deviations=deviations,
                shown=["cnn_gap"], labels={"gcnn": "G-CNN"}, title="Invariance")
    bar_kinds = dict(keys=NOT_KEYS, angles=Arr(np.array([45.0, 90.0])), deviations=Arr(deviations),
                     shown=Values((3, "gcnn", ["nope"], [3], {"a": 1}, b"x", object())),
                     labels=NOT_LABELS, title=TEXT)
    return [Case(P.accuracy_vs_ntrain, dict(accuracy, labels={"gcnn": "G-CNN"}),
                 dict(accuracy_kinds, labels=NOT_LABELS)),
            Case(P.accuracy_vs_ntrain_update, accuracy, accuracy_kinds),
            *_pair("invariance_bars", bars, bar_kinds)]


CASES = (spectrum_cases() + training_cases() + accuracy_cases() + survey_cases() + width_cases()
         + proposition_cases() + equivariant_cases())
DRAFTED = {c.id for c in CASES}
test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

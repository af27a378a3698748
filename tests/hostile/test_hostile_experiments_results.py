"""Hostile inputs for ntkviz.experiments: configs, result files, dynamics, width, gcnn_width,
augmentation, multiclass, equivariant_accuracy, training and accuracy entry points.

Long computations get only illegal values (``check_base=False``): they must refuse them before
any work, within the per-call time limit."""

import numpy as np

from ntkviz.experiments import accuracy as AC
from ntkviz.experiments import architectures as AR
from ntkviz.experiments import augmentation as AU
from ntkviz.experiments import circle as CI
from ntkviz.experiments import dynamics as DY
from ntkviz.experiments import equivariant_accuracy as EQ
from ntkviz.experiments import gcnn_width as GW
from ntkviz.experiments import multiclass as MC
from ntkviz.experiments import survey as SU
from ntkviz.experiments import training as TR
from ntkviz.experiments import width as WI
from ntkviz.kernels import mlp

from ._support import (
    _SCRATCH,
    Arr,
    Case,
    Choice,
    Int,
    Obj,
    PathArg,
    Real,
    Seed,
    Seq,
    Values,
    hostile_tests,
)

ACTION = Choice(("rotate", "rot90", "shift"))
KIND = Choice(AR.KINDS)
ARCH = Choice(tuple(AR.ARCHITECTURES))
SETUP = DY.setup()
LAM = SETUP.lam
GOOD_F = np.zeros_like(SETUP.y_train)
NOT_A_CONFIG = Obj()
# seeds of long computations: only illegal ones (any non-negative seed would start the run)
BAD_SEEDS = Values(((), [], "abc", None, 3, (-1,), (2.5,), ("a",), (None,), (float("nan"),)))


def _loader(module, name="load_results"):
    return Case(getattr(module, name), dict(path=module.precomputed_path()), dict(path=PathArg()),
                id=f"{module.__name__.split('.')[-1]}.{name}", check_base=(name != "load_results"))


def _saver(module, name="save_results"):
    first = "runs" if name == "save_runs" else ("result" if module is EQ else "results")
    return Case(getattr(module, name), {first: None, "path": _SCRATCH / "saved.json"},
                {first: NOT_A_CONFIG}, id=f"{module.__name__.split('.')[-1]}.{name}",
                check_base=False)


#: Bugs these tests found and that are not fixed yet (their cases are left out until fixed;
#: the completeness test lists them as PENDING). All found so far are fixed: None/unnamed
#: TypeErrors (save_results, save_runs, dynamics_state runs, accuracy_curves architectures,
#: augmentation.train callback), mode_residuals' f_train length, named upper limits
#: (width.MAX_STD, training.MAX_N, dynamics.MAX_ETA_LAMBDA, multiclass.MAX_TRIALS) and
#: regular_permutations validating before its cache.
KNOWN_BUGS: dict[str, str] = {}
#: Arguments left out of a covered function's case for the same reason.
KNOWN_ARGUMENT_BUGS: dict[str, str] = {}

RUN = DY.finite_runs(widths=(DY.WIDTHS[0],), seeds=(0,))[DY.WIDTHS[0], 0]  # shipped: cheap
AUG = AU.AugmentConfig()
AUG_PARAMS = AU.init_params(AUG)
AUG_PERMS = AU.layer_permutations(AUG)
AUG_X = np.asarray(AU.task_data(AUG).train_x[:3])
AUG_RUN = next(iter(AU.load_precomputed().values()))
NOT_CALLABLE = Values((3, "f", [len], np.zeros(2)))
NOT_PARAMS = Values((None, 3, "params", [], [(1, 2, 3)], [("A", "b")], [(np.eye(2), np.zeros(3))],
                     np.zeros((2, 2)), [(np.full((2, 2), np.nan), np.zeros(2))], {"a": 1},
                     AUG_PARAMS[:1] + AUG_PARAMS[2:]))
NOT_PERMS = Values((None, 3, "perms", [], AUG_PERMS[:-1], AUG_PERMS[:1] * len(AUG_PERMS),
                    tuple(p.astype(float) for p in AUG_PERMS), tuple(p[:1] for p in AUG_PERMS[:1])
                    + AUG_PERMS[1:], (np.zeros_like(AUG_PERMS[0]),) + AUG_PERMS[1:]))
BAD_PERM = Values((None, 3, "P", [], np.zeros((4, 48), dtype=np.int64), AUG_PERMS[1].astype(float),
                   AUG_PERMS[1][:, :-1], AUG_PERMS[1][0], [[0, 1], [2]], AUG_PERMS[1] + 100))

ETA = Real(minimum=0.0, strict=True, maximum=DY.MAX_ETA_LAMBDA / SETUP.lam_max)

CASES = [
    # configs (user input) ------------------------------------------------------------------
    Case(AC.Config, {}, dict(classes=Int(minimum=1, maximum=10), n_train=Int(minimum=1),
                             n_test=Int(minimum=1), seed=Seed(), ridge=Real(minimum=0.0),
                             rotate=Seq((2, 4), minimum=1)), id="accuracy.Config"),
    Case(EQ.Config, {}, dict(n_train=Seq((10, 20), minimum=1), n_test=Int(minimum=1),
                             seeds=Seq((0, 1), minimum=0), augment_N=Int(minimum=1),
                             angles=Seq((30.0,), item="real"), ridge=Real(minimum=0.0)),
         id="equivariant_accuracy.Config"),
    Case(AU.AugmentConfig, {}, dict(action=Choice(AU.ACTIONS), strategy=Choice(AU.STRATEGIES),
                                    init=Choice(AU.INITS), learning_rate=Real(minimum=0.0, strict=True),
                                    epochs=Int(minimum=1), blocks=Int(minimum=1), depth=Int(minimum=0)),
         id="augmentation.AugmentConfig"),
    Case(TR.TrainConfig, {}, dict(architecture=Choice(TR.ARCHITECTURES), N=Int(minimum=1),
                                  leave_out=Int(minimum=0, maximum=9), n_per_class=Int(minimum=1),
                                  epochs=Int(minimum=1), batch_size=Int(minimum=1),
                                  learning_rate=Real(minimum=0.0, strict=True), seed=Seed()),
         id="training.TrainConfig"),
    # result files ---------------------------------------------------------------------------
    *[_loader(m) for m in (AC, DY, EQ, WI)],
    *[_loader(m, "load_precomputed") for m in (AC, DY, EQ, WI, AU)],
    *[_saver(m) for m in (DY, EQ, WI, AC)],
    _saver(AU, "save_runs"),
    *[Case(m.precomputed_path, id=f"{m.__name__.split('.')[-1]}.precomputed_path")
      for m in (AC, DY, EQ, WI, AU, SU)],
    Case(SU.load_result, dict(path=SU.precomputed_path()), dict(path=PathArg()), id="survey.load_result"),
    Case(SU.save_result, dict(result=None, path=_SCRATCH / "saved.npz"), dict(result=NOT_A_CONFIG),
         id="survey.save_result", check_base=False),
    Case(SU.shipped_result, {}, dict(architecture=ARCH, action=ACTION, N=Int(minimum=1),
                                     n_pairs=Int(minimum=2), seed=Seed(), kind=KIND),
         id="survey.shipped_result"),
    Case(SU.precompute, {}, dict(progress=NOT_CALLABLE, quick=Values((None, 3, "yes", 1.0))),
         check_base=False, id="survey.precompute"),
    Case(WI.is_precomputed, {}, dict(depth=Int(minimum=1), activation=Choice(WI.ACTIVATIONS),
                                     widths=Seq((16, 32), minimum=1), seeds=Seq((0,), minimum=0),
                                     W_std=Real(minimum=0.0, strict=True), b_std=Real(minimum=0.0))),
    Case(DY.is_precomputed, {}, dict(dataset=Choice(DY.DATASETS), depth=Int(minimum=1),
                                     lr_factor=Real(minimum=0.0, strict=True), noise=Real(minimum=0.0),
                                     widths=Seq((16,), minimum=1), seeds=Seq((0,), minimum=0)),
         id="dynamics.is_precomputed"),
    # long runners and low-level helpers: illegal values are refused before any work ---------
    Case(AC.compute_results, dict(config=AC.QUICK),
         dict(config=NOT_A_CONFIG, architectures=Values((None, 3, (), ("nope",))),
              actions=Values((None, 3, (), ("nope",), "nope", b"rotate", {"rotate": 1})),
              progress=NOT_CALLABLE), check_base=False, id="accuracy.compute_results"),
    Case(AC.precompute, {}, dict(progress=NOT_CALLABLE, quick=Values((None, 1, "yes")),
                                 path=Values((3, [], b"x", ""))),
         check_base=False, id="accuracy.precompute"),
    Case(AC.test_images, dict(config=AC.QUICK), dict(config=NOT_A_CONFIG)),
    Case(AU.precompute, {}, dict(progress=NOT_CALLABLE, quick=Values((None, 3, "yes")),
                                 path=Values((3, [], b"\x00"))),
         check_base=False, id="augmentation.precompute"),
    Case(AU.curves, dict(runs=[AUG_RUN]), dict(runs=Values((3, "runs", {"a": 1}, [3], object())))),
    Case(AU.warm_up, dict(config=AUG), dict(config=Values((3, "config", {}, [], object())),
                                            strategies=Values((None, 3, (), ("nope",), "nope"))),
         check_base=False, names={"strategies": ("strategy",)}),
    Case(AU.forward, dict(params=AUG_PARAMS, x=AUG_X), dict(params=NOT_PARAMS, x=Arr(AUG_X))),
    Case(AU.project, dict(A=AUG_PARAMS[1][0], P_out=AUG_PERMS[2], P_in=AUG_PERMS[1]),
         dict(A=Arr(AUG_PARAMS[1][0]), P_out=BAD_PERM, P_in=BAD_PERM)),
    Case(AU.project_params, dict(params=AUG_PARAMS, perms=AUG_PERMS),
         dict(params=NOT_PARAMS, perms=NOT_PERMS)),
    Case(AU.layer_distances, dict(params=AUG_PARAMS, perms=AUG_PERMS),
         dict(params=NOT_PARAMS, perms=NOT_PERMS)),
    Case(DY.distances, dict(runs={(DY.WIDTHS[0], 0): RUN}, s=SETUP, lr_factor=0.5),
         dict(runs=Values(([1], 3, "runs", {1: 2}, {(1, 2): 3}, None)), s=Obj(),
              lr_factor=Real(minimum=0.0, strict=True, maximum=2.0))),
    Case(DY.linearized, dict(s=SETUP, eta=0.1, run=RUN),
         dict(s=Obj(), eta=ETA, run=Obj(), kind=Choice(("gd", "flow")))),
    Case(DY.nearest_checkpoint, dict(t=1.0), dict(t=Real(minimum=0.0))),
    Case(DY.finite_runs, {}, dict(dataset=Choice(DY.DATASETS), depth=Int(minimum=1, maximum=DY.MAX_DEPTH),
                                  widths=Seq((16,), minimum=1), seeds=BAD_SEEDS,
                                  lr_factor=Real(minimum=0.0, strict=True, maximum=2.0, fuzz=False),
                                  noise=Real(minimum=0.0, maximum=10.0, fuzz=False),
                                  progress=NOT_CALLABLE), check_base=False),
    Case(DY.train_chunks, {}, dict(dataset=Choice(DY.DATASETS), depth=Int(minimum=1, maximum=DY.MAX_DEPTH),
                                   width=Int(minimum=1, maximum=DY.MAX_WIDTH), seed=Seed(),
                                   lr_factor=Real(minimum=0.0, strict=True, maximum=2.0, fuzz=False),
                                   noise=Real(minimum=0.0, maximum=10.0, fuzz=False)),
         check_base=False),
    Case(DY.precompute, {}, dict(progress=NOT_CALLABLE, quick=Values((None, 3, "yes", 1.0))),
         check_base=False, id="dynamics.precompute"),
    Case(EQ.companions, {}, dict(width_sweep=Values((3, "x", [], {"nope": 1}, {1: 2}, object()))),
         check_base=False),
    Case(EQ.compute, dict(config=EQ.QUICK),
         dict(config=NOT_A_CONFIG, modes=Values((None, 3, (), ("nope",), "nope")),
              kernels=Values((None, 3, (), ("nope",), "nope")), progress=NOT_CALLABLE),
         check_base=False, names={"kernels": ("kernel",)}),
    Case(EQ.precompute, {}, dict(progress=NOT_CALLABLE, quick=Values((None, 3, "yes", 1.0))),
         check_base=False, id="equivariant_accuracy.precompute"),
    Case(WI.empirical_thetas, dict(gammas=WI.GAMMAS[:5], depth=2, width=16, seeds=(0,)),
         dict(gammas=Values((None, "abc", np.array([np.nan]), np.empty(0), np.zeros((2, 2)),
                             [[1.0], [1.0, 2.0]], np.array([np.inf, 0.0]))),
              depth=Int(minimum=1, maximum=WI.MAX_DEPTH),
              width=Int(minimum=1, maximum=WI.MAX_WIDTH), seeds=BAD_SEEDS,
              activation=Choice(WI.ACTIVATIONS),
              W_std=Real(minimum=0.0, strict=True, maximum=WI.MAX_STD, fuzz=False),
              b_std=Real(minimum=0.0, maximum=WI.MAX_STD, fuzz=False)), check_base=False),
    Case(WI.precompute, {}, dict(progress=NOT_CALLABLE, quick=Values((None, 3, "yes", 1.0))),
         check_base=False, id="width.precompute"),
    # circle ---------------------------------------------------------------------------------
    Case(CI.log_spectrum, dict(N=4, delta=1.0, length_scale=1.0),
         dict(N=Int(minimum=2), delta=Real(minimum=0.0), length_scale=Real(minimum=0.0, strict=True))),
    Case(CI.vanishing_ridge_error, dict(N=4, delta=1.0, length_scale=1.0),
         dict(N=Int(minimum=2), delta=Real(minimum=0.0), length_scale=Real(minimum=0.0, strict=True))),
    # dynamics -------------------------------------------------------------------------------
    Case(DY.setup, {}, dict(dataset=Choice(DY.DATASETS), depth=Int(minimum=1, maximum=DY.MAX_DEPTH),
                            noise=Real(minimum=0.0)), covers=(DY.setup, DY.Setup), slow=True),
    Case(DY.decay, dict(lam=LAM, eta=0.1, t=10.0),
         dict(lam=Arr(LAM), t=Real(minimum=0.0), eta=ETA,
              kind=Choice(("gd", "flow")))),
    Case(DY.closed_form, dict(s=SETUP, eta=0.1, t=10.0),
         dict(s=Obj(), t=Real(minimum=0.0), eta=ETA,
              f0_train=Arr(GOOD_F), kind=Choice(("gd", "flow")))),
    Case(DY.mean_prediction, dict(s=SETUP, eta=0.1, t=10.0),
         dict(s=Obj(), t=Real(minimum=0.0), eta=ETA,
              kind=Choice(("gd", "flow")))),
    Case(DY.error_curves, dict(s=SETUP, eta=0.1, times=(0.0, 1.0, 10.0)),
         dict(s=Obj(), times=Seq((0.0, 1.0), item="real", minimum=0.0), eta=ETA,
              kind=Choice(("gd", "flow"))), names={"times": ("t",)}),
    Case(DY.mode_residuals, dict(s=SETUP, f_train=GOOD_F), dict(s=Obj(), f_train=Arr(GOOD_F))),
    Case(DY.dynamics_state, dict(t=10.0), dict(runs=Values(([1], 3, "runs", {1: 2}, {(1, 2): 3},
                                                             [(1, 2)], object())),
                                              t=Real(minimum=0.0), kind=Choice(("gd", "flow")),
                                              lr_factor=Real(minimum=0.0, strict=True, maximum=2.0)),
         covers=(DY.dynamics_state,), slow=True,
         allow_nan=True),  # documented: the network fields are NaN without runs
    Case(DY.train_network, {}, dict(dataset=Choice(DY.DATASETS), depth=Int(minimum=1),
                                    width=Int(minimum=1), seed=Values((-1, 2.5, "0", None)),
                                    lr_factor=Values((0.0, -1.0, np.nan, np.inf, "x", None)),
                                    noise=Values((-1.0, np.nan, np.inf, "x", None))),
         check_base=False, slow=True),
    # width ----------------------------------------------------------------------------------
    Case(WI.analytic_theta, dict(gammas=WI.GAMMAS[:5], depth=2),
         dict(gammas=Arr(WI.GAMMAS[:5]), depth=Int(minimum=1, maximum=WI.MAX_DEPTH),
              activation=Choice(WI.ACTIVATIONS), W_std=Real(minimum=0.0, strict=True, maximum=WI.MAX_STD),
              b_std=Real(minimum=0.0, maximum=WI.MAX_STD)), slow=True),
    Case(WI.circle_points, dict(gammas=WI.GAMMAS[:5]), dict(gammas=Arr(WI.GAMMAS[:5]))),
    Case(WI.width_state, dict(depth=4, width=500), dict(depth=Int(minimum=1), width=Int(minimum=1),
                                                        activation=Choice(WI.ACTIVATIONS)),
         covers=(WI.width_state, WI.WidthState), slow=True),
    Case(WI.relative_errors, {}, dict(depth=Int(minimum=1, maximum=WI.MAX_DEPTH),
                                      widths=Seq((16,), minimum=1), seeds=BAD_SEEDS,
                                      activation=Choice(WI.ACTIVATIONS)),
         covers=(WI.relative_errors, WI.WidthSweep), check_base=False, slow=True,
         id="width.relative_errors"),
    # gcnn width -----------------------------------------------------------------------------
    Case(GW.gcnn_images, dict(n_digits=2), dict(n_digits=Int(minimum=1), digit_seed=Seed(),
                                                resolution=Choice(GW.RESOLUTIONS))),
    Case(GW.relative_error, dict(estimate=np.eye(2) * 1.1, exact=np.eye(2)),
         dict(estimate=Arr(np.eye(2) * 1.1), exact=Arr(np.eye(2)))),
    Case(GW.relative_errors, {}, dict(depth=Int(minimum=1, maximum=GW.MAX_DEPTH),
                                      widths=Seq((4,), minimum=1), seeds=BAD_SEEDS,
                                      n_digits=Int(minimum=1), activation=Choice(GW.ACTIVATIONS)),
         covers=(GW.relative_errors, GW.GCNNWidthSweep), check_base=False, slow=True,
         id="gcnn_width.relative_errors"),
    # augmentation ---------------------------------------------------------------------------
    Case(AU.regular_permutations, dict(N=4, blocks=2),
         dict(N=Int(minimum=1, maximum=AU.MAX_BLOCKS), blocks=Int(minimum=1, maximum=AU.MAX_BLOCKS))),
    Case(AU.train, dict(config=AU.AugmentConfig()),
         dict(config=Values((3, "config", {}, [], object(), np.zeros(3))),  # None: the default run
              callback=Values((3, "f", [len], np.zeros(2))),
              stop=Values((3, "f", [len], np.zeros(2)))), check_base=False),
    Case(AU.parameter_path, dict(config=AUG), dict(config=NOT_A_CONFIG, start=NOT_PARAMS),
         check_base=False),
    Case(AU.input_permutations, {}, dict(action=Choice(AU.ACTIONS), N=Int(minimum=1))),
    Case(AU.layer_permutations, dict(config=AU.AugmentConfig()), dict(config=NOT_A_CONFIG)),
    Case(AU.init_params, dict(config=AU.AugmentConfig()), dict(config=NOT_A_CONFIG,
                                                              init=Choice(AU.INITS))),
    Case(AU.task_data, dict(config=AU.AugmentConfig()), dict(config=NOT_A_CONFIG)),
    Case(AU.cached_run, dict(config=AU.AugmentConfig()), dict(config=NOT_A_CONFIG)),
    Case(AU.default_runs, {}, dict(action=Choice(AU.ACTIONS))),
    # multiclass -----------------------------------------------------------------------------
    Case(MC.canvas_width, dict(resolution=14, N=4, action="shift"),
         dict(resolution=Int(minimum=1), N=Int(minimum=1), action=ACTION)),
    Case(MC.class_samples, dict(seeds=2), dict(seeds=Int(minimum=1), seed=Seed())),
    *[Case(f, {}, dict(seeds_per_class=Int(minimum=1), N=Int(minimum=1), action=ACTION,
                       architecture=ARCH, kind=KIND), check_base=False, slow=True,
           id=f"multiclass.{f.__name__}") for f in (MC.spectral_accuracy, MC.exact_accuracy)],
    *[Case(f, {}, dict(Ns=Seq((4,), minimum=1), seeds_per_class=Int(minimum=1), action=ACTION,
                       architecture=ARCH, kind=KIND), check_base=False, slow=True,
           id=f"multiclass.{f.__name__}", names={"Ns": ("N",)},
           allow_nan=True)  # Ns=3 is legal (one N); eps/prediction are NaN where c = d (documented)
      for f in (MC.spectral_accuracy_vs_N, MC.exact_accuracy_vs_N)],
    Case(MC.seeds_trial, dict(class_a=0, class_b=1), dict(class_a=Int(minimum=0, maximum=9),
                                                        class_b=Int(minimum=0, maximum=9),
                                                        seeds=Int(minimum=1), N=Int(minimum=1),
                                                        action=ACTION, kind=KIND),
         check_base=False, slow=True),
    Case(MC.seeds_agreement, {}, dict(seeds=Int(minimum=1), Ns=Seq((4,), minimum=1), action=ACTION,
                                      kind=KIND, n_trials=Int(minimum=1, maximum=MC.MAX_TRIALS)),
         check_base=False, slow=True, names={"Ns": ("N",)}),
    # equivariant accuracy -------------------------------------------------------------------
    Case(EQ.kernel, dict(key=EQ.KERNELS[0], mode="rot90"),
         dict(key=Choice(EQ.KERNELS), mode=Choice(EQ.MODES), augment_N=Int(minimum=1)),
         names={"key": ("kernel",)}),
    *[Case(f, dict(config=EQ.QUICK, key=EQ.KERNELS[0], mode="rot90", seed=0),
           dict(config=NOT_A_CONFIG, key=Choice(EQ.KERNELS), mode=Choice(EQ.MODES), seed=Seed(),
                kind=KIND), check_base=False, slow=True, id=f"equivariant.{f.__name__}",
           names={"key": ("kernel",)})
      for f in (EQ.gram, EQ.accuracy_curves)],
    Case(EQ.rotated_pool, dict(config=EQ.QUICK, mode="rot90", seed=0),
         dict(config=NOT_A_CONFIG, mode=Choice(EQ.MODES), seed=Seed()), slow=True),
    Case(EQ.invariance, dict(config=EQ.QUICK, key=EQ.KERNELS[0], mode="rot90"),
         dict(config=NOT_A_CONFIG, key=Choice(EQ.KERNELS), mode=Choice(EQ.MODES), kind=KIND),
         check_base=False, slow=True, names={"key": ("kernel",)}),
    # training and accuracy (config-driven, long) ---------------------------------------------
    *[Case(f, dict(config=TR.TrainConfig()), dict(config=NOT_A_CONFIG), check_base=False)
      for f in (TR.rotated_split, TR.make_model, TR.train_and_evaluate)],
    Case(AC.accuracy_curves, dict(config=AC.QUICK),
         dict(config=NOT_A_CONFIG, architectures=Values((None, 3, (), ("nope",), ("mlp1", "mlp1"),
                                                         {"mlp1": 1}, b"mlp1", [None])),
              action=ACTION, kind=KIND), check_base=False, slow=True),
    Case(TR.accuracy_vs_N, dict(architecture="mlp"),
         dict(architecture=Choice(TR.ARCHITECTURES), Ns=Seq((4,), minimum=1),
              leave_out_classes=Seq((0,), minimum=0)), check_base=False, slow=True),
    Case(AC.select_digits, dict(config=AC.QUICK), dict(config=NOT_A_CONFIG)),
    Case(AR.register_architecture, dict(key="hostile_mlp", kernel=mlp()),
         dict(key=Values(("", 3, None, "mlp1")), kernel=Obj()), check_base=False),
    Case(AR.unregister_architecture, dict(key="nope"), dict(key=Values((3, None, "mlp1", ""))),
         check_base=False),
]

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

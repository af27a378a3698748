"""Hostile inputs for ntkviz.widgets: constructors raise a named ValueError/TypeError; ``.set``
(and PairSurvey's ``run``/``select_pair``, Dashboard's ``select``) never raise — they return
False and show the error, naming the argument, in the message line (or accept a legal value)."""

import functools

import anywidget  # noqa: F401  - imported here, not first inside a time-limited call

from ntkviz import datasets
from ntkviz import widgets as W
from ntkviz.experiments import architectures as AR

from ._support import Case, Choice, Int, Obj, Real, Values, hostile_tests

ACTION = Choice(datasets.ACTIONS)
KIND = Choice(AR.KINDS)
ARCH = Choice(tuple(AR.ARCHITECTURES))
DIGIT = Values(((3,), (10, 0), (-1, 0), (3, 10**9), ("3", 0), None and (3,), 3, "3",
                (float("nan"), 0)))
SHOWN = Values((3, "x", ["nope"], [None], [], "all "))


@functools.lru_cache(maxsize=None)
def explorer(cls):
    """One explorer per class for the whole module (each costs seconds to build)."""
    if cls is W.AugmentationExplorer:
        return cls(warm_up=False)
    if cls is W.Dashboard:
        return cls(warm_up=False)
    if cls is W.PairSurvey:  # a small survey, so select_pair has pairs to choose from
        return cls(n_pairs=2, action="rot90", N=4, run=True)
    return cls()


def _never_raises(cls, method, widget, **kwargs):
    """``explorer.method(**kwargs)``: True for a legal value; else False with the error shown."""
    ok = getattr(widget, method)(**kwargs)
    assert isinstance(ok, bool), f"{cls.__name__}.{method} returned {ok!r}, not a bool"
    message = widget.message.value
    if not ok:
        assert "ntkviz-message-error" in message, f"no error shown for {kwargs}: {message}"
        names = [name for name in kwargs] + [SPELLINGS.get(name, name) for name in kwargs]
        assert any(name in message for name in names), (
            f"{cls.__name__}.{method}({kwargs}) shows an error not naming the argument: {message}")
    return None


SPELLINGS = {"a": "digit", "b": "digit", "leave_out": "leave", "shown": "kernel"}


def _setter(cls, method="set", **hostile):
    call = functools.partial(_never_raises, cls, method)
    # the explorer is built by ``base``, outside the per-call time limit
    return Case(call, lambda: dict(widget=explorer(cls)), hostile, id=f"{cls.__name__}.{method}", covers=(cls,), slow=True,
                check_base=False)


SET_CASES = [
    _setter(W.CircleExplorer, delta=Real(minimum=0.0, fuzz=False), N=Int(minimum=2),
            length_scale=Real(minimum=0.0, strict=True, fuzz=False)),
    _setter(W.OrbitExplorer, a=DIGIT, b=DIGIT, action=ACTION, N=Int(minimum=1),
            architecture=ARCH, kind=KIND),
    _setter(W.AccuracyExplorer, action=ACTION, N=Int(minimum=1), highlight=ARCH, kind=KIND,
            leave_out=Values((3, "x", [], [None], -1, 10**9))),
    _setter(W.WidthExplorer, width=Int(minimum=1), depth=Int(minimum=1),
            activation=Choice(("relu", "erf"))),
    _setter(W.EquivariantKernelsExplorer, mode=Choice(("rot90", "rotate")), kind=KIND,
            shown=SHOWN, n_train=Int(minimum=1)),
    _setter(W.DynamicsExplorer, dataset=Choice(("circle", "mnist")), t=Real(minimum=0.0, fuzz=False),
            width=Int(minimum=1), depth=Int(minimum=1), lr_factor=Real(minimum=0.0, strict=True, fuzz=False),
            noise=Real(minimum=0.0, fuzz=False)),
    _setter(W.AugmentationExplorer, strategy=Choice(("nominal", "augmented", "equivariant")),
            init=Choice(("generic", "equivariant")), action=Choice(("rot90", "shift")),
            depth=Int(minimum=0), learning_rate=Real(minimum=0.0, strict=True, fuzz=False),
            epochs=Int(minimum=1)),
    _setter(W.PairSurvey, method="select_pair", index=Int(minimum=0)),
]

CONSTRUCTOR_CASES = [
    Case(W.CircleExplorer, {}, dict(delta=Real(minimum=0.0, fuzz=False), N=Int(minimum=2),
                                    length_scale=Real(minimum=0.0, strict=True, fuzz=False)),
         id="CircleExplorer()", covers=(), check_base=False, slow=True),
    Case(W.OrbitExplorer, {}, dict(action=ACTION, N=Int(minimum=1), architecture=ARCH, kind=KIND),
         id="OrbitExplorer()", covers=(), check_base=False, slow=True),
    # an N the action does not allow is reported by run(), in the message line (by design)
    Case(W.PairSurvey, {}, dict(n_pairs=Int(minimum=1), architecture=ARCH, action=ACTION,
                                kind=KIND, seed=Values((-1, "0", None, 2.5))),
         id="PairSurvey()", covers=(), check_base=False, slow=True),
    Case(W.AccuracyExplorer, {}, dict(action=ACTION, N=Int(minimum=1), kind=KIND,
                                      architectures=Values(((), "mlp1", ("nope",), (3,), None and ()))),
         id="AccuracyExplorer()", covers=(), check_base=False, slow=True,
         names={"architectures": ("architecture",)}),
    Case(W.WidthExplorer, {}, dict(depth=Int(minimum=1), width=Int(minimum=1),
                                   activation=Choice(("relu", "erf"))),
         id="WidthExplorer()", covers=(), check_base=False, slow=True),
    Case(W.EquivariantKernelsExplorer, {}, dict(mode=Choice(("rot90", "rotate")), kind=KIND,
                                                n_train=Int(minimum=1), results=Obj()),
         id="EquivariantKernelsExplorer()", covers=(), check_base=False, slow=True),
    Case(W.DynamicsExplorer, {}, dict(dataset=Choice(("circle", "mnist")), width=Int(minimum=1),
                                      depth=Int(minimum=1), t=Real(minimum=0.0, fuzz=False)),
         id="DynamicsExplorer()", covers=(), check_base=False, slow=True),
    Case(W.AugmentationExplorer, dict(warm_up=False),
         dict(strategy=Choice(("nominal", "augmented", "equivariant")), depth=Int(minimum=0),
              base=Obj()),
         id="AugmentationExplorer()", covers=(), check_base=False, slow=True),
    Case(W.Dashboard, dict(warm_up=False), dict(tabs=Values((3, "x", [3], ("a",), ()))),
         id="Dashboard()", covers=(W.Dashboard,), check_base=False, slow=True),
]

CASES = SET_CASES + CONSTRUCTOR_CASES

test_baseline, test_hostile, test_hostile_slow, test_regression = hostile_tests(CASES)

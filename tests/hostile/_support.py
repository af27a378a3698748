"""Shared machinery of the hostile-input tests.

Each public function gets a :class:`Case`: a cheap legal call (``base``) and, per argument, a
:class:`Kind` of hostile values. The property checked for a drawn ``(argument, value)``: the
call either raises ``ValueError``/``TypeError`` whose message names the argument, or returns a
result that is finite all the way down (arrays, floats, dataclass fields, figure traces). Every
call runs under a time limit, so a function that tries to build 10**9 points fails the test
instead of hanging it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import tempfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from property_budget import FUZZ, examples

#: Seconds one hostile call may take. Legal calls are chosen small, and a huge N must be
#: rejected before any work (instantly); the margin is for first JAX compiles on a shared,
#: loaded machine (a baseline took 30 s at load 15 on two cores).
CALL_LIMIT = float(os.environ.get("NTKVIZ_HOSTILE_CALL_LIMIT", "60"))

NAN, INF = float("nan"), float("inf")
HUGE_INTS = (10**9, 2**31, 2**63, 10**30)

# The "hostile" hypothesis profiles, applied by ``hostile_tests`` only: few examples per
# function (the folder runs in a few minutes on two cores; ``make fuzz`` multiplies them), a
# generous deadline (every call also has its own SIGALRM limit, CALL_LIMIT), and the examples of
# the project's one fixed-seed profile (``property_budget``): the same draws on every machine,
# fresh ones only under ``make fuzz``.
_PROFILE = dict(
    max_examples=examples(int(os.environ.get("NTKVIZ_HOSTILE_EXAMPLES", "12"))),
    deadline=timedelta(seconds=60),  # generous; each call also has its SIGALRM limit
    derandomize=not FUZZ,
    database=None,  # no .hypothesis folder in the checkout; failures print their value
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    print_blob=True,
    # No shrinking: a hostile value is already minimal to read, and shrinking a hang would
    # repeat the time limit many times; one failure per function is enough to act on.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
)
settings.register_profile("hostile", **_PROFILE)
# Functions that compile JAX for each new input shape or train a network: fewer draws.
settings.register_profile("hostile-slow", **dict(_PROFILE, max_examples=examples(max(
    2, int(os.environ.get("NTKVIZ_HOSTILE_EXAMPLES", "12")) // 3))))

#: Every public object a hostile test covers (filled as the case lists are built).
COVERED: set[int] = set()


class CallTimeout(AssertionError):
    """A call ran past :data:`CALL_LIMIT` (a hang, or huge work not rejected up front)."""


@contextmanager
def time_limit(seconds: float = CALL_LIMIT):
    """Raise :class:`CallTimeout` in the main thread after ``seconds`` (SIGALRM)."""
    def _alarm(signum, frame):
        raise CallTimeout(f"call did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- hostile values per kind of argument ------------------------------------------------------

def _show(value) -> str:
    if isinstance(value, np.ndarray) and value.size > 12:
        return f"<array shape={value.shape} dtype={value.dtype}>"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class Kind:
    """Hostile values for one argument; ``errors`` are the exception types that count as clear."""

    errors: tuple = (ValueError, TypeError)

    def strategy(self) -> st.SearchStrategy:
        raise NotImplementedError


@dataclasses.dataclass
class Values(Kind):
    """An explicit list of hostile values (and optionally a strategy of more)."""

    values: tuple
    extra: st.SearchStrategy | None = None

    def strategy(self):
        base = st.sampled_from(tuple(self.values))
        return base if self.extra is None else st.one_of(base, self.extra)


_NOT_INTS = (2.5, NAN, INF, -INF, "3", 3 + 1j, [3], b"3", np.float64(2.5), object())


@dataclasses.dataclass
class Int(Kind):
    """An integer argument; values below ``minimum`` or above ``maximum`` (default: huge ones)
    and non-integers are hostile. ``none_ok``: None is a legal value."""

    minimum: int | None = None
    maximum: int | None = None
    huge: bool = True

    def strategy(self):
        values = list(_NOT_INTS) + [None, True]
        if self.minimum is not None:
            values += [self.minimum - 1, self.minimum - 10**9, np.int64(self.minimum - 1)]
        if self.maximum is not None:
            values += [self.maximum + 1]
        if self.huge:
            values += list(HUGE_INTS)
        strategies = [st.sampled_from(values)]
        if self.huge:
            strategies.append(st.integers(min_value=10**8, max_value=2**80))
        if self.minimum is not None:
            strategies.append(st.integers(max_value=self.minimum - 1, min_value=-(2**70)))
        return st.one_of(strategies)


@dataclasses.dataclass
class Seed(Kind):
    """A random seed: any non-negative integer below 2**32 is legal (huge ones may be refused)."""

    def strategy(self):
        return st.sampled_from((-1, -(2**40), 2.5, NAN, INF, "0", None, 1j, [0], 2**64, 2**200))


@dataclasses.dataclass
class Real(Kind):
    """A real-valued argument (scale, ridge, time): NaN/inf, wrong types, values below
    ``minimum`` (or equal to it when ``strict``) are hostile. ``fuzz`` adds arbitrary floats."""

    minimum: float | None = None
    strict: bool = False
    maximum: float | None = None
    fuzz: bool = True

    def strategy(self):
        values = [NAN, INF, -INF, np.float64(NAN), np.float32(INF), "1.0", None, 1j, [1.0],
                  b"1", True, -1e308, 1e308]
        if self.minimum is not None:
            values += [self.minimum - 1.0, math.nextafter(self.minimum, -INF), -1e-300 + self.minimum]
            if self.strict:
                values += [self.minimum, float(self.minimum) * 1.0 - 0.0]
        if self.maximum is not None:
            values += [self.maximum + 1.0, math.nextafter(self.maximum, INF)]
        strategies = [st.sampled_from(values)]
        if self.fuzz:
            strategies.append(st.floats(allow_nan=True, allow_infinity=True))
        return st.one_of(strategies)


@dataclasses.dataclass
class Choice(Kind):
    """A string out of ``choices``; anything else is hostile."""

    choices: tuple

    def strategy(self):
        first = str(self.choices[0])
        values = ["", "nope", first.upper() + "X", first + " ", " " + first, None, 3, NAN,
                  [first], (first,), first.encode(), first + "\x00"]
        return st.one_of(st.sampled_from(values), st.text(max_size=6).filter(
            lambda s: s not in self.choices))


@dataclasses.dataclass
class Arr(Kind):
    """An array argument with a legal value ``good`` (or a zero-argument callable giving it).

    Hostile: a NaN/±inf entry anywhere, no rows, 0-d, flattened, an extra axis, one row, one row
    or column less (mismatched with the other arguments), object/str/complex/bool dtypes,
    ragged or mixed lists, None, a string, a million rows (a stride-0 view).
    """

    good: object
    mismatch: bool = True
    many: int = 10**6  # rows of the "many rows" value (smaller for kernels whose cost is n1·n2·P²)

    def _good(self) -> np.ndarray:
        good = self.good() if callable(self.good) else self.good
        return np.asarray(good)

    def strategy(self):
        good = self._good()
        values = [np.empty((0,) + good.shape[1:]), np.empty(0), np.float64(1.0), good[None],
                  good.astype(object), good.astype(str), good + 1j, None, "abc",
                  [[1.0, "a"], [None, 2.0]], [[1.0, 2.0], [3.0]], 3.0, {"a": 1}]
        if good.ndim >= 1 and len(good):  # a million rows (a read-only view): refuse or be cheap
            values += [np.broadcast_to(good[:1], (self.many,) + good.shape[1:])]
        if good.ndim >= 1:
            values += [good[:1]]
        if good.ndim >= 2:
            values += [good.reshape(-1), good[..., :1]]
        if self.mismatch and good.ndim >= 1 and len(good) > 1:
            values += [good[:-1]]
        if self.mismatch and good.ndim >= 2 and good.shape[-1] > 1:
            values += [good[..., :-1]]
        if good.dtype != bool:
            values += [good.astype(bool)]
        size = max(good.size, 1)
        nonfinite = st.builds(_with_entry, st.just(good), st.integers(0, size - 1),
                              st.sampled_from((NAN, INF, -INF)))
        return st.one_of(st.sampled_from(values), nonfinite)


def _with_entry(good: np.ndarray, index: int, value: float) -> np.ndarray:
    bad = np.array(good, dtype=np.float64 if good.dtype.kind != "c" else good.dtype)
    if bad.ndim == 0:
        return np.asarray(value)
    bad.reshape(-1)[index % bad.size] = value
    return bad


@dataclasses.dataclass
class Seq(Kind):
    """A non-empty sequence of entries (widths, seeds, Ns, indices)."""

    good: tuple
    item: str = "int"  # "int" or "real"
    minimum: float | None = None

    def strategy(self):
        good = tuple(self.good)
        values = [(), [], "abc", None, 3, NAN, (NAN,), (INF,), (2.5,) if self.item == "int" else ("x",),
                  ("a",), ((1, 2),), (None,), good + ("x",), good + (None,), {"a": 1}]
        if self.item == "int":
            values += [(10**9,), (2**63,), good + (10**12,)]
        if self.minimum is not None:
            values += [(self.minimum - 1,), good + (self.minimum - 1,)]
        return st.sampled_from(values)


@dataclasses.dataclass
class Obj(Kind):
    """An object of a given type (a config, a state, a kernel): other objects are hostile."""

    def strategy(self):
        return st.sampled_from((None, 3, "config", {}, [], object(), np.zeros(3)))


@dataclasses.dataclass
class Fn(Kind):
    """A callable argument: non-callables, and callables whose answers are NaN or misshapen."""

    returns: tuple = ()

    def strategy(self):
        values = [3, "f", [len], np.zeros(2)]
        values += [_returning(r) for r in self.returns]
        return st.sampled_from(values)


def _returning(value):
    def hostile(*args, **kwargs):
        return value() if callable(value) else value

    hostile.__name__ = f"returns_{type(value).__name__}"
    return hostile


_SCRATCH = Path(tempfile.mkdtemp(prefix="ntkviz-hostile-"))
_GARBAGE = _SCRATCH / "garbage.json"
_GARBAGE.write_text("{not json at all")
_EMPTY = _SCRATCH / "empty.npz"
_EMPTY.write_bytes(b"")
_WRONG_JSON = _SCRATCH / "wrong.json"
_WRONG_JSON.write_text('{"schema": 0, "nothing": [1, 2]}')


@dataclasses.dataclass
class PathArg(Kind):
    """A path to read: wrong types, missing files, directories, garbage and empty files. A
    clear error may also be an ``OSError`` that names the path."""

    errors: tuple = (ValueError, TypeError, OSError)

    def strategy(self):
        return st.sampled_from((3, 2.5, [], b"\x00", "", "\x00", str(_SCRATCH / "missing.json"),
                                str(_SCRATCH), str(_GARBAGE), _GARBAGE, str(_EMPTY),
                                str(_WRONG_JSON)))


# --- one case: a function, a legal call, hostile values per argument --------------------------

@dataclasses.dataclass(repr=False)
class Case:
    """``func(**base)`` is a cheap legal call; ``hostile`` maps argument names to kinds.

    ``names`` adds accepted spellings of an argument in messages (``{"image": ("images",)}``);
    ``call`` replaces ``func(**kwargs)`` (methods, setters); ``allow_inf`` documents a result
    that may be ±inf; ``covers`` are the public objects this case counts for; ``regressions``
    are ``(argument, value)`` inputs that once broke the property, tried on every run.
    """

    func: Callable
    base: Mapping | Callable[[], Mapping] = dataclasses.field(default_factory=dict)
    hostile: Mapping[str, Kind] = dataclasses.field(default_factory=dict)
    names: Mapping[str, tuple] = dataclasses.field(default_factory=dict)
    call: Callable | None = None
    allow_inf: bool = False
    id: str | None = None
    covers: tuple = ()
    check_base: bool = True
    slow: bool = False  # compiles JAX per shape, or trains: fewer examples (profile "hostile-slow")
    allow_nan: bool = False  # only where the docstring documents a NaN answer (pearson)
    #: ``(argument, value)`` pairs always tried: inputs that once broke the property
    regressions: tuple = ()

    def __post_init__(self):
        if self.id is None:
            self.id = getattr(self.func, "__qualname__", repr(self.func))
        for obj in self.covers or (self.func,):
            COVERED.add(id(obj))
        self._base = None

    def __repr__(self) -> str:
        return f"Case({self.id})"

    def kwargs(self) -> dict:
        if self._base is None:
            self._base = dict(self.base() if callable(self.base) else self.base)
        return dict(self._base)

    def invoke(self, kwargs):
        return (self.call or self.func)(**kwargs)

    def strategy(self) -> st.SearchStrategy:
        names = sorted(self.hostile)
        return st.sampled_from(names).flatmap(
            lambda name: st.tuples(st.just(name), self.hostile[name].strategy()))


def check_finite(result, allow_inf: bool = False, where: str = "result", depth: int = 0,
                 allow_nan: bool = False):
    """Raise AssertionError if ``result`` holds a NaN (or an inf, unless allowed) anywhere."""
    if allow_nan:
        return
    if depth > 8 or result is None or isinstance(result, (str, bytes, bool, Path)):
        return
    if isinstance(result, (int, np.integer)):
        return
    if isinstance(result, (float, np.floating)):
        ok = not math.isnan(result) and (allow_inf or math.isfinite(result))
        assert ok, f"{where} is {result}"
        return
    if isinstance(result, np.ndarray):
        if result.dtype.kind in "fc":
            bad = np.isnan(result) if allow_inf else ~np.isfinite(result)
            assert not bad.any(), f"{where} has {int(bad.sum())} non-finite entries"
        elif result.dtype == object:
            for i, item in enumerate(result.reshape(-1)[:1000]):
                check_finite(item, allow_inf, f"{where}[{i}]", depth + 1)
        return
    if _is_figure(result):
        for i, trace in enumerate(result.data):
            for attr in ("x", "y", "z"):
                values = getattr(trace, attr, None)
                if values is None or isinstance(values, str):
                    continue
                flat = np.asarray(values, dtype=object).reshape(-1)
                numbers = [v for v in flat if isinstance(v, (float, np.floating))]
                bad = [v for v in numbers if not math.isfinite(v)]
                assert not bad, f"{where}.data[{i}].{attr} has non-finite {bad[:3]}"
        return
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        for field in dataclasses.fields(result):
            check_finite(getattr(result, field.name), allow_inf, f"{where}.{field.name}", depth + 1)
        return
    if isinstance(result, Mapping):
        for key, value in list(result.items())[:1000]:
            check_finite(value, allow_inf, f"{where}[{key!r}]", depth + 1)
        return
    if isinstance(result, (list, tuple)):
        for i, item in enumerate(result[:1000]):
            check_finite(item, allow_inf, f"{where}[{i}]", depth + 1)
        return
    if hasattr(result, "__array__") and not callable(result):
        check_finite(np.asarray(result), allow_inf, where, depth + 1)


def _is_figure(obj) -> bool:
    return type(obj).__name__ in ("Figure", "FigureWidget") and hasattr(obj, "data")


def _names_argument(case: Case, arg: str, value, message: str) -> bool:
    spellings = (arg,) + tuple(case.names.get(arg, ()))
    if any(s in message for s in spellings):
        return True
    if isinstance(value, (str, Path)) and str(value) and str(value) in message:
        return True  # a path or choice shown verbatim
    return False


def run_hostile(case: Case, arg: str, value) -> None:
    """Call ``case`` with ``arg=value``; assert the hostile-input property."""
    kwargs = case.kwargs()
    kwargs[arg] = value
    what = f"{case.id}({arg}={_show(value)})"
    errors = case.hostile[arg].errors
    try:
        with time_limit():
            result = case.invoke(kwargs)
    except CallTimeout as error:
        raise AssertionError(f"{what}: {error}") from None
    except errors as error:
        message = str(error)
        assert _names_argument(case, arg, value, message), (
            f"{what} raised {type(error).__name__} without naming {arg!r}: {message}")
        return
    except Exception as error:  # noqa: BLE001 - anything else is the bug we look for
        raise AssertionError(
            f"{what} raised {type(error).__name__} (want ValueError/TypeError naming {arg!r}): "
            f"{error}") from error
    check_finite(result, case.allow_inf, where=f"{what} ->", allow_nan=case.allow_nan)


def run_base(case: Case) -> None:
    """The legal baseline call returns a finite result (so hostile draws test one argument)."""
    with time_limit():
        result = case.invoke(case.kwargs())
    check_finite(result, case.allow_inf, where=f"{case.id}(base) ->", allow_nan=case.allow_nan)


def hostile_tests(cases: list[Case]):
    """The two tests of a module: the baseline is legal, and hostile draws keep the property."""
    import pytest
    from hypothesis import given

    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids), "case ids must be unique"

    @pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.slow] if c.slow else [])
                                      for c in cases if c.check_base],
                             ids=[c.id for c in cases if c.check_base])
    def test_baseline(case):
        run_base(case)

    def _hostile(case, data):
        arg, value = data.draw(case.strategy(), label="argument, value")
        run_hostile(case, arg, value)

    fast = [c for c in cases if c.hostile and not c.slow]
    slow = [c for c in cases if c.hostile and c.slow]

    @pytest.mark.parametrize("case", fast, ids=[c.id for c in fast])
    @settings(parent=settings.get_profile("hostile"))
    @given(data=st.data())
    def test_hostile(case, data):
        _hostile(case, data)

    @pytest.mark.slow
    @pytest.mark.parametrize("case", slow, ids=[c.id for c in slow])
    @settings(parent=settings.get_profile("hostile-slow"))
    @given(data=st.data())
    def test_hostile_slow(case, data):
        _hostile(case, data)

    regressions = [(c, arg, value) for c in cases for arg, value in c.regressions]

    @pytest.mark.parametrize("case, arg, value", regressions,
                             ids=[f"{c.id}-{arg}-{i}" for i, (c, arg, _) in enumerate(regressions)])
    def test_regression(case, arg, value):
        run_hostile(case, arg, value)

    # An empty parameter list would make pytest skip, and no test may skip: drop such tests.
    return (test_baseline if any(c.check_base for c in cases) else None,
            test_hostile if fast else None, test_hostile_slow if slow else None,
            test_regression if regressions else None)

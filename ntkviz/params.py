"""Parameters declared once, as data: what each user-facing argument is, what values it takes,
and how an explorer's control shows it.

A :class:`Param` holds the type, the allowed range or choices, a label and the range of its
slider; a :class:`Params` table groups an experiment's parameters. ``Params.validated`` checks
a public function's arguments against the table before the call (each refusal a ``ValueError``
or ``TypeError`` naming the argument and what is allowed), so the function body and everything
it calls work with clean values; the explorers build their sliders and dropdowns from the same
records. Defaults live in one place too: the public function's signature (``Params.defaults``
reads them for the explorers).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping

from ._validate import check_choice, check_int, check_real, check_sequence

__all__ = ["Param", "Params"]

KINDS = ("int", "real", "choice", "flag", "ints", "reals", "choices", "object")


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter.

    ``kind``: ``"int"``, ``"real"``, ``"choice"`` (one of ``choices``), ``"flag"`` (a bool),
    ``"ints"`` / ``"reals"`` (a non-empty sequence of such numbers, returned as a tuple),
    ``"choices"`` (one of ``choices`` or a non-empty sequence of distinct ones, returned as a
    tuple), ``"object"`` (an instance of one of the types in ``choices``, e.g. a configuration).
    ``minimum`` / ``maximum`` bound numbers (``strict``: the minimum itself excluded).
    ``label``: what a control shows; ``control``: ``(low, high, step)`` of its slider where it
    is narrower than the allowed range; ``log``: a slider in log10 steps.
    """

    name: str
    kind: str
    minimum: float | None = None
    maximum: float | None = None
    strict: bool = False
    choices: tuple = ()
    label: str = ""
    control: tuple | None = None
    log: bool = False

    def __post_init__(self):
        check_choice("kind", self.kind, KINDS)

    def check(self, value, name: str | None = None):
        """``value`` converted to its clean form, or the error naming ``name`` (default: this
        parameter's name)."""
        name = name or self.name
        if self.kind == "int":
            return check_int(name, value, minimum=self.minimum, maximum=self.maximum)
        if self.kind == "real":
            return check_real(name, value, minimum=self.minimum, maximum=self.maximum,
                              strict_minimum=self.strict)
        if self.kind == "choice":
            return check_choice(name, value, self.choices)
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {value!r}")
            return value
        if self.kind == "object":
            if not isinstance(value, self.choices):
                kinds = " or ".join(t.__name__ for t in self.choices)
                raise TypeError(f"{name} must be a {kinds}, got {type(value).__name__}")
            return value
        if self.kind == "choices":
            values = check_sequence(name, (value,) if isinstance(value, str) else value,
                                    lambda v: check_choice(name, v, self.choices))
            if len(set(values)) != len(values):
                raise ValueError(f"{name} must not repeat a choice, got {values}")
            return values
        item = Param(self.name, self.kind[:-1] if self.kind == "ints" else "real", self.minimum,
                     self.maximum, self.strict)
        return check_sequence(name, value, lambda v: item.check(v, name))

    @property
    def slider(self) -> tuple:
        """``(low, high, step)`` of this parameter's slider."""
        if self.control is not None:
            return self.control
        if self.minimum is None or self.maximum is None:
            raise ValueError(f"parameter {self.name!r} has no control range and no bounds")
        return (self.minimum, self.maximum, 1 if self.kind == "int" else None)


class Params(Mapping):
    """An experiment's parameters by name; ``validated`` wraps its public functions."""

    def __init__(self, *params: Param):
        self._params = {p.name: p for p in params}

    def __getitem__(self, name: str) -> Param:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def check(self, **values) -> dict:
        """Every given value checked against its declaration (undeclared names pass unchanged)."""
        return {k: self._params[k].check(v) if k in self._params else v for k, v in values.items()}

    def validated(self, function: Callable) -> Callable:
        """``function`` whose declared arguments are checked (and converted) before each call;
        the original stays reachable as ``.unchecked`` for callers holding clean values."""
        signature = inspect.signature(function)
        declared = [name for name in signature.parameters if name in self._params]

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{function.__name__}(): {error}") from None
            bound.apply_defaults()
            for name in declared:
                bound.arguments[name] = self._params[name].check(bound.arguments[name])
            return function(*bound.args, **bound.kwargs)

        wrapper.unchecked = function
        wrapper.params = self
        return wrapper

    @staticmethod
    def defaults(function: Callable) -> dict:
        """The default value of each argument of ``function`` (the public signature is the one
        place defaults are written)."""
        function = getattr(function, "unchecked", function)
        return {name: p.default for name, p in inspect.signature(function).parameters.items()
                if p.default is not inspect.Parameter.empty}

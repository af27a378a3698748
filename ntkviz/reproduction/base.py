"""The shapes every reproduction target and claim share.

A :class:`Target` is one figure (or group of results) of one paper: its protocol against the
paper's, a full and a quick configuration, a ``compute`` function giving JSON-ready numbers, the
claims those numbers test and the figure drawn from them. A :class:`Claim` is one statement of
the paper, paraphrased and cited at its place, with a criterion fixed before the run; its
``evaluate`` reads only computed JSON and returns an :class:`Outcome`: our number (with its 95%
bootstrap interval where it is a statistic) and a verdict.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["VERDICTS", "HOLDS", "FAILS", "UNTESTABLE", "Outcome", "Claim", "Deviation",
           "Protocol", "Target", "Checkpoints", "Progress", "silent", "to_json"]

HOLDS, FAILS, UNTESTABLE = "holds", "does not hold", "cannot be tested here"
VERDICTS = (HOLDS, FAILS, UNTESTABLE)

#: ``progress(done, total, label)``, called as parts of a target finish.
Progress = Callable[[int, int, str], None]


def silent(done: int, total: int, label: str) -> None:
    return None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a claim's evaluation found: ``ours`` (numbers as text, intervals included), the
    ``verdict`` (one of :data:`VERDICTS`) and a ``note`` (why it cannot be tested, or a remark)."""

    ours: str
    verdict: str
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclasses.dataclass(frozen=True)
class Claim:
    """One statement of a paper and how we test it.

    ``key`` unique short id; ``paper`` a key of ``PAPERS``; ``where`` its place in the paper
    ("Sec. 3.3, Fig. 4B"); ``statement`` our paraphrase; ``criterion`` the test fixed before the
    run and its reason (where the paper gives no number, it says so and uses the weakest reading
    of the words); ``evaluate(results)`` gets ``{target: numbers}`` for the targets in ``needs``
    (default: the claim's own target, filled in by :class:`Target`).
    """

    key: str
    paper: str
    where: str
    statement: str
    criterion: str
    evaluate: Callable[[dict], Outcome] = dataclasses.field(repr=False, compare=False)
    needs: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Deviation:
    """One difference from the paper's protocol and why we made it."""

    what: str
    why: str


@dataclasses.dataclass(frozen=True)
class Protocol:
    """The paper's protocol for a target, ours, and each deviation with its reason."""

    paper: str
    ours: str
    deviations: tuple[Deviation, ...] = ()


@dataclasses.dataclass(frozen=True)
class Target:
    """One reproduction target (see the module docstring).

    ``compute(config, progress, checkpoints)`` returns the numbers (a dict of lists, floats,
    strings; NaN allowed, written as null); ``figure`` is ``"module:function"`` of the plots
    package drawing them (imported only when a figure is made); ``full`` and ``quick`` are
    frozen dataclass configurations (``quick`` runs in CI, in minutes).
    """

    name: str
    paper: str
    title: str
    description: str
    protocol: Protocol
    full: Any
    quick: Any
    compute: Callable[[Any, Progress, "Checkpoints"], dict] = dataclasses.field(repr=False)
    claims: tuple[Claim, ...]
    figure: str

    def __post_init__(self):
        claims = tuple(c if c.needs else dataclasses.replace(c, needs=(self.name,))
                       for c in self.claims)
        object.__setattr__(self, "claims", claims)

    def config(self, quick: bool = False):
        return self.quick if quick else self.full


class Checkpoints:
    """Finished parts of a long target kept as small JSON files in ``folder`` (``None``: keep
    nothing), so an interrupted run resumes where it stopped. A part is named by ``key`` (any
    ``repr``-able value); a file whose stored key differs is recomputed."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = None if folder is None else Path(folder)
        self.resumed_seconds = 0.0  # wall time of the parts read back instead of computed

    def get(self, key, compute: Callable[[], dict]) -> dict:
        """``compute()`` (a JSON-ready dict), or its stored result for the same ``key``."""
        if self.folder is None:
            return compute()
        text = repr(key)
        path = self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.json"
        if path.exists():
            stored = json.loads(path.read_text())
            if stored.get("key") == text:
                self.resumed_seconds += float(stored.get("seconds", 0.0))
                return stored["value"]
        import time

        start = time.perf_counter()
        value = to_json(compute())
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"key": text, "seconds": time.perf_counter() - start, "value": value}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(path)  # atomic: a run stopped mid-write leaves no half file
        return value


def to_json(value):
    """numpy arrays/scalars → lists/floats, non-finite floats → ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(dataclasses.asdict(value))
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value

"""Small pieces several experiments share: configurations stored as plain dicts in results
files, and the ``progress`` argument (None, True for a tqdm bar, or ``progress(done, total)``)."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

__all__ = ["ConfigRecord", "check_progress", "progress_callback", "open_npz", "frozen",
           "ArrayKey", "SMALLEST_CLASS"]

#: Digits of the smallest class (5) of the bundled MNIST test set: the most digits per class
#: an experiment can take.
SMALLEST_CLASS = 892


def frozen(array, dtype=np.float64) -> np.ndarray:
    """A read-only copy of ``array`` as ``dtype`` (results hand out arrays nobody may edit)."""
    array = np.array(array, dtype=dtype)
    array.setflags(write=False)
    return array


class ArrayKey:
    """A hashable, read-only copy of an array, so results computed from arrays can be cached."""

    __slots__ = ("array", "_hash")

    def __init__(self, array: np.ndarray):
        self.array = frozen(array)
        self._hash = hash((self.array.shape, self.array.tobytes()))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, ArrayKey) and np.array_equal(self.array, other.array)


class ConfigRecord:
    """Mixin for frozen dataclass configurations kept in ``.npz`` metadata as JSON: tuples are
    written as lists and read back as tuples; unknown fields are refused."""

    def to_dict(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: dict):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"config has unknown fields {sorted(unknown)}; allowed: {sorted(names)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def check_progress(progress, *, allow_bar: bool = True):
    """``progress`` unchanged, or a ``TypeError`` saying what is allowed (``True`` asks for a
    tqdm bar where ``allow_bar``)."""
    if progress is None or callable(progress) or (allow_bar and isinstance(progress, bool)):
        return progress
    allowed = "None, a bool or a callable(done, total)" if allow_bar else "None or a callable(done, total)"
    raise TypeError(f"progress must be {allowed}, got {progress!r}")


def progress_callback(progress, total: int, desc: str) -> Callable[[int], None]:
    """``report(done)``: nothing for None/False, a ``tqdm.auto`` bar named ``desc`` for True
    (closed at ``total``), else ``progress(done, total)``."""
    if progress is None or progress is False:
        return lambda done: None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=desc)

        def report(done):
            bar.update(done - bar.n)
            if done == total:
                bar.close()

        return report
    return lambda done: progress(done, total)


def open_npz(path):
    """``np.load(path)`` of a results archive, or a ``ValueError`` naming the path when the file
    is empty, truncated or not an .npz archive (numpy's own errors do not say which file)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (EOFError, OSError, ValueError) as error:
        raise ValueError(f"path {str(path)!r} is not a readable .npz results file: {error}") from None
    if not hasattr(archive, "files"):
        raise ValueError(f"path {str(path)!r} must be an .npz archive, got a single array")
    return archive

"""The one results store: declared results files, one cache, and the registry that
``ntkviz precompute`` iterates.

A :class:`ResultsFile` is a ``.npz`` archive in ``data/results/`` holding named float arrays, the
JSON configuration that produced them and a format version. ``load`` reads a file once per
process (cached by path, size and modification time) and refuses, naming the path, anything
that is missing, truncated, of another version or not such an archive; ``shipped(config)``
returns the bundled arrays only when they were computed with exactly ``config``, so a stale
file is never used. Each experiment that ships results declares one ``ResultsFile`` and a
``precompute`` function; :data:`PRECOMPUTED` lists them for the command line.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import zipfile
from pathlib import Path

import numpy as np

from ._validate import check_path

__all__ = ["ResultsFile", "Stored", "PRECOMPUTED", "precomputed", "results_dir"]


def results_dir() -> Path:
    """The bundled results folder (``data/results``, or ``ntkviz/_data/results`` in a wheel)."""
    from .datasets import bundled_data_dir

    return bundled_data_dir() / "results"


@dataclasses.dataclass(frozen=True, eq=False)
class Stored:
    """What a results file holds: its ``config`` (JSON data) and read-only ``arrays``.

    Compared and hashed by identity: a file read once is one object (``load`` caches it per
    file version), so views built from it can be cached on it."""

    config: dict
    arrays: dict[str, np.ndarray]


@dataclasses.dataclass(frozen=True)
class ResultsFile:
    """A declared results file ``<name>.npz`` of format ``version``."""

    name: str
    version: int

    @property
    def path(self) -> Path:
        return results_dir() / f"{self.name}.npz"

    def save(self, config: dict, arrays: dict, path=None) -> Path:
        """Write ``arrays`` (float64 unless integer/bool) and ``config`` to ``path`` (default:
        the bundled file); returns the path."""
        path = self.path if path is None else check_path("path", path)
        meta = {"format": self.version, "name": self.name, "config": config}
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            np.savez_compressed(handle, meta=np.array(json.dumps(meta)),
                                **{k: np.asarray(v) for k, v in arrays.items()})
        return path

    def load(self, path=None) -> Stored:
        """The file's configuration and arrays (cached per file version on disk); a
        ``ValueError`` naming the path if it is missing or not a results file of this kind."""
        path = self.path if path is None else check_path("path", path)
        try:
            stat = path.stat()
        except OSError:
            raise ValueError(f"path {str(path)!r} does not exist: run `ntkviz precompute "
                             f"--only {self.name}`") from None
        return _read(self.name, self.version, str(path), stat.st_mtime_ns, stat.st_size)

    def shipped(self, config: dict) -> dict[str, np.ndarray] | None:
        """The bundled arrays if the bundled file was computed with exactly ``config``, else
        ``None`` (no file, another configuration, or an unreadable file)."""
        try:
            stored = self.load()
        except ValueError:
            return None
        return stored.arrays if stored.config == json.loads(json.dumps(config)) else None


@functools.lru_cache(maxsize=16)
def _read(name: str, version: int, path: str, mtime_ns: int, size: int) -> Stored:
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            arrays = {key: archive[key] for key in archive.files if key != "meta"}
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"path {path!r} is not an ntkviz results file ({type(error).__name__}: "
                         f"{error})") from None
    if meta.get("name") != name or meta.get("format") != version:
        raise ValueError(f"path {path!r} holds {meta.get('name')!r} results of format "
                         f"{meta.get('format')}, expected {name!r} format {version}")
    for array in arrays.values():
        array.setflags(write=False)
    return Stored(meta["config"], arrays)


#: Results shipped with the package: ``ntkviz precompute --only <name>`` → the module that owns
#: them. Each has ``precompute(progress=None, *, quick=False, path=None)`` which computes the
#: results (``quick``: a tiny configuration the explorers never read), saves them through its
#: ``ResultsFile`` (to ``path``, default the bundled file) and returns ``(path, summary)``, the
#: summary a few lines of text for the command line; ``progress(done, total, label)``.
PRECOMPUTED: dict[str, str] = {
    "accuracy": "ntkviz.experiments.accuracy",
    "width": "ntkviz.experiments.width",
    "dynamics": "ntkviz.experiments.dynamics",
    "augmentation": "ntkviz.experiments.augmentation",
    "equivariant": "ntkviz.experiments.equivariant_accuracy",
    "survey": "ntkviz.experiments.survey",
}


def precomputed(name: str):
    """The module that owns results file ``name`` (imported on first use)."""
    from ._validate import check_choice

    check_choice("name", name, tuple(PRECOMPUTED))
    return importlib.import_module(PRECOMPUTED[name])

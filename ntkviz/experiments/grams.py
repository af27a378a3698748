"""Kernel matrices computed ahead and shared on disk by the processes of one server.

A served dashboard runs one Python kernel per visitor. Its warm-up (``widgets.dashboard``,
``ntkviz warm-cache``) computes the orbit explorer's opening pair of digits at every orbit size
it compiles; ``save`` keeps each kernel matrix in the folder named by ``NTKVIZ_GRAM_DIR`` (set by
``ntkviz serve`` for its kernels, ``serve.command.kernel_environment``), and every kernel's
``orbits.orbit_pair_state`` takes it from there (``load``) instead of computing it again: a
move to a new N on the group CNN then costs a file read, not 0.3–2 s of kernel evaluation.

A matrix is filed under a digest of everything it is a function of: the built-in architecture,
the kernel kind, the action and N, the input images themselves, the ntkviz source and the JAX
version. A changed digit, image preparation or kernel code gives another name, never a stale
matrix. Without ``NTKVIZ_GRAM_DIR`` nothing is read or written. Files are written whole (a
temporary file, then renamed), and a file that cannot be read as the expected matrix is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .._validate import as_finite_array, check_int
from . import architectures

__all__ = ["ENV", "code_digest", "folder", "load", "prune", "save"]

#: The environment variable naming the folder (unset: no shared matrices).
ENV = "NTKVIZ_GRAM_DIR"


def folder() -> Path | None:
    """The folder of shared kernel matrices, or None when ``NTKVIZ_GRAM_DIR`` is not set.

    Examples
    --------
    >>> import os
    >>> from ntkviz.experiments import grams
    >>> os.environ[grams.ENV] = "/srv/course/grams"
    >>> grams.folder()
    PosixPath('/srv/course/grams')
    >>> del os.environ[grams.ENV]
    >>> grams.folder() is None    # the default outside a served dashboard: nothing shared
    True
    """
    value = os.environ.get(ENV)
    return Path(value) if value else None


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the ntkviz source files and the JAX version (what computes the matrices)."""
    import jax

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(jax.__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _path(base: Path, architecture: str, kind: str, action: str, N: int, X: np.ndarray) -> Path:
    digest = hashlib.sha256(code_digest().encode())
    digest.update(repr((architecture, kind, action, N, X.shape, X.dtype.str)).encode())
    digest.update(np.ascontiguousarray(X).tobytes())
    return base / f"{_prefix()}{architecture}-{kind}-{action}-N{N}-{digest.hexdigest()[:40]}.npy"


def _prefix() -> str:
    return f"ntkviz-{code_digest()[:12]}-"


def prune() -> int:
    """Delete the shared matrices of other ntkviz sources or JAX versions (and temporary files
    over an hour old, left by a process ended while writing); returns how many files went. The
    warm-up calls it, so the folder holds one version's matrices (80 files, 1.5 MB), not one
    set per upgrade.

    Examples
    --------
    >>> from ntkviz.experiments import grams
    >>> grams.prune()    # no folder set: nothing to delete
    0
    """
    base = folder()
    if base is None or not base.is_dir():
        return 0
    hour_ago = time.time() - 3600
    stale = [p for p in base.iterdir() if p.is_file() and (
        (p.suffix == ".tmp" and p.stat().st_mtime < hour_ago)
        or (p.suffix == ".npy" and not p.name.startswith(_prefix())))]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def _images(X) -> np.ndarray:
    return as_finite_array("X", X, ndim=3)


# (architecture, kind and action are checked as architectures.PARAMS declares them)
_validated = architectures.PARAMS.validated


@_validated
def load(architecture: str, kind: str, action: str, N: int, X) -> np.ndarray | None:
    """The shared ``kernel_matrix(architecture, X, kind=kind, action=action, N=N)`` of images
    ``X`` (n, H, W), or None (no folder, a registered architecture, not computed yet, or a file
    that is not that matrix).

    Examples
    --------
    Nothing is shared outside a served dashboard:

    >>> from ntkviz.experiments import grams, orbits
    >>> state = orbits.orbit_pair_state((3, 0), (8, 0), N=4, cache=False)
    >>> grams.load("mlp1", "ntk", "rotate", 4, state.X) is None
    True
    """
    X, N = _images(X), check_int("N", N, minimum=1)
    base = folder()
    if base is None or architecture not in architectures.BUILT_IN:
        return None
    try:
        K = np.load(_path(base, architecture, kind, action, N, X), allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    n = X.shape[0]
    if K.shape != (n, n) or K.dtype != np.float64 or not np.isfinite(K).all():
        return None
    return K


@_validated
def save(architecture: str, kind: str, action: str, N: int, X, K) -> Path | None:
    """File ``K``, the (n, n) kernel matrix of images ``X`` (n, H, W), for ``load``; returns its
    path, or None when there is no folder or the architecture is a registered one.

    Examples
    --------
    >>> import os, tempfile
    >>> from ntkviz.experiments import grams, orbits
    >>> os.environ[grams.ENV] = tempfile.mkdtemp()      # as ntkviz serve sets it for its kernels
    >>> state = orbits.orbit_pair_state((3, 0), (8, 0), N=4, cache=False)
    >>> grams.save("mlp1", "ntk", "rotate", 4, state.X, state.K).name.split("-")[2:6]
    ['mlp1', 'ntk', 'rotate', 'N4']
    >>> bool((grams.load("mlp1", "ntk", "rotate", 4, state.X) == state.K).all())
    True
    >>> grams.load("mlp1", "ntk", "rotate", 4, state.X[::-1]) is None   # other images: not filed
    True
    >>> del os.environ[grams.ENV]
    """
    X, N = _images(X), check_int("N", N, minimum=1)
    K = as_finite_array("K", K, ndim=2)
    if K.shape != (X.shape[0],) * 2:
        raise ValueError(f"K must be the n × n kernel matrix of X (n = len(X) = {X.shape[0]}), got K of shape "
                         f"{K.shape}")
    base = folder()
    if base is None or architecture not in architectures.BUILT_IN:
        return None
    base.mkdir(parents=True, exist_ok=True)
    path = _path(base, architecture, kind, action, N, X)
    handle, temporary = tempfile.mkstemp(dir=base, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            np.save(f, K.astype(np.float64), allow_pickle=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

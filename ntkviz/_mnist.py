"""The bundled MNIST test set (checksums verified) and a user's own MNIST files, used through
``ntkviz.datasets``, which exports these functions (their examples call them from there).

* ``load_mnist``: the bundled test set as a fresh copy, or a user's IDX/npz files.
* ``mnist_test_set``: the bundled test set itself, shared and read-only.
* ``digits_per_class``: which digits of each class the experiments use.
* ``bundled_data_dir``: the folder of the bundled data.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from ._validate import check_choice, check_int

__all__ = ["load_mnist", "digits_per_class", "mnist_test_set", "bundled_data_dir"]

_MNIST_FILES = {
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
}


def bundled_data_dir() -> Path:
    """The folder holding the bundled data (inside an installed wheel, or the repo's data/).

    Examples
    --------
    >>> folder = nv.datasets.bundled_data_dir()
    >>> sorted(path.name for path in (folder / "mnist").glob("*.gz"))
    ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']
    """
    inside = Path(__file__).with_name("_data")
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[1] / "data"


def _read_checksums(folder: Path) -> dict[str, str]:
    sums = {}
    checksum_file = folder / "MD5SUMS"
    if checksum_file.exists():
        for line in checksum_file.read_text().splitlines():
            if line.strip():
                digest, name = line.split()
                sums[name] = digest
    return sums


def _read_idx(path: Path, expected_md5: str | None = None) -> np.ndarray:
    raw = path.read_bytes()
    if expected_md5 is not None:
        digest = hashlib.md5(raw).hexdigest()
        if digest != expected_md5:
            raise ValueError(
                f"checksum mismatch for {path.name}: md5 {digest}, expected {expected_md5}; "
                "the file is corrupt or not the original MNIST file"
            )
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path} is truncated: header says {dims}, found {data.size} values")
    return data.reshape(dims)


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.exists():
            return candidate
    return None


def _load_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        archive = np.load(path)
    except (EOFError, OSError, ValueError) as error:  # empty, truncated or not an npz at all
        raise ValueError(f"path {str(path)!r} is not a readable .npz file: {error}") from error
    if not hasattr(archive, "files"):  # a single .npy array saved under an .npz name
        raise ValueError(f"path {str(path)!r} must be an .npz archive, got a single array")
    with archive:
        for x_key, y_key in ((f"x_{split}", f"y_{split}"), ("images", "labels"), ("x", "y")):
            if x_key in archive and y_key in archive:
                return np.asarray(archive[x_key]), np.asarray(archive[y_key])
        raise ValueError(
            f"{path} must hold arrays 'x_{split}'/'y_{split}', 'images'/'labels' or 'x'/'y'; "
            f"found {sorted(archive.files)}"
        )


def load_mnist(path: str | os.PathLike | None = None, *, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits as float64 in [0, 1] of shape (n, 28, 28) and int64 labels.

    Parameters
    ----------
    path : str, os.PathLike or None
        None for the bundled test set (10,000 digits; MD5 checksums verified), a folder
        with IDX files (``*-idx3-ubyte`` / ``*-idx1-ubyte``, optionally ``.gz``), or an
        ``.npz`` file with ``x_<split>``/``y_<split>`` (the Keras layout) or ``images``/``labels``.
    split : str
        ``"test"`` or ``"train"`` (which IDX file names to look for in a folder).

    Examples
    --------
    >>> images, labels = nv.datasets.load_mnist()             # the bundled test set
    >>> images.shape, images.dtype, labels[:5].tolist()
    ((10000, 28, 28), dtype('float64'), [7, 2, 1, 0, 4])
    >>> float(images.min()), float(images.max())
    (0.0, 1.0)

    A user's own ``.npz`` file (here three digits saved as bytes in a temporary folder):

    >>> import pathlib
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "three.npz"
    ...     np.savez(path, images=(255 * images[:3]).round().astype(np.uint8), labels=labels[:3])
    ...     x, y = nv.datasets.load_mnist(path)
    >>> x.shape, float(x.max()), y.tolist()
    ((3, 28, 28), 1.0, [7, 2, 1])
    """
    check_choice("split", split, tuple(_MNIST_FILES))
    if path is None:
        if split != "test":
            raise ValueError("split must be 'test' for the bundled data (only the test set is bundled)")
        images, labels = _bundled_test_set()
        return images.copy(), labels.copy()
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be None, a str or a path-like object, got {type(path).__name__}")
    return _load_mnist_from(Path(path), split)


def digits_per_class(count: int, seed: int = 0, classes: int = 10) -> np.ndarray:
    """Which digits of the bundled test set the experiments use: ``(classes, count)`` indices.

    For each class 0, 1, … in turn, ``numpy.random.default_rng(seed)`` permutes that class's
    digits (file order) and the first ``count`` are taken; so a larger ``count`` extends each
    row without changing its first entries, and fewer ``classes`` give the first rows.
    Read-only and cached.

    Examples
    --------
    >>> rows = nv.datasets.digits_per_class(3)                # 3 digits of each class 0–9
    >>> rows.shape
    (10, 3)
    >>> images, labels = nv.datasets.mnist_test_set()
    >>> labels[rows[7]].tolist()                              # row c holds digits of class c
    [7, 7, 7]
    >>> bool(np.array_equal(nv.datasets.digits_per_class(5)[:, :3], rows))   # a larger count
    True
    """
    count = check_int("count", count, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    classes = check_int("classes", classes, minimum=1, maximum=10)
    return _digits_per_class(count, seed, classes)


@functools.lru_cache(maxsize=16)
def _digits_per_class(count: int, seed: int, classes: int) -> np.ndarray:
    _, labels = _bundled_test_set()
    smallest = int(np.bincount(labels, minlength=10)[:classes].min())
    if count > smallest:
        raise ValueError(f"count must be at most the size of the smallest class ({smallest}), got {count}")
    rng = np.random.default_rng(seed)
    rows = np.stack([rng.permutation(np.flatnonzero(labels == c))[:count] for c in range(classes)])
    rows.setflags(write=False)
    return rows


@functools.lru_cache(maxsize=1)
def _bundled_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The bundled test set, read and checksummed once per process (callers get copies)."""
    return _load_mnist_from(bundled_data_dir() / "mnist", "test")


def mnist_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The bundled test set itself, shared and read-only (no copy, unlike ``load_mnist``):
    ``(images (10000, 28, 28) in [0, 1], labels (10000,))``, for code that only reads it.

    Examples
    --------
    >>> images, labels = nv.datasets.mnist_test_set()
    >>> images.shape, labels.shape, images.flags.writeable
    ((10000, 28, 28), (10000,), False)
    >>> np.bincount(labels).tolist()                          # digits per class
    [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    """
    views = tuple(array.view() for array in _bundled_test_set())
    for view in views:
        view.setflags(write=False)
    return views


def _load_mnist_from(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    if folder.suffix == ".npz":
        if not folder.exists():
            raise ValueError(f"path {str(folder)!r} does not exist")
        images, labels = _load_npz(folder, split)
    else:
        if not folder.is_dir():
            raise ValueError(f"path {str(folder)!r} must be a folder of IDX files or an .npz file")
        checksums = _read_checksums(folder)
        found = [_find(folder, stem) for stem in _MNIST_FILES[split]]
        if None in found:
            raise ValueError(f"path {str(folder)!r} has no MNIST {split} IDX files {_MNIST_FILES[split]}")
        images, labels = (_read_idx(p, checksums.get(p.name)) for p in found)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST arrays have unexpected shapes {images.shape} and {labels.shape}")
    images = images.astype(np.float64)
    if images.max() > 1.0:
        images /= 255.0
    return images, labels.astype(np.int64)

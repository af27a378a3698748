"""Single-threaded BLAS for the products inside a kernel call.

numpy's multi-threaded OpenBLAS stalls when the other core is busy (a shared machine, a
classroom server with many kernels): the input product ``a aᵀ`` of 256 images × 784 pixels took
12–24 ms with two threads at load 1.8, against 1.5 ms on one thread (XLA's product: 3.3 ms). On
one thread the product is also never slower than XLA's float64 product on this CPU (2048 × 784:
99 ms against 215 ms). :func:`single_threaded_blas` limits BLAS to one thread for the enclosed
block only and restores the previous setting (threadpoolctl), so the user's own numpy keeps its
threads. Products too small for BLAS to thread skip the switch (it costs ~5 µs).
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np

__all__ = ["single_threaded_blas", "product"]

#: Below this many multiply-adds ``m·n·k`` OpenBLAS runs on one thread by itself.
THREADED_FROM = 2**18


@functools.lru_cache(maxsize=1)
def _blas_libraries():
    """threadpoolctl's view of the loaded BLAS libraries (looked up once, ~1 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


@contextlib.contextmanager
def single_threaded_blas():
    """Run the enclosed block with every loaded BLAS library limited to one thread."""
    limiter = _blas_libraries().limit(limits=1)
    try:
        yield
    finally:
        limiter.restore_original_limits()


def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a bᵀ`` of two float64 row batches, on one BLAS thread (see the module docstring)."""
    if a.shape[0] * b.shape[0] * a.shape[1] < THREADED_FROM:
        return a @ b.T
    with single_threaded_blas():
        return a @ b.T

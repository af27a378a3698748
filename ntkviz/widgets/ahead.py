"""Computing ahead: while the browser draws a slow setting, a background thread computes the
setting a user is likely to ask for next, and a request for a setting still being computed
waits for that computation instead of starting another."""

from __future__ import annotations

import concurrent.futures
import threading
from typing import Callable, Hashable

__all__ = ["Ahead"]


class Ahead:
    """``get(key)`` returns ``compute(key)``, computed at most once at a time per key: if
    ``ahead(keys)`` has a background computation of ``key`` running, ``get`` waits for it.
    ``compute`` keeps its own cache (``get`` of a key computed ahead is then a cache hit).

    ``ahead(keys)`` drops the settings queued before that have not started (the user moved
    elsewhere) and queues ``keys`` in order, one background thread computing them one at a time.
    A background failure is dropped: ``get`` computes the key again and raises as usual.
    """

    def __init__(self, compute: Callable[[Hashable], object], name: str = "ntkviz-ahead"):
        self._compute = compute
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._futures: dict[Hashable, concurrent.futures.Future] = {}

    def get(self, key: Hashable):
        with self._lock:
            future = self._futures.get(key)
        if future is not None and not future.cancel():
            try:
                return future.result()
            except Exception:   # computed again below, so the caller sees the error itself
                pass
        return self._compute(key)

    def ahead(self, keys) -> None:
        with self._lock:
            for key, future in list(self._futures.items()):
                if future.done() or (key not in keys and future.cancel()):
                    del self._futures[key]
            for key in keys:
                if key not in self._futures:
                    self._futures[key] = self._pool.submit(self._compute, key)

    def wait(self) -> None:
        """Return once every queued computation has finished (for tests and benchmarks)."""
        with self._lock:
            futures = list(self._futures.values())
        concurrent.futures.wait(futures)

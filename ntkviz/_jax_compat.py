"""Version-neutral switches of JAX's configuration, local to a block of code.

ntkviz runs on current JAX (the main environment) and on JAX 0.4.30, the last version
neural-tangents 0.6.5 imports on (the ``nt`` extra). The two differ in defaults and spellings
that change numbers; these context managers give the same behaviour on both, and never touch
the user's global configuration (DESIGN: nothing global changes on import or on a call).
Importing this module does not import JAX.
"""

from __future__ import annotations

import contextlib

__all__ = ["enable_x64", "stable_random"]


def enable_x64(enabled: bool = True):
    """A context manager switching JAX's 64-bit mode for the enclosed code only.

    ``jax.enable_x64`` on current JAX; ``jax.experimental.enable_x64`` /
    ``disable_x64`` on JAX 0.4.30, which has no top-level spelling.
    """
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(enabled)
    from jax.experimental import disable_x64
    from jax.experimental import enable_x64 as legacy

    return legacy() if enabled else disable_x64()


@contextlib.contextmanager
def stable_random():
    """A context manager (also usable as a decorator, ``@stable_random()``) under which
    ``jax.random`` draws the same numbers on every supported JAX version.

    JAX 0.5 changed the default of ``jax_threefry_partitionable`` to True, which changed the
    streams of ``split``, ``fold_in`` and every sampler; JAX 0.4.30 still defaults to False.
    The shipped results (finite widths, training dynamics, augmentation, trained networks)
    were drawn with the partitionable stream, so every draw in the package runs inside this
    switch. ``jax.threefry_partitionable`` is thread-local and part of the jit cache key on
    both versions: a jitted function that draws (a shuffle inside an epoch) must be *called*
    inside the context, not only defined there.
    """
    import jax

    with jax.threefry_partitionable(True):
        yield

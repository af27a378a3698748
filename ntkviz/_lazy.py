"""Load a package's public names on first use (so ``import ntkviz`` does not import JAX)."""

from __future__ import annotations

import importlib

__all__ = ["lazy_exports"]


def lazy_exports(package: str, namespace: dict, exports: dict[str, str | None]):
    """``(__getattr__, __dir__)`` for ``package``.

    ``exports`` maps a public name to the submodule that defines it, or to None when the name
    is itself a submodule. A loaded name is stored in ``namespace`` (the package globals), so
    each is imported once.
    """

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = exports[name]
        value = importlib.import_module(f"{package}.{name if module is None else module}")
        if module is not None:
            value = getattr(value, name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace.get("__all__", ())) | set(exports))

    return __getattr__, __dir__

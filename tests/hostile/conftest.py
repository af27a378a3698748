"""Registers the hypothesis profiles of the hostile-input tests (defined in ``_support``, so
the case modules also import on their own) before collection."""

from . import _support  # noqa: F401

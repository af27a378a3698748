"""Figures of ``ntkviz reproduce``: one module per target, each a ``figure(data)`` drawing the
target's JSON numbers (no computation here). Shared layout helpers live in ``common``."""

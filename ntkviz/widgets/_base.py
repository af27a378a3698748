"""Transitional re-exports of the explorer helpers, now in ``display``, ``throttle``, ``figure``
and ``explorer`` (removed once every explorer imports those)."""

from .display import READOUT_DIGITS, STYLE, MessageLine, format_number, value_span  # noqa: F401
from .explorer import Explorer  # noqa: F401
from .figure import compose_subplots, sync_initial_state, write_panel_update  # noqa: F401
from .throttle import THROTTLE_SECONDS, Throttle, guarded  # noqa: F401

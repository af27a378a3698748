"""The websocket protocol of Jupyter kernel messages that browsers speak: subprotocol
``v1.kernel.websocket.jupyter.org``, one binary frame per message."""

from __future__ import annotations

__all__ = ["WS_PROTOCOL", "join_frame", "split_frame"]

#: The websocket subprotocol of Jupyter kernel messages the browser speaks (binary frames).
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def join_frame(parts: list[bytes]) -> bytes:
    """One v1 websocket frame: the number of offsets, the offsets of each part's start and of
    the end (8-byte little-endian each), then the parts (channel, header, parent header,
    metadata, content, buffers)."""
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + b"".join(parts)


def split_frame(frame: bytes) -> list[bytes]:
    """The parts of one v1 websocket frame (the inverse of :func:`join_frame`)."""
    count = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    return [frame[a:b] for a, b in zip(offsets, offsets[1:])]

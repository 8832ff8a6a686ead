"""Reading a response body without ever holding more than the cap.

The fetcher asks for gzip/deflate and decompresses here, chunk by chunk,
with ``max_length``: a small compressed bomb is stopped at the cap like a
large plain body, before it is inflated in memory.
"""

from __future__ import annotations

import zlib

import httpx

from wirewatch.errors import FetchError


class _Inflater:
    """Content-Encoding decoding that never yields more than it is allowed to."""

    def __init__(self, encoding: str):
        encoding = encoding.strip().lower()
        self._raw_fallback = encoding == "deflate"
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}", kind="bad_body")
        self.overflow = False

    def feed(self, chunk: bytes, room: int) -> bytes:
        """Decoded bytes of ``chunk``, at most ``room``; sets ``overflow`` when more were left."""
        if self._z is None:
            self.overflow = len(chunk) > room
            return chunk[:room]
        try:
            # max_length 0 would mean "no limit": ask for one byte more than room instead.
            out = self._z.decompress(chunk, room + 1)
        except zlib.error:
            if not self._raw_fallback:
                raise FetchError("corrupt compressed body", kind="bad_body") from None
            # "deflate" is zlib-wrapped by the standard, raw by some servers.
            self._raw_fallback = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(chunk, room)
        self._raw_fallback = False
        self.overflow = len(out) > room or bool(self._z.unconsumed_tail)
        return out[:room]

    def flush(self, room: int) -> bytes:
        if self._z is None:
            return b""
        out = self._z.flush(room + 1)
        self.overflow = len(out) > room
        return out[:room]


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The decoded body of a streamed ``response``; ``FetchError(kind="too_large")`` past ``cap``.

    A declared Content-Length over the cap is refused before reading anything.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and "content-encoding" not in response.headers and int(declared) > cap:
        raise FetchError(f"body of {declared} bytes is over the {cap}-byte cap", kind="too_large")
    inflater = _Inflater(response.headers.get("content-encoding", ""))
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        part = inflater.feed(chunk, cap - size)
        size += len(part)
        parts.append(part)
        if inflater.overflow:
            raise FetchError(f"body over the {cap}-byte cap; cut off", kind="too_large")
    tail = inflater.flush(cap - size)
    if inflater.overflow:
        raise FetchError(f"body over the {cap}-byte cap; cut off", kind="too_large")
    parts.append(tail)
    return b"".join(parts)

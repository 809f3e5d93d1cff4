"""A pull reader over a ``multipart/form-data`` request body that never holds more than one
network chunk (RFC 7578; the GraphQL multipart request spec's transport, issue #18).

python-multipart's :class:`~python_multipart.MultipartParser` is a push parser (fed bytes, it
calls back per header and data slice); this wraps it so a consumer asks for the next part and
then iterates that part's data, and the request stream is read only as fast as that consumer
goes. That is how a file reaches the subgraph while the client is still sending it, and how a
too-large file is refused without reading the rest of the body.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

__all__ = ["MultipartError", "MultipartReader", "Part", "boundary_of"]

_BEGIN, _HEADER, _DATA, _END = "begin", "header", "data", "end"


class MultipartError(ValueError):
    """A body that is not well-formed ``multipart/form-data``."""


def boundary_of(content_type: str) -> bytes:
    """The ``boundary`` parameter (RFC 2046 section 5.1.1); :class:`MultipartError` without."""
    media_type, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise MultipartError("multipart/form-data without a boundary")
    return boundary


@dataclass(slots=True)
class Part:
    """One part's ``Content-Disposition`` name and filename and its ``Content-Type``."""

    name: str
    filename: str | None
    content_type: str | None


class MultipartReader:
    """``await next_part()`` then ``async for chunk in data()``; parts come in body order."""

    def __init__(self, chunks: AsyncIterator[bytes], boundary: bytes) -> None:
        self._chunks = chunks
        self._events: deque[tuple[str, bytes]] = deque()
        self._field = b""
        self._value = b""
        self._finished = False
        self._in_part = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": lambda: self._events.append((_BEGIN, b"")),
                "on_part_data": lambda data, start, end: self._events.append(
                    (_DATA, bytes(data[start:end]))
                ),
                "on_part_end": lambda: self._events.append((_END, b"")),
                "on_header_field": self._on_field,
                "on_header_value": self._on_value,
                "on_header_end": self._on_header_end,
            },
        )

    def _on_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self._events.append((_HEADER, self._field.lower() + b"\0" + self._value))
        self._field = self._value = b""

    async def _next_event(self) -> tuple[str, bytes] | None:
        while not self._events:
            if self._finished:
                return None
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self._finished = True
                self._parser.finalize()
                continue
            if not chunk:
                continue
            try:
                self._parser.write(chunk)
            except MultipartParseError as error:
                raise MultipartError(f"malformed multipart body: {error}") from None
        return self._events.popleft()

    async def next_part(self) -> Part | None:
        """The next part's headers (the rest of the current part is skipped); None at the end."""
        while self._in_part:
            event = await self._next_event()
            if event is None:
                raise MultipartError("the multipart body ended inside a part")
            if event[0] == _END:
                self._in_part = False
        event = await self._next_event()
        if event is None:
            return None
        if event[0] != _BEGIN:
            raise MultipartError("malformed multipart body")
        self._in_part = True
        headers: dict[bytes, bytes] = {}
        while True:
            header = await self._next_event()
            if header is None:
                raise MultipartError("the multipart body ended inside a part's headers")
            if header[0] != _HEADER:
                self._events.appendleft(header)  # the part's first data (or its end)
                break
            name, _, value = header[1].partition(b"\0")
            headers[name] = value
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise MultipartError("a part without a Content-Disposition name")
        filename = options.get(b"filename")
        content_type = headers.get(b"content-type")
        return Part(
            options[b"name"].decode(),
            filename.decode() if filename is not None else None,
            content_type.decode("latin-1") if content_type is not None else None,
        )

    async def data(self) -> AsyncIterator[bytes]:
        """The current part's bytes, as they arrive."""
        while self._in_part:
            event = await self._next_event()
            if event is None:
                raise MultipartError("the multipart body ended inside a part")
            kind, payload = event
            if kind == _END:
                self._in_part = False
            elif kind == _DATA and payload:
                yield payload

    async def read_part(self, limit: int) -> bytes:
        """The current part whole (small fields only); :class:`OverflowError` past ``limit``."""
        value = bytearray()
        async for chunk in self.data():
            value.extend(chunk)
            if len(value) > limit:
                raise OverflowError(limit)
        return bytes(value)

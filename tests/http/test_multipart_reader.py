"""The streaming ``multipart/form-data`` reader behind file uploads (issue #18), fed bodies that
httpx's own multipart encoder produced, in one piece and one byte at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from router.http.multipart_reader import MultipartError, MultipartReader, boundary_of


def _encoded() -> tuple[bytes, bytes]:
    request = httpx.Request(
        "POST",
        "http://x/graphql",
        data={"operations": '{"query": "q"}', "map": '{"0": ["variables.f"]}'},
        files={"0": ("a b.png", b"\x00\x01png-bytes\r\n--not-a-boundary", "image/png")},
    )
    return request.read(), boundary_of(request.headers["content-type"])


async def _chunks(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("size", [1, 7, 1 << 20])
async def test_parts_come_in_order_with_their_names_and_bytes(size: int) -> None:
    body, boundary = _encoded()
    reader = MultipartReader(_chunks(body, size), boundary)
    seen = []
    while (part := await reader.next_part()) is not None:
        content = b"".join([chunk async for chunk in reader.data()])
        seen.append((part.name, part.filename, part.content_type, content))
    assert seen == [
        ("operations", None, None, b'{"query": "q"}'),
        ("map", None, None, b'{"0": ["variables.f"]}'),
        ("0", "a b.png", "image/png", b"\x00\x01png-bytes\r\n--not-a-boundary"),
    ]


async def test_an_unread_part_is_skipped_and_a_field_is_bounded() -> None:
    body, boundary = _encoded()
    reader = MultipartReader(_chunks(body, 3), boundary)
    assert (await reader.next_part()) is not None  # operations, left unread
    part = await reader.next_part()
    assert part is not None and part.name == "map"
    with pytest.raises(OverflowError):
        await reader.read_part(5)


async def test_a_truncated_body_is_an_error() -> None:
    body, boundary = _encoded()
    reader = MultipartReader(_chunks(body[: len(body) - 40], 16), boundary)
    with pytest.raises(MultipartError):
        while await reader.next_part() is not None:
            async for _ in reader.data():
                pass


def test_a_content_type_without_boundary_is_refused() -> None:
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data")
    with pytest.raises(MultipartError):
        boundary_of("application/json; boundary=x")

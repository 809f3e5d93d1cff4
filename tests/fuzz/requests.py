"""Hypothesis strategies for raw HTTP requests to a GraphQL endpoint: methods, ``Accept`` and
``Content-Type`` headers, malformed and non-object JSON bodies, wrong parameter types, persisted
query extensions, oversized bodies and GET query strings (GraphQL-over-HTTP, "Request").

Each request says what the spec demands of its answer when that is decided by the request alone
(``expect_status``), and whether it is a well-formed request (200 under ``application/json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

__all__ = ["RawRequest", "raw_requests"]

JSON_CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON"]
OTHER_CONTENT_TYPES = [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/graphql", "foo/bar", "application/jsonx", "", "text/html; charset=utf-8",
]  # fmt: skip
ACCEPTABLE = [
    None, "*/*", "application/json", "application/graphql-response+json",
    "application/graphql-response+json, application/json;q=0.9", "application/*",
    "application/json;q=0.5, application/graphql-response+json;q=0.8",
    "text/html, application/json;q=0.1", "application/json; charset=utf-8",
]  # fmt: skip
UNACCEPTABLE = ["text/html", "image/png", "application/xml", "application/json;q=0", "garbage"]

SIMPLE_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class RawRequest:
    method: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None
    content: bytes | None = None
    well_formed: bool = False
    expect_status: set[int] | None = None
    label: str = ""

    pad: int = 0
    """Spaces added inside the JSON body when it is sent (an oversized body stays a small repr)."""

    def body(self) -> bytes | None:
        if not self.pad or self.content is None:
            return self.content
        return self.content[:-1] + b',"pad":"' + b" " * self.pad + b'"}'


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
NOT_OBJECTS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.lists(JSON_VALUES, max_size=3)
)
NOT_STRINGS = st.booleans() | st.integers() | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)  # fmt: skip


def _hash(draw: Any) -> str:
    return draw(st.sampled_from(["0" * 64, "f" * 64, "abc", "", "G" * 64]))


@st.composite
def _payload(draw: Any, queries: st.SearchStrategy[str]) -> tuple[Any, bool, str]:
    """(JSON value, well-formed?, label)."""
    query = draw(queries)
    kind = draw(st.integers(0, 11))
    if kind <= 3:
        payload: dict[str, Any] = {"query": query}
        if draw(st.booleans()):
            payload["variables"] = draw(
                st.none() | st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=3)
            )
        if draw(st.booleans()):
            payload["operationName"] = draw(st.none() | st.sampled_from(["Fuzz", "Nope", ""]))
        return payload, True, "object"
    if kind == 4:
        return draw(NOT_OBJECTS), False, "not-object"
    if kind == 5:
        return {"query": draw(NOT_STRINGS)}, False, "query-type"
    if kind == 6:
        return (
            {"query": query, "variables": draw(NOT_OBJECTS.filter(lambda v: v is not None))},
            False,
            "variables-type",
        )
    if kind == 7:
        return {"query": query, "operationName": draw(NOT_STRINGS)}, False, "operationName-type"
    if kind == 8:
        return (
            {"query": query, "extensions": draw(NOT_OBJECTS.filter(lambda v: v is not None))},
            False,
            "extensions-type",
        )
    if kind == 9:
        persisted = draw(st.sampled_from([
            {"version": 1, "sha256Hash": _hash(draw)}, {"version": 2, "sha256Hash": "0" * 64},
            {"sha256Hash": 5}, "x", None, {},
        ]))  # fmt: skip
        payload = {"extensions": {"persistedQuery": persisted}}
        if draw(st.booleans()):
            payload["query"] = query
        return payload, False, "persisted"
    if kind == 10:
        return {}, False, "no-query"
    return (
        {
            "id": draw(st.text(max_size=8) | st.integers()),
            "query": draw(st.none() | st.just(query)),
        },
        False,
        "id",
    )


@st.composite
def raw_requests(draw: Any, queries: st.SearchStrategy[str], max_body_bytes: int) -> RawRequest:
    """One raw request; ``queries`` gives document texts (valid or broken)."""
    accept_ok = draw(st.integers(0, 9)) > 0
    accept = draw(st.sampled_from(ACCEPTABLE if accept_ok else UNACCEPTABLE))
    headers = {"accept": accept} if accept is not None else {}
    if draw(st.booleans()):
        headers["apollo-require-preflight"] = "true"
    method = draw(st.sampled_from(["POST"] * 6 + ["GET"] * 3 + ["PUT", "DELETE", "PATCH"]))
    if method not in ("POST", "GET"):
        return RawRequest(method, headers, content=b"{}", expect_status={405}, label="method")
    if method == "GET":
        params = {"query": draw(queries)}
        for key, values in (
            ("variables", JSON_VALUES),
            ("extensions", JSON_VALUES),
            ("operationName", st.text(max_size=5)),
        ):
            if draw(st.integers(0, 3)) == 0:
                value = draw(values)
                params[key] = value if isinstance(value, str) else json.dumps(value)
        if draw(st.integers(0, 5)) == 0:
            params = draw(
                st.dictionaries(st.sampled_from(["query", "variables", "x"]), st.text(max_size=8))
            )
        return RawRequest("GET", headers, params=params, label="get")
    json_type = draw(st.integers(0, 5)) > 0
    content_type = draw(st.sampled_from(JSON_CONTENT_TYPES if json_type else OTHER_CONTENT_TYPES))
    if content_type:
        headers["content-type"] = content_type
    body_kind = draw(st.integers(0, 40))
    expect = None if json_type else {400, 415}
    if not accept_ok:
        expect = {406} if json_type else {400, 406, 415}
    if body_kind == 0:
        pad = max_body_bytes + draw(st.integers(1, 1000))
        content = b'{"query": "{ __typename }"}'
        too_large = {413} | (expect or set())
        return RawRequest(
            "POST", headers, content=content, pad=pad, expect_status=too_large, label="too-large"
        )
    if body_kind <= 4:
        garbage = draw(
            st.binary(max_size=40)
            | st.sampled_from(
                [b"{", b'{"query": ', b"nul", b"\xff\xfe", b'{"query": "{ a }",}', b""]
            )
        )
        return RawRequest("POST", headers, content=garbage, label="malformed")
    payload, valid, label = draw(_payload(queries))
    well_formed = valid and json_type and accept_ok
    return RawRequest(
        "POST",
        headers,
        content=json.dumps(payload).encode(),
        well_formed=well_formed,
        expect_status=expect,
        label=label,
    )

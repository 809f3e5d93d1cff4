"""Header rule semantics without processes (pure logic): merge algorithms across subgraphs,
reserved names, validation. The end-to-end behaviour is in ``test_header_rules_e2e.py``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from router.headers import HeadersSettings, ResponseHeaderSink, apply_request_rules


def sink(*response_rules: dict[str, object]) -> ResponseHeaderSink:
    return ResponseHeaderSink(
        HeadersSettings.model_validate({"all": {"response": list(response_rules)}})
    )


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("first", [("x-v", "1"), ("x-v", "2")]),
        ("last", [("x-v", "3")]),
        ("append", [("x-v", "1, 2, 3")]),
    ],
)
def test_merge_algorithms_across_subgraph_responses(
    algorithm: str, expected: list[tuple[str, str]]
) -> None:
    collected = sink({"propagate": {"named": "x-v", "algorithm": algorithm}})
    collected.record("a", [("X-V", "1"), ("X-V", "2")])  # one response may repeat a field
    collected.record("b", [("x-other", "no")])
    collected.record("c", [("x-v", "3")])
    assert collected.fields() == expected


def test_set_cookie_values_are_never_joined() -> None:
    collected = sink({"propagate": {"matching": "^set-"}})
    collected.record("a", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
    collected.record("b", [("set-cookie", "c=3")])
    assert collected.fields() == [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("set-cookie", "c=3"),
    ]
    first = sink({"propagate": {"named": "set-cookie", "algorithm": "first"}})
    first.record("a", [("set-cookie", "a=1"), ("set-cookie", "b=2")])
    first.record("b", [("set-cookie", "c=3")])
    assert first.fields() == [("set-cookie", "a=1"), ("set-cookie", "b=2")]


def test_reserved_names_are_neither_propagated_nor_inserted_nor_removed() -> None:
    settings = HeadersSettings.model_validate(
        {
            "all": {
                "request": [
                    {"propagate": {"matching": ".*"}},
                    {"insert": {"name": "Content-Type", "value": "text/plain"}},
                    {"remove": {"named": "accept"}},
                    {"propagate": {"named": "x-a", "rename": "host"}},
                ]
            }
        }
    )
    outbound = {"content-type": "application/json", "accept": "application/json"}
    inbound = {"connection": "close", "content-length": "9", "x-a": "1", "x-b": "2"}
    apply_request_rules(settings.request_rules("any"), inbound, outbound)
    assert outbound == {
        "content-type": "application/json",
        "accept": "application/json",
        "x-a": "1",
        "x-b": "2",
    }


@pytest.mark.parametrize(
    "rule",
    [
        {"propagate": {"named": "a", "matching": "b"}},
        {"propagate": {}},
        {"propagate": {"matching": "x-.*", "rename": "y"}},
        {"propagate": {"matching": "("}},
        {"remove": {"named": "a", "matching": "a"}},
        {"insert": {"name": "a"}},
    ],
)
def test_invalid_rules_are_refused_at_load(rule: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HeadersSettings.model_validate({"all": {"request": [rule]}})

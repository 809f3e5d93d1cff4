"""Inbound deduplication never shares an execution between callers whose headers the
``headers:`` rules would forward differently (issue #18); pure logic over the real key."""

from __future__ import annotations

from router.config import RouterConfig
from router.execution.inbound import EVERY_HEADER, InboundDeduplicator, identity_headers
from router.request import GraphQLRequest


def config(*rules: dict[str, object]) -> RouterConfig:
    return RouterConfig.model_validate({"headers": {"all": {"request": list(rules)}}})


def key(settings: RouterConfig, **headers: str) -> object:
    request = GraphQLRequest(query="{ a }", headers=headers)
    return InboundDeduplicator.key(1, request, identity_headers(settings, ["a"]))


def test_named_propagation_is_part_of_the_key() -> None:
    settings = config({"propagate": {"named": "X-Tenant", "rename": "x-t"}})
    assert identity_headers(settings, ["a"]) == ("authorization", "x-tenant")
    assert key(settings, **{"x-tenant": "t1"}) != key(settings, **{"x-tenant": "t2"})
    assert key(settings, **{"x-tenant": "t1", "x-other": "1"}) == key(
        settings, **{"x-tenant": "t1", "x-other": "2"}
    )


def test_a_pattern_rule_makes_every_header_part_of_the_key() -> None:
    settings = config({"propagate": {"matching": "^x-trace-"}})
    assert EVERY_HEADER in identity_headers(settings, ["a"])
    assert key(settings, **{"x-trace-id": "1"}) != key(settings, **{"x-trace-id": "2"})

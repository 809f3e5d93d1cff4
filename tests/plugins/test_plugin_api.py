"""The plugin API without processes: loading (entry points, dotted paths, failures), the chain's
order and refusals, and ``@policy`` rules and decisions (Apollo's semantics, hand-written
expectations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from router.plugins import (
    ClientResponse,
    HttpRequest,
    PluginChain,
    PluginLoadError,
    PluginSettings,
    Rejection,
    RequestContext,
    load_plugins,
)
from router.plugins.examples.policy_evaluator import PolicyEvaluator
from router.plugins.examples.tenant_guard import TenantGuard
from router.plugins.loader import LoadedPlugin
from router.plugins.policy import granted_policies, required_policies
from router.request import GraphQLRequest, GraphQLResponse
from router.security.authorization_rules import AuthorizationRules, Requirement
from tests.plugins.conftest import policy_supergraph_sdl


def test_a_plugin_is_named_by_exactly_one_of_entry_point_or_path() -> None:
    for wrong in ({}, {"name": "tenant_guard", "path": "a.b:C"}):
        with pytest.raises(ValidationError, match="exactly one of 'name'"):
            PluginSettings.model_validate(wrong)


def test_plugins_load_from_entry_points_and_dotted_paths_in_order() -> None:
    loaded = load_plugins(
        [
            PluginSettings(name="policy_evaluator"),
            PluginSettings(path="router.plugins.examples.tenant_guard.TenantGuard"),
            PluginSettings(path="router.plugins.examples.tenant_guard:TenantGuard", enabled=False),
        ]
    )
    assert [(p.label, type(p.plugin)) for p in loaded] == [
        ("policy_evaluator", PolicyEvaluator),
        ("router.plugins.examples.tenant_guard.TenantGuard", TenantGuard),
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"name": "nope"},
            "plugin 'nope': no entry point of that name in group 'router.plugins' "
            "(is its distribution installed?)",
        ),
        ({"path": "nodots"}, "plugin path 'nodots' is not 'module:attribute'"),
        (
            {"path": "router.plugins.examples.tenant_guard:Missing"},
            "plugin 'router.plugins.examples.tenant_guard:Missing' could not be loaded: "
            "AttributeError: module 'router.plugins.examples.tenant_guard' has no attribute "
            "'Missing'",
        ),
        (
            {"name": "tenant_guard", "config": {"heder": "x"}},
            "plugin 'tenant_guard' could not be loaded: ValidationError: 1 validation error",
        ),
    ],
)
def test_a_plugin_that_cannot_be_loaded_is_named(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginLoadError) as raised:
        load_plugins([PluginSettings.model_validate(settings)])
    assert str(raised.value).startswith(message)


class _Recorder:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.name = str(config["name"])
        self.reject = config.get("reject")

    async def on_request(self, context: RequestContext, request: HttpRequest) -> None:
        context.values.setdefault("order", []).append(f"request:{self.name}")
        if self.reject == "on_request":
            raise Rejection("no", "NOPE", status=402, extensions={"why": self.name})

    async def on_response(self, context: RequestContext, response: ClientResponse) -> None:
        order = context.values.setdefault("order", [])
        order.append(f"response:{self.name}")
        response.response.extensions["order"] = list(order)


class _Core:
    def __init__(self) -> None:
        self.seen: list[GraphQLRequest] = []

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        self.seen.append(request)
        return GraphQLResponse(data={"ok": True})


def _chain(*configs: dict[str, Any]) -> PluginChain:

    return PluginChain([LoadedPlugin(c["name"], _Recorder(c)) for c in configs])


async def test_request_hooks_run_in_order_and_response_hooks_in_reverse() -> None:
    core = _Core()
    chain = _chain({"name": "a"}, {"name": "b"})
    response, headers = await chain.execute(
        core, GraphQLRequest("{ ok }"), method="POST", path="/graphql", headers={"x": "1"}
    )
    assert response.to_dict() == {
        "data": {"ok": True},
        "extensions": {"order": ["request:a", "request:b", "response:b", "response:a"]},
    }
    assert headers == {"x": "1"}


async def test_a_rejection_stops_the_chain_and_the_core_never_runs() -> None:
    core = _Core()
    chain = _chain({"name": "a", "reject": "on_request"}, {"name": "b"})
    response, _ = await chain.execute(
        core, GraphQLRequest("{ ok }"), method="POST", path="/graphql", headers=None
    )
    assert core.seen == []
    assert (response.to_dict(), response.status_hint) == (
        {
            "errors": [
                {
                    "message": "no",
                    "extensions": {"code": "NOPE", "why": "a"},
                }
            ],
            "extensions": {"order": ["request:a", "response:b", "response:a"]},
        },
        402,
    )


async def test_without_plugins_the_chain_is_the_core_alone() -> None:
    core = _Core()
    request = GraphQLRequest("{ ok }")
    response, headers = await PluginChain().execute(
        core, request, method="POST", path="/graphql", headers=None
    )
    assert (core.seen, response.to_dict(), headers) == ([request], {"data": {"ok": True}}, None)


def test_policy_alternatives_are_an_or_of_and_groups_without_authentication() -> None:
    requirement = Requirement(policies=((frozenset({"a"}), frozenset({"b", "c"})),))
    anonymous = frozenset[str]()
    assert requirement.satisfied_by(False, anonymous, frozenset({"a"}))
    assert requirement.satisfied_by(False, anonymous, frozenset({"b", "c"}))
    assert not requirement.satisfied_by(True, anonymous, frozenset({"b"}))
    assert not requirement.satisfied_by(True, anonymous)
    assert requirement.policy_names() == {"a", "b", "c"}


def test_the_supergraph_policy_is_read_through_its_link() -> None:
    rules = AuthorizationRules.from_sdl(policy_supergraph_sdl())
    assert rules.get("Product.description") == Requirement(
        policies=((frozenset({"catalog_staff"}), frozenset({"partner", "verified"})),)
    )


def test_only_a_true_decision_grants_a_policy() -> None:
    decisions = required_policies(
        [Requirement(policies=((frozenset({"b", "a"}),),)), Requirement(authenticated=True)]
    )
    assert decisions == {"a": None, "b": None}
    assert granted_policies({"a": True, "b": None, "c": False, "d": "true", "e": 1}) == {"a"}

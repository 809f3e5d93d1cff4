"""Plugins over real processes (issue #18, "Plugins"): the router process started with the two
example plugins from their entry points plus a probe by dotted path, the seeded subgraphs,
accounts' JWKS; whole responses and headers compared.

Expected values come from the seed data and from Apollo Router's documented semantics (``@policy``
undecided means denied; unauthorized fields null with ``UNAUTHORIZED_FIELD_OR_TYPE``), written by
hand here."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from servicekit.topology import PROJECT_ROOT
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter, running_router
from tests.security.e2e.platform import Platform

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
PRODUCT = SEED.products[0]
QUERY = "query P($upc: String!) { product(upc: $upc) { upc name description } }"
NAME_ONLY = "query N($upc: String!) { product(upc: $upc) { upc name } }"
POLICIES = {
    "catalog_staff": [{"claim": "role", "one_of": ["staff", "admin"]}],
    "partner": [{"claim": "partner", "equals": True}],
    "verified": [{"claim": "verified", "equals": True}],
}
PLUGINS = [
    {"name": "tenant_guard", "config": {"subgraph_header": "x-tenant-id"}},
    {"name": "policy_evaluator", "config": {"policies": POLICIES}},
    {"path": "tests.plugins.sample_plugins:Probe"},
]
GRANTED = {
    "data": {
        "product": {"upc": PRODUCT.upc, "name": PRODUCT.name, "description": PRODUCT.description}
    }
}
UNAUTHORIZED = {
    "message": "Unauthorized field or type",
    "path": ["product", "description"],
    "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
}


@pytest.fixture(scope="module")
def router(platform: Platform, supergraph: Path) -> Iterator[RunningRouter]:
    config = platform.router_config() | {"plugins": PLUGINS}
    with running_router(
        platform.workdir, supergraph=supergraph, config=config, name="plugged"
    ) as r:
        yield r


@pytest.fixture(scope="module")
def bare_router(platform: Platform, supergraph: Path) -> Iterator[RunningRouter]:
    with running_router(
        platform.workdir, supergraph=supergraph, config=platform.router_config(), name="bare"
    ) as r:
        yield r


def post(router: RunningRouter, query: str = QUERY, **headers: str) -> httpx.Response:
    return httpx.post(
        router.graphql_url,
        json={"query": query, "variables": {"upc": PRODUCT.upc}},
        headers={"accept": "application/graphql-response+json", **headers},
        timeout=30,
    )


def bearer(platform: Platform, **claims: Any) -> str:
    return f"Bearer {platform.crafted({'sub': '1', **claims})}"


def denied_description() -> dict[str, Any]:
    """``description`` is ``String!``: its null propagates to the nullable ``product``."""
    return {"errors": [UNAUTHORIZED], "data": {"product": None}}


def test_a_policy_granted_by_the_evaluator_lets_the_field_through(
    platform: Platform, router: RunningRouter
) -> None:
    response = post(router, authorization=bearer(platform, role="staff"))
    assert (response.status_code, response.json()) == (200, GRANTED)


def test_an_and_group_needs_every_policy_of_the_group(
    platform: Platform, router: RunningRouter
) -> None:
    both = post(router, authorization=bearer(platform, partner=True, verified=True))
    one = post(router, authorization=bearer(platform, partner=True))
    assert (both.status_code, both.json()) == (200, GRANTED)
    assert (one.status_code, one.json()) == (200, denied_description())


def test_a_denied_or_anonymous_caller_gets_null_and_the_authorization_error(
    platform: Platform, router: RunningRouter
) -> None:
    customer = post(router, authorization=bearer(platform, role="customer"))
    anonymous = post(router)
    untouched = post(router, NAME_ONLY)
    assert (customer.status_code, customer.json()) == (200, denied_description())
    assert (anonymous.status_code, anonymous.json()) == (200, denied_description())
    expected = {"data": {"product": {"upc": PRODUCT.upc, "name": PRODUCT.name}}}
    assert (untouched.status_code, untouched.json()) == (200, expected)


def test_without_a_plugin_every_policy_is_denied(
    platform: Platform, bare_router: RunningRouter
) -> None:
    response = post(bare_router, authorization=bearer(platform, role="staff"))
    assert (response.status_code, response.json()) == (200, denied_description())


def test_the_tenant_guard_refuses_a_header_that_is_not_the_verified_tenant(
    platform: Platform, router: RunningRouter
) -> None:
    mismatch = post(router, authorization=bearer(platform, tenant="acme"), **{"x-tenant": "globex"})
    unverified = post(router, **{"x-tenant": "acme"})
    refused = {
        "errors": [
            {
                "message": "The x-tenant header does not match the tenant of the verified token",
                "extensions": {"code": "TENANT_MISMATCH"},
            }
        ]
    }
    for response in (mismatch, unverified):
        assert (response.status_code, response.json()) == (403, refused)
        assert (
            response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
        )
        assert "x-tenant" not in response.headers


def test_the_verified_tenant_reaches_the_subgraphs_and_the_response_headers(
    platform: Platform, router: RunningRouter
) -> None:
    token = bearer(platform, tenant="acme", role="staff")
    # a forged subgraph header from the client is replaced by the verified tenant
    response = post(router, authorization=token, **{"x-tenant": "acme", "x-tenant-id": "globex"})
    assert (response.status_code, response.json()) == (200, GRANTED)
    probed = {
        name: response.headers.get(name)
        for name in ("x-tenant", "x-probe-subgraph-tenant", "x-probe-context", "x-probe-hooks")
    }
    hooks = "on_request,on_operation,on_plan,on_subgraph_request,on_subgraph_response,on_response"
    assert probed == {
        "x-tenant": "acme",
        "x-probe-subgraph-tenant": "acme",
        # tenant_guard's and the router's @policy context values, seen by a later plugin
        "x-probe-context": "apollo::authorization::required_policies,tenant",
        "x-probe-hooks": hooks,
    }


@pytest.mark.parametrize("hook", ["on_request", "on_operation", "on_plan", "on_response"])
def test_a_failing_plugin_is_a_graphql_error_never_a_traceback(
    platform: Platform, router: RunningRouter, hook: str
) -> None:
    response = post(router, **{"x-plugin-fail": hook})
    expected = {
        "errors": [
            {
                "message": f"Plugin 'tests.plugins.sample_plugins:Probe' failed in {hook}",
                "extensions": {
                    "code": "PLUGIN_ERROR",
                    "plugin": "tests.plugins.sample_plugins:Probe",
                    "hook": hook,
                },
            }
        ]
    }
    assert (response.status_code, response.json()) == (500, expected)
    assert "Traceback" not in response.text
    assert f"probe failure in {hook}" in router.log()  # the operator sees the defect


@pytest.mark.parametrize("hook", ["on_request", "on_operation", "on_plan", "on_response"])
def test_a_rejection_refuses_the_request_with_its_code_and_status(
    platform: Platform, router: RunningRouter, hook: str
) -> None:
    response = post(router, **{"x-plugin-reject": hook})
    expected = {
        "errors": [
            {"message": f"probe refused in {hook}", "extensions": {"code": "PROBE_REJECTED"}}
        ]
    }
    assert (response.status_code, response.json()) == (451, expected)


@pytest.mark.parametrize("hook", ["on_subgraph_request", "on_subgraph_response"])
def test_a_refusal_at_a_subgraph_fails_that_fetch_only(
    platform: Platform, router: RunningRouter, hook: str
) -> None:
    rejected = post(router, NAME_ONLY, **{"x-plugin-reject": hook})
    failed = post(router, NAME_ONLY, **{"x-plugin-fail": hook})
    label = "tests.plugins.sample_plugins:Probe"
    assert (rejected.status_code, rejected.json()) == (
        200,
        {
            "errors": [
                {
                    "message": f"probe refused in {hook}",
                    "extensions": {"code": "PROBE_REJECTED", "service": "products"},
                }
            ],
            "data": {"product": None},
        },
    )
    assert (failed.status_code, failed.json()) == (
        200,
        {
            "errors": [
                {
                    "message": f"Plugin '{label}' failed in {hook}",
                    "extensions": {
                        "code": "PLUGIN_ERROR",
                        "plugin": label,
                        "hook": hook,
                        "service": "products",
                    },
                }
            ],
            "data": {"product": None},
        },
    )


def test_a_plugin_that_cannot_be_loaded_stops_the_router_at_start(
    tmp_path: Path, supergraph: Path
) -> None:
    config = tmp_path / "router.yaml"
    config.write_text(yaml.safe_dump({"plugins": [{"path": "tests.plugins.nowhere:Missing"}]}))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "router.cli",
            "--supergraph",
            str(supergraph),
            "--config",
            str(config),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert (
        "router: PluginLoadError: plugin 'tests.plugins.nowhere:Missing' could not be loaded: "
        "ModuleNotFoundError: No module named 'tests.plugins.nowhere'"
    ) in done.stderr


def multipart_parts(response: httpx.Response) -> list[Any]:
    """The JSON bodies of a ``multipart/mixed`` answer (Apollo's incremental delivery)."""
    boundary = response.headers["content-type"].split('boundary="')[1].split('"')[0]
    parts = []
    for chunk in response.content.split(f"--{boundary}".encode()):
        head, _, payload = chunk.partition(b"\r\n\r\n")
        if b"application/json" in head:
            parts.append(json.loads(payload))
    return parts


def test_deferred_fetches_go_through_the_subgraph_hooks_too(router: RunningRouter) -> None:
    """The ``@defer`` parts are fetched while the endpoint streams, after its plugin call
    returned: the second fetch (the deferred one) is still refused by the probe."""
    query = "query D($upc: String!) { product(upc: $upc) { upc ... @defer { name } } }"
    response = httpx.post(
        router.graphql_url,
        json={"query": query, "variables": {"upc": PRODUCT.upc}},
        headers={"accept": "multipart/mixed;deferSpec=20220824", "x-plugin-reject-fetch": "2"},
        timeout=30,
    )
    assert response.status_code == 200
    assert multipart_parts(response) == [
        {"data": {"product": {"upc": PRODUCT.upc}}, "hasNext": True},
        {
            "hasNext": False,
            "incremental": [
                {
                    # name is String!: the deferred fragment's data is null (defer RFC 2022-08-24)
                    "data": None,
                    "path": ["product"],
                    "errors": [
                        {
                            "message": "probe refused fetch 2",
                            "path": ["product"],
                            "extensions": {"code": "PROBE_REJECTED", "service": "products"},
                        }
                    ],
                }
            ],
        },
    ]

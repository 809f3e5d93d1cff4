"""The BFF apps' edges that need no router: health, readiness, GraphiQL, persisted-op refusals.

The router URL points at a free port nobody listens on: a real "router down".
"""

from __future__ import annotations

import pytest

from bff.manifests import load_manifest
from servicekit.graphiql import assets_installed
from servicekit.processes import free_port
from tests.bff.apps import running_bff


@pytest.fixture
def dead_router_url() -> str:
    return f"http://127.0.0.1:{free_port()}/graphql"


async def test_health_and_ready_without_router(dead_router_url, redis_url, redis_namespace) -> None:
    async with running_bff(
        "web", router_url=dead_router_url, redis_url=redis_url, namespace=redis_namespace
    ) as (http, _):
        assert (await http.get("/health")).json() == {"status": "ok"}
        ready = await http.get("/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["redis"] == {"ok": True, "schema_version": None}
        assert body["checks"]["router"]["ok"] is False
        assert body["checks"]["router"]["error"].startswith("RouterError: router unreachable")


async def test_mobile_production_refuses_unknown_operations(
    dead_router_url, redis_url, redis_namespace
) -> None:
    async with running_bff(
        "mobile", router_url=dead_router_url, redis_url=redis_url, namespace=redis_namespace
    ) as (http, _):
        free_form = await http.post("/graphql", json={"query": "{ feed { tiles { upc } } }"})
        unknown_id = await http.get("/graphql", params={"id": "0" * 64})
        not_json = await http.post(
            "/graphql",
            content="{ feed { tiles { upc } } }",
            headers={"content-type": "application/graphql"},
        )
        graphiql = await http.get("/graphql", headers={"accept": "text/html"})
        debug = await http.get("/debug/stats")
    expected = {
        "errors": [
            {
                "message": "this operation is not in the persisted operation list of this client",
                "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
            }
        ]
    }
    assert (free_form.status_code, free_form.json()) == (400, expected)
    assert (unknown_id.status_code, unknown_id.json()) == (400, expected)
    assert not_json.status_code == 415
    no_query = {
        "message": "No GraphQL query found in the request",
        "extensions": {"code": "BAD_REQUEST"},
    }
    # no IDE in production: a GET without query is a bad request, answered as a GraphQL error
    assert (graphiql.status_code, graphiql.json()) == (400, {"errors": [no_query]})
    assert debug.status_code == 404  # production exposes no counters


async def test_development_mode_serves_local_graphiql(
    dead_router_url, redis_url, redis_namespace
) -> None:
    async with running_bff(
        "web",
        router_url=dead_router_url,
        redis_url=redis_url,
        namespace=redis_namespace,
        mode="development",
    ) as (http, _):
        page = await http.get("/graphql", headers={"accept": "text/html"})
        asset = await http.get("/graphiql/assets/page.js")
        stats = await http.get("/debug/stats")
    if not assets_installed():
        pytest.fail("GraphiQL assets not installed (make graphiql; make test installs them)")
    assert page.status_code == 200
    assert '<script src="/graphiql/assets/graphiql.js"></script>' in page.text
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    assert asset.status_code == 200 and "graphiql" in asset.text.lower()
    assert stats.json()["router_requests"] == 0


def test_mobile_manifest_is_loaded() -> None:
    assert sorted(op.name for op in load_manifest("mobile").operations) == [
        "Feed",
        "MyOrders",
        "OrderUpdates",
        "ProductDetail",
    ]

"""GraphiQL is served for a browser GET in development mode (or when configured), never in
production by default, and never from a CDN."""

from __future__ import annotations

import pytest

from router.config import RouterConfig
from tests.http.conftest import AppClientFactory
from tests.http.test_graphql_over_http import GRJ, invalid, whole

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("config", "show_plan"),
    [
        (RouterConfig(mode="development"), "true"),
        (RouterConfig.model_validate({"mode": "production", "http": {"graphiql": True}}), "false"),
    ],
)
async def test_browser_get_serves_local_graphiql(
    make_client: AppClientFactory, config: RouterConfig, show_plan: str
) -> None:
    response = await make_client(config).get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert f'{{"endpoint":"/graphql","showQueryPlan":{show_plan}}}' in response.text
    assert "https://" not in response.text and "http://" not in response.text


@pytest.mark.parametrize(
    "config",
    [
        RouterConfig(mode="production"),
        RouterConfig.model_validate({"mode": "development", "http": {"graphiql": False}}),
    ],
)
async def test_no_graphiql_when_disabled(
    make_client: AppClientFactory, config: RouterConfig
) -> None:
    client = make_client(config)
    response = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert whole(response) == (400, GRJ, invalid("Invalid GraphQL request: 'query' is missing"))
    asset = await client.get("/graphiql/assets/graphiql.js")
    assert asset.status_code == 404


async def test_browser_get_with_a_query_runs_it(make_client: AppClientFactory) -> None:
    response = await make_client(RouterConfig(mode="development")).get(
        "/graphql", params={"query": "{ hello }"}, headers={"accept": BROWSER_ACCEPT}
    )
    assert whole(response) == (200, GRJ, {"data": {"hello": "Hello, world!"}})

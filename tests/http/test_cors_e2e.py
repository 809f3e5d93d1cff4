"""Issue #11, "CORS" and "Did you mean" findings, against real router processes.

CORS: the configuration ``make dev`` ships (``config/router.dev.yaml``'s ``cors`` section)
answers preflights from local app origins on any port, with CSRF prevention on, and refuses
other origins; a production router without a ``cors`` section allows no origin. A bare
``OPTIONS`` is answered 204 with ``Allow``. Before the fix every ``OPTIONS`` got 405.

Suggestions: in production a validation error no longer names fields and arguments the caller
did not ask about; development keeps the hint. Before the fix production said "Did you mean".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from servicekit.topology import PROJECT_ROOT
from tests.http.edge_processes import FlakySubgraph, flaky_subgraph, whole
from tests.http.router_process import RunningRouter, running_router

DEV_CORS = yaml.safe_load((PROJECT_ROOT / "config" / "router.dev.yaml").read_text())["cors"]
GRJ = "application/graphql-response+json; charset=utf-8"
PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)
ASKED_HEADERS = "content-type, authorization, apollo-require-preflight"


@pytest.fixture(scope="module")
def subgraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlakySubgraph]:
    with flaky_subgraph(tmp_path_factory.mktemp("cors")) as running:
        yield running


def _config(**extra: Any) -> dict[str, Any]:
    return {"http": {"redis_url": None}, **extra}


def _preflight(router: RunningRouter, origin: str) -> httpx.Response:
    headers = {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": ASKED_HEADERS,
    }
    return httpx.options(router.graphql_url, headers=headers, timeout=30)


def _preflight_ok(origin: str) -> tuple[int, dict[str, str], str]:
    return (
        200,
        {
            "server": "uvicorn",
            "vary": PREFLIGHT_VARY,
            "access-control-allow-methods": "GET, POST, OPTIONS",
            "access-control-max-age": "600",
            "access-control-allow-origin": origin,
            "access-control-allow-headers": ASKED_HEADERS,
            "content-length": "2",
            "content-type": "text/plain; charset=utf-8",
        },
        "OK",
    )


REFUSED = (
    400,
    {
        "server": "uvicorn",
        "vary": PREFLIGHT_VARY,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-max-age": "600",
        "access-control-allow-headers": ASKED_HEADERS,
        "content-length": "22",
        "content-type": "text/plain; charset=utf-8",
    },
    "Disallowed CORS origin",
)
BARE_OPTIONS = (204, {"server": "uvicorn", "allow": "GET, POST, OPTIONS", "vary": "Origin"}, "")


def test_dev_config_allows_local_origins_and_preflights_pass_csrf(
    subgraph: FlakySubgraph, tmp_path: Path
) -> None:
    config = _config(cors=DEV_CORS, security={"csrf": {"enabled": True}})
    with running_router(tmp_path, supergraph=subgraph.supergraph_url, config=config) as router:
        vite = _preflight(router, "http://localhost:5173")
        bare_host = _preflight(router, "http://localhost")
        loopback = _preflight(router, "http://127.0.0.1:3000")
        evil = _preflight(router, "https://evil.example")
        lookalike = _preflight(router, "http://localhost.evil.example:5173")
        other_scheme = _preflight(router, "https://localhost:5173")
        bare = httpx.options(router.graphql_url, timeout=30)
        actual = httpx.post(
            router.graphql_url,
            json={"query": "{ ok }"},
            headers={"origin": "http://localhost:5173"},
            timeout=30,
        )
        foreign = httpx.post(
            router.graphql_url,
            json={"query": "{ ok }"},
            headers={"origin": "https://evil.example"},
            timeout=30,
        )
    assert whole(vite) == _preflight_ok("http://localhost:5173")
    assert whole(bare_host) == _preflight_ok("http://localhost")
    assert whole(loopback) == _preflight_ok("http://127.0.0.1:3000")
    assert [whole(evil), whole(lookalike), whole(other_scheme)] == [REFUSED] * 3
    assert whole(bare) == BARE_OPTIONS
    body = '{"data":{"ok":"fine"}}'
    answered = {"content-length": str(len(body)), "content-type": GRJ, "server": "uvicorn"}
    assert whole(actual) == (
        200,
        {
            **answered,
            "access-control-allow-origin": "http://localhost:5173",
            "vary": "Origin",
        },
        body,
    )
    assert whole(foreign) == (200, {**answered, "vary": "Origin"}, body)


def test_production_allows_no_origin_unless_configured(
    subgraph: FlakySubgraph, tmp_path: Path
) -> None:
    configured = {
        "origins": ["https://shop.example"],
        "allow_credentials": True,
        "expose_headers": ["ratelimit-remaining"],
        "max_age_seconds": 3600,
    }
    with (
        running_router(
            tmp_path, supergraph=subgraph.supergraph_url, config=_config(), mode_flag="--prod"
        ) as bare_router,
        running_router(
            tmp_path,
            supergraph=subgraph.supergraph_url,
            config=_config(cors=configured),
            mode_flag="--prod",
            name="configured",
        ) as shop_router,
    ):
        local = _preflight(bare_router, "http://localhost:5173")
        shop = _preflight(shop_router, "https://shop.example")
        shop_local = _preflight(shop_router, "http://localhost:5173")
    assert whole(local) == REFUSED
    credentialed = {"access-control-allow-credentials": "true", "access-control-max-age": "3600"}
    status, headers, body = _preflight_ok("https://shop.example")
    assert whole(shop) == (status, {**headers, **credentialed}, body)
    status, headers, body = REFUSED
    assert whole(shop_local) == (status, {**headers, **credentialed}, body)


def _validation_errors(router: RunningRouter) -> list[tuple[int, dict[str, str], str]]:
    return [
        whole(httpx.post(router.graphql_url, json={"query": query}, timeout=30))
        for query in ("{ okk }", '{ echo(txt: "a") }')
    ]


def _invalid(message: str, column: int) -> str:
    return (
        f'{{"message":"{message}","locations":[{{"line":1,"column":{column}}}],'
        '"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}'
    )


@pytest.mark.parametrize(
    ("mode_flag", "hint_field", "hint_argument"),
    [("--prod", "", ""), ("--dev", " Did you mean 'ok'?", " Did you mean 'text'?")],
)
def test_suggestions_masked_in_production_only(
    subgraph: FlakySubgraph, tmp_path: Path, mode_flag: str, hint_field: str, hint_argument: str
) -> None:
    with running_router(
        tmp_path, supergraph=subgraph.supergraph_url, config=_config(), mode_flag=mode_flag
    ) as router:
        answers = _validation_errors(router)
    bodies = [
        '{"errors":['
        + _invalid("Cannot query field 'okk' on type 'Query'." + hint_field, 3)
        + "]}",
        '{"errors":['
        + _invalid(f"Unknown argument 'txt' on field 'Query.echo'.{hint_argument}", 8)
        + ","
        + _invalid(
            "Field 'echo' argument 'text' of type 'String!' is required, but it was not provided.",
            3,
        )
        + "]}",
    ]
    assert [json.loads(body)["errors"][0]["message"] for _, _, body in answers] == [
        json.loads(body)["errors"][0]["message"] for body in bodies
    ]
    assert answers == [
        (
            400,
            {
                "server": "uvicorn",
                "vary": "Origin",
                "content-length": str(len(body)),
                "content-type": GRJ,
            },
            body,
        )
        for body in bodies
    ]

"""GraphQL-over-HTTP behaviour of the router's HTTP layer, in process over a real graphql-core
executor: methods, media types, status codes and the error body of every bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from router.config import RouterConfig
from router.request import GraphQLRequest, GraphQLResponse
from tests.http.conftest import AppClientFactory
from tests.http.schema_executor import SchemaExecutor

GRJ = "application/graphql-response+json; charset=utf-8"
JSON = "application/json; charset=utf-8"


def whole(response: httpx.Response) -> tuple[int, str | None, Any]:
    return response.status_code, response.headers.get("content-type"), response.json()


def invalid(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": "INVALID_GRAPHQL_REQUEST"}}]}


async def test_post_query_defaults_to_graphql_response_json(make_client: AppClientFactory) -> None:
    client = make_client()
    response = await client.post("/graphql", json={"query": "{ hello }"})
    assert whole(response) == (200, GRJ, {"data": {"hello": "Hello, world!"}})


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/json", JSON),
        ("application/graphql-response+json", GRJ),
        ("application/graphql-response+json, application/json", GRJ),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("*/*", GRJ),
        ("application/*;q=0.8, text/html", GRJ),
    ],
)
async def test_accept_negotiation(
    make_client: AppClientFactory, accept: str, content_type: str
) -> None:
    response = await make_client().post(
        "/graphql",
        json={"query": "query Greet($n: String) { hello(name: $n) }", "variables": {"n": "Ada"}},
        headers={"accept": accept},
    )
    assert whole(response) == (200, content_type, {"data": {"hello": "Hello, Ada!"}})


async def test_unacceptable_accept_is_406(make_client: AppClientFactory) -> None:
    response = await make_client().post(
        "/graphql", json={"query": "{ hello }"}, headers={"accept": "text/plain"}
    )
    assert whole(response) == (
        406,
        JSON,
        {
            "errors": [
                {
                    "message": "Not Acceptable: accept application/graphql-response+json, "
                    "application/json or multipart/mixed;deferSpec=20220824",
                    "extensions": {"code": "INVALID_ACCEPT_HEADER"},
                }
            ]
        },
    )


async def test_get_query(make_client: AppClientFactory) -> None:
    response = await make_client().get(
        "/graphql",
        params={"query": "query($n: String) { hello(name: $n) }", "variables": '{"n": "GET"}'},
    )
    assert whole(response) == (200, GRJ, {"data": {"hello": "Hello, GET!"}})


async def test_get_mutation_is_405_with_allow_post(
    make_client: AppClientFactory, executor: SchemaExecutor
) -> None:
    response = await make_client().get(
        "/graphql", params={"query": 'mutation { shout(text: "hi") }'}
    )
    assert whole(response) == (
        405,
        GRJ,
        {
            "errors": [
                {
                    "message": "Operation type mutation is not allowed over GET",
                    "extensions": {"code": "METHOD_NOT_ALLOWED"},
                }
            ]
        },
    )
    assert response.headers["allow"] == "POST"
    assert executor.requests[-1].allowed_operation_types == frozenset({"query"})


async def test_post_mutation_runs(make_client: AppClientFactory) -> None:
    response = await make_client().post(
        "/graphql", json={"query": 'mutation { shout(text: "hi") }'}
    )
    assert whole(response) == (200, GRJ, {"data": {"shout": "HI"}})


async def test_other_methods_are_405(make_client: AppClientFactory) -> None:
    response = await make_client().put("/graphql", json={"query": "{ hello }"})
    assert whole(response) == (
        405,
        GRJ,
        {
            "errors": [
                {
                    "message": "Method PUT is not allowed: use GET (queries) or POST",
                    "extensions": {"code": "METHOD_NOT_ALLOWED"},
                }
            ]
        },
    )
    assert response.headers["allow"] == "GET, POST, OPTIONS"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "Invalid GraphQL request: the body is not valid JSON"),
        (b"", "Invalid GraphQL request: the body is not valid JSON"),
        (b'"{ hello }"', "Invalid GraphQL request: the body must be a JSON object"),
        (b"{}", "Invalid GraphQL request: 'query' is missing"),
        (b'{"query": null}', "Invalid GraphQL request: 'query' is missing"),
        (b'{"query": 42}', "Invalid GraphQL request: 'query' must be a string"),
        (
            b'{"query": "{ hello }", "variables": "x"}',
            "Invalid GraphQL request: 'variables' must be an object",
        ),
        (
            b'{"query": "{ hello }", "variables": [1]}',
            "Invalid GraphQL request: 'variables' must be an object",
        ),
        (
            b'{"query": "{ hello }", "extensions": 1}',
            "Invalid GraphQL request: 'extensions' must be an object",
        ),
        (
            b'{"query": "{ hello }", "operationName": 1}',
            "Invalid GraphQL request: 'operationName' must be a string",
        ),
    ],
)
@pytest.mark.parametrize("accept", ["application/graphql-response+json", "application/json"])
async def test_malformed_requests_are_400(
    make_client: AppClientFactory, body: bytes, message: str, accept: str
) -> None:
    response = await make_client().post(
        "/graphql", content=body, headers={"content-type": "application/json", "accept": accept}
    )
    assert whole(response) == (400, f"{accept}; charset=utf-8", invalid(message))


@pytest.mark.parametrize("body", [b"[]", b'[{"query": "{ hello }"}]'])
async def test_a_json_array_is_a_batch_refused_while_batching_is_off(
    make_client: AppClientFactory, body: bytes
) -> None:
    """Issue #18: an array is Apollo's batch format; off by default, as in Apollo Router."""
    response = await make_client().post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert whole(response) == (
        400,
        "application/graphql-response+json; charset=utf-8",
        {
            "errors": [
                {
                    "message": "Batching is not enabled on this router",
                    "extensions": {"code": "BATCHING_NOT_ENABLED"},
                }
            ]
        },
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Invalid GraphQL request: 'query' is missing"),
        (
            {"query": "{ hello }", "variables": "{nope"},
            "Invalid GraphQL request: 'variables' is not valid JSON",
        ),
        (
            {"query": "{ hello }", "variables": "[]"},
            "Invalid GraphQL request: 'variables' must be an object",
        ),
    ],
)
async def test_malformed_get_is_400(
    make_client: AppClientFactory, params: dict[str, str], message: str
) -> None:
    response = await make_client().get("/graphql", params=params)
    assert whole(response) == (400, GRJ, invalid(message))


SYNTAX_ERROR = {
    "errors": [
        {
            "message": "Syntax Error: Expected Name, found <EOF>.",
            "locations": [{"line": 1, "column": 8}],
            "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
        }
    ]
}
VALIDATION_ERROR = {
    "errors": [
        {
            "message": "Cannot query field 'nope' on type 'Query'.",
            "locations": [{"line": 1, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]
}
VARIABLE_ERROR = {
    "errors": [
        {
            "message": "Variable '$n' got invalid value 3; String cannot represent a non string value: 3",
            "locations": [{"line": 1, "column": 7}],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]
}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"query": "{ hello"}, SYNTAX_ERROR),
        ({"query": "{ nope }"}, VALIDATION_ERROR),
        ({"query": "query($n: String) { hello(name: $n) }", "variables": {"n": 3}}, VARIABLE_ERROR),
    ],
)
@pytest.mark.parametrize(
    ("accept", "status"),
    [("application/graphql-response+json", 400), ("application/json", 200)],
)
async def test_request_errors_status_depends_on_media_type(
    make_client: AppClientFactory,
    payload: dict[str, Any],
    expected: dict[str, Any],
    accept: str,
    status: int,
) -> None:
    response = await make_client().post("/graphql", json=payload, headers={"accept": accept})
    assert whole(response) == (status, f"{accept}; charset=utf-8", expected)


async def test_field_error_with_data_is_200(make_client: AppClientFactory) -> None:
    response = await make_client().post("/graphql", json={"query": "{ hello fails }"})
    assert whole(response) == (
        200,
        GRJ,
        {
            "errors": [
                {
                    "message": "this field always fails",
                    "locations": [{"line": 1, "column": 9}],
                    "path": ["fails"],
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }
            ],
            "data": {"hello": "Hello, world!", "fails": None},
        },
    )


async def test_body_over_the_limit_is_413(make_client: AppClientFactory) -> None:
    client = make_client(RouterConfig.model_validate({"http": {"max_body_bytes": 64}}))
    response = await client.post("/graphql", json={"query": "{ hello }" + " " * 100})
    assert whole(response) == (
        413,
        GRJ,
        {
            "errors": [
                {
                    "message": "Request body larger than the limit of 64 bytes",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        },
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/graphql", None])
async def test_unsupported_content_type_is_415(
    make_client: AppClientFactory, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await make_client().post("/graphql", content=b"{ hello }", headers=headers)
    assert whole(response) == (
        415,
        GRJ,
        {
            "errors": [
                {
                    "message": f"Unsupported Content-Type '{content_type or 'none'}': send the request as application/json",
                    "extensions": {"code": "INVALID_CONTENT_TYPE_HEADER"},
                }
            ]
        },
    )


async def test_inbound_headers_reach_the_executor_lower_cased(
    make_client: AppClientFactory, executor: SchemaExecutor
) -> None:
    response = await make_client().post(
        "/graphql",
        json={"query": '{ header(name: "authorization") }'},
        headers={"Authorization": "Bearer t0k3n", "X-Client-Name": "web"},
    )
    assert whole(response) == (200, GRJ, {"data": {"header": "Bearer t0k3n"}})
    assert executor.requests[-1].headers["x-client-name"] == "web"


PLAN = 'QueryPlan {\n  Fetch(service: "local") {\n    {\n      hello\n    }\n  },\n}'


@pytest.mark.parametrize("header", ["Apollo-Expose-Query-Plan", "Apollo-Query-Plan-Experimental"])
async def test_plan_in_development_mode(make_client: AppClientFactory, header: str) -> None:
    client = make_client(RouterConfig(mode="development"))
    response = await client.post("/graphql", json={"query": "{ hello }"}, headers={header: "true"})
    assert whole(response) == (
        200,
        GRJ,
        {"data": {"hello": "Hello, world!"}, "extensions": {"apolloQueryPlan": {"text": PLAN}}},
    )


@pytest.mark.parametrize(
    "config",
    [RouterConfig(mode="production"), RouterConfig(mode="development", expose_query_plan=False)],
)
async def test_no_plan_in_production(
    make_client: AppClientFactory, executor: SchemaExecutor, config: RouterConfig
) -> None:
    response = await make_client(config).post(
        "/graphql", json={"query": "{ hello }"}, headers={"Apollo-Expose-Query-Plan": "true"}
    )
    assert whole(response) == (200, GRJ, {"data": {"hello": "Hello, world!"}})
    assert executor.requests[-1].include_plan is False


class _BrokenExecutor:
    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        raise RuntimeError("the core broke its contract")


async def test_unexpected_exception_is_a_graphql_500_without_traceback(
    make_client: AppClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(app_executor=_BrokenExecutor())
    response = await client.post("/graphql", json={"query": "{ hello }"})
    body = response.json()
    correlation_id = body["errors"][0]["extensions"]["correlationId"]
    assert len(correlation_id) == 32
    logged = capsys.readouterr()
    log = logged.out + logged.err
    assert correlation_id in log and "RuntimeError: the core broke its contract" in log
    assert "Traceback" not in response.text
    assert whole(response) == (
        500,
        "application/json",
        {
            "errors": [
                {
                    "message": "Internal server error",
                    "extensions": {
                        "code": "INTERNAL_SERVER_ERROR",
                        "correlationId": correlation_id,
                    },
                }
            ]
        },
    )


async def test_health_and_ready(make_client: AppClientFactory) -> None:
    client = make_client()
    health = await client.get("/health")
    ready = await client.get("/ready")
    assert whole(health) == (200, "application/json", {"status": "ok"})
    assert whole(ready) == (200, "application/json", {"status": "ready", "checks": {}})

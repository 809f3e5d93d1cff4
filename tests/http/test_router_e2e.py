"""The real ``router`` process over a real (misbehaving on purpose) subgraph process: bad input,
subgraph garbage and timeouts, GET mutations, plans by mode, readiness and hot reload."""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.security.csrf import check_csrf
from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.http.flaky_subgraph import supergraph
from tests.http.router_process import RunningRouter, running_router, start_process
from tests.http.test_graphql_over_http import GRJ, JSON, invalid

pytestmark = pytest.mark.e2e

OK_PLAN = 'QueryPlan {\n  Fetch(service: "ok") {\n    {\n      ok\n    }\n  },\n}'


def whole(response: httpx.Response) -> tuple[int, str | None, Any]:
    return response.status_code, response.headers.get("content-type"), response.json()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("router-e2e")


@pytest.fixture(scope="module")
def flaky_url(workdir: Path) -> Iterator[str]:
    port = free_port()
    spec = ProcessSpec(
        name="flaky-subgraph",
        argv=[
            sys.executable,
            "-m",
            "tests.http.flaky_subgraph",
            "--port",
            str(port),
            "--delay",
            "10",
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    with start_process(spec, workdir / "flaky.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def supergraph_file(workdir: Path, flaky_url: str) -> Path:
    path = workdir / "supergraph.graphql"
    path.write_text(supergraph(flaky_url))
    return path


CONFIG = {"subgraphs": {"slow": {"timeout_seconds": 0.5}}, "http": {"redis_url": None}}


@pytest.fixture(scope="module")
def router(workdir: Path, supergraph_file: Path) -> Iterator[RunningRouter]:
    with running_router(workdir, supergraph=supergraph_file, config=CONFIG) as running:
        yield running


@pytest.fixture(scope="module")
def client(router: RunningRouter) -> Iterator[httpx.Client]:
    # GETs carry a preflight header: CSRF prevention (on by default) refuses simple requests
    with httpx.Client(
        base_url=router.url, timeout=10.0, headers={"apollo-require-preflight": "true"}
    ) as http:
        yield http


def test_query_with_plan_in_development(client: httpx.Client) -> None:
    response = client.post(
        "/graphql", json={"query": "{ ok }"}, headers={"Apollo-Expose-Query-Plan": "true"}
    )
    assert whole(response) == (
        200,
        GRJ,
        {
            "data": {"ok": "fine"},
            "extensions": {
                "apolloQueryPlan": {
                    "object": {
                        "kind": "QueryPlan",
                        "node": {
                            "kind": "Fetch",
                            "serviceName": "ok",
                            "variableUsages": [],
                            "operation": "query {\n  ok\n}",
                            "operationKind": "query",
                            "operationName": None,
                        },
                    },
                    "text": OK_PLAN,
                }
            },
        },
    )


def test_subgraph_garbage_is_a_field_error_with_partial_data(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": "{ ok garbage }"})
    reason = "expected a JSON object with data or errors"
    assert whole(response) == (
        200,
        GRJ,
        {
            "errors": [
                {
                    "message": f"service 'garbage' response was malformed: {reason}",
                    "extensions": {
                        "code": "SUBREQUEST_MALFORMED_RESPONSE",
                        "service": "garbage",
                        "reason": reason,
                    },
                }
            ],
            "data": {"ok": "fine", "garbage": None},
        },
    )


def test_subgraph_timeout_is_a_gateway_timeout_error(client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.post("/graphql", json={"query": "{ slow }"})
    assert time.monotonic() - started < 8.0  # the subgraph would answer after 10 s
    assert whole(response) == (
        200,
        GRJ,
        {
            "errors": [
                {
                    "message": "Your request has been timed out",
                    "extensions": {"code": "GATEWAY_TIMEOUT", "service": "slow"},
                }
            ],
            "data": {"slow": None},
        },
    )


def test_get_mutation_is_405(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": "mutation { ok }"})
    assert whole(response) == (
        405,
        GRJ,
        {
            "errors": [
                {
                    "message": "Operation type 'mutation' is not allowed for this request "
                    "(allowed: query); mutations must be sent with POST.",
                    "extensions": {"code": "METHOD_NOT_ALLOWED"},
                }
            ]
        },
    )
    assert response.headers["allow"] == "POST"


SYNTAX = {
    "errors": [
        {
            "message": "Syntax Error: Expected Name, found <EOF>.",
            "locations": [{"line": 1, "column": 5}],
            "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
        }
    ]
}
VALIDATION = {
    "errors": [
        {
            "message": "Cannot query field 'nope' on type 'Query'.",
            "locations": [{"line": 1, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]
}


@pytest.mark.parametrize(
    ("payload", "accept", "expected"),
    [
        (
            b"{oops",
            None,
            (400, GRJ, invalid("Invalid GraphQL request: the body is not valid JSON")),
        ),
        (
            b"[1, 2]",  # a batch (issue #18), refused while batching is off
            None,
            (
                400,
                GRJ,
                {
                    "errors": [
                        {
                            "message": "Batching is not enabled on this router",
                            "extensions": {"code": "BATCHING_NOT_ENABLED"},
                        }
                    ]
                },
            ),
        ),
        (
            b'{"variables": {}}',
            None,
            (400, GRJ, invalid("Invalid GraphQL request: 'query' is missing")),
        ),
        (b'{"query": "{ ok"}', None, (400, GRJ, SYNTAX)),
        (b'{"query": "{ ok"}', "application/json", (200, JSON, SYNTAX)),
        (b'{"query": "{ nope }"}', None, (400, GRJ, VALIDATION)),
        (b'{"query": "{ nope }"}', "application/json", (200, JSON, VALIDATION)),
        (
            b'{"query": "{ ok }", "variables": "text"}',
            None,
            (400, GRJ, invalid("Invalid GraphQL request: 'variables' must be an object")),
        ),
    ],
)
def test_bad_input(
    client: httpx.Client, payload: bytes, accept: str | None, expected: tuple[int, str, Any]
) -> None:
    headers = {"content-type": "application/json", **({"accept": accept} if accept else {})}
    assert whole(client.post("/graphql", content=payload, headers=headers)) == expected


def test_variables_of_the_wrong_type(client: httpx.Client) -> None:
    response = client.post(
        "/graphql",
        json={"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": 3}},
    )
    status, content_type, body = whole(response)
    assert (status, content_type) == (400, GRJ)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
    assert "data" not in body
    good = client.post(
        "/graphql",
        json={"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": "x"}},
    )
    assert whole(good) == (200, GRJ, {"data": {"echo": "echoed"}})


def test_ready_reports_supergraph_and_subgraphs(client: httpx.Client, flaky_url: str) -> None:
    response = client.get("/ready")
    body = response.json()
    # issue #11: a subgraph that hangs makes /ready degraded (still 200) and is named
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert {k: body["checks"]["subgraphs"][k] for k in ("ok", "required", "error")} == {
        "ok": False,
        "required": False,
        "error": "unreachable: slow (ReadTimeout)",
    }
    assert body["checks"]["supergraph"]["ok"] is True
    assert body["checks"]["supergraph"]["subgraphs"] == ["garbage", "ok", "slow"]
    assert body["checks"]["subgraphs"]["subgraphs"]["ok"] == {
        "url": f"{flaky_url}/ok",
        "reachable": True,
        "status": 200,
    }
    assert body["checks"]["subgraphs"]["subgraphs"]["slow"]["reachable"] is False


def test_production_mode_has_no_plan_and_no_graphiql(workdir: Path, supergraph_file: Path) -> None:
    with (
        running_router(
            workdir, supergraph=supergraph_file, config=CONFIG, mode_flag="--prod", name="prod"
        ) as prod,
        httpx.Client(base_url=prod.url) as http,
    ):
        response = http.post(
            "/graphql", json={"query": "{ ok }"}, headers={"Apollo-Expose-Query-Plan": "true"}
        )
        assert whole(response) == (200, GRJ, {"data": {"ok": "fine"}})
        page = http.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
        # no GraphiQL in production: a browser's simple GET meets CSRF prevention first
        csrf = check_csrf("GET", {})
        assert csrf is not None
        assert whole(page) == (400, GRJ, csrf.to_dict())
        html_only = http.get("/graphql", headers={"accept": "text/html"})
        assert html_only.status_code == 406


def _wait_for(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_hot_reload_swaps_and_a_broken_file_keeps_the_old_supergraph(
    workdir: Path, flaky_url: str
) -> None:
    path = workdir / "reloading.graphql"
    path.write_text(supergraph(flaky_url))
    with (
        running_router(workdir, supergraph=path, config=CONFIG, name="reloading") as running,
        httpx.Client(base_url=running.url) as http,
    ):
        assert http.post("/graphql", json={"query": "{ ok }"}).json() == {"data": {"ok": "fine"}}
        path.write_text(supergraph(flaky_url).replace("  ok: String @join__field(graph: OK)\n", ""))

        def ok_is_gone() -> bool:
            body = http.post("/graphql", json={"query": "{ ok }"}).json()
            return "data" not in body and "Cannot query field 'ok'" in body["errors"][0]["message"]

        assert _wait_for(ok_is_gone), running.log()[-2000:]
        path.write_text("this is { not a supergraph")
        assert _wait_for(lambda: "supergraph reload failed" in running.log())
        echo = http.post("/graphql", json={"query": '{ echo(text: "x") }'})
        assert whole(echo) == (200, GRJ, {"data": {"echo": "echoed"}})
        assert http.get("/ready").json()["checks"]["supergraph"]["reloads"] == 1


def test_supergraph_from_a_url(workdir: Path, flaky_url: str) -> None:
    with (
        running_router(
            workdir, supergraph=f"{flaky_url}/supergraph.graphql", config=CONFIG, name="by-url"
        ) as running,
        httpx.Client(base_url=running.url) as http,
    ):
        response = http.post("/graphql", json={"query": "{ ok }"})
        assert whole(response) == (200, GRJ, {"data": {"ok": "fine"}})
        ready = http.get("/ready").json()["checks"]["supergraph"]
        assert ready["source"] == f"{flaky_url}/supergraph.graphql"


def test_authorization_header_reaches_the_subgraph(client: httpx.Client) -> None:
    response = client.post(
        "/graphql",
        json={"query": '{ echo(text: "x") }'},
        headers={"Authorization": "Bearer t0k3n"},
    )
    assert whole(response) == (200, GRJ, {"data": {"echo": "Bearer t0k3n"}})


def test_redis_down_apq_degrades_and_full_queries_run(workdir: Path, supergraph_file: Path) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    config = {**CONFIG, "http": {"redis_url": dead_redis}}
    query = "{ ok }"
    persisted = {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    }
    with (
        running_router(workdir, supergraph=supergraph_file, config=config, name="no-redis") as r,
        httpx.Client(base_url=r.url) as http,
    ):
        registered = http.post("/graphql", json={"query": query, "extensions": persisted})
        assert whole(registered) == (200, GRJ, {"data": {"ok": "fine"}})
        by_hash = http.post("/graphql", json={"extensions": persisted})
        assert whole(by_hash) == (
            200,
            GRJ,
            {
                "errors": [
                    {
                        "message": "PersistedQueryNotFound",
                        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                    }
                ]
            },
        )
        ready = http.get("/ready")
        assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
        assert "apq store unavailable, degrading" in r.log()


def test_reload_under_load_drops_no_request(workdir: Path, flaky_url: str) -> None:
    path = workdir / "busy.graphql"
    path.write_text(supergraph(flaky_url))
    done = threading.Event()
    with (
        running_router(workdir, supergraph=path, config=CONFIG, name="busy") as running,
        httpx.Client(base_url=running.url, timeout=30.0) as http,
        ThreadPoolExecutor(max_workers=4) as pool,
    ):

        def keep_asking() -> list[tuple[int, Any]]:
            answers = []
            while not done.is_set():
                response = http.post("/graphql", json={"query": '{ ok echo(text: "x") }'})
                answers.append((response.status_code, response.json()))
            return answers

        def reloads() -> int:
            return int(http.get("/ready").json()["checks"]["supergraph"]["reloads"])

        workers = [pool.submit(keep_asking) for _ in range(4)]
        for generation in range(1, 4):
            path.write_text(supergraph(flaky_url) + f"\n# generation {generation}\n")
            assert _wait_for(lambda generation=generation: reloads() >= generation)
        done.set()
        answers = [answer for worker in workers for answer in worker.result()]
    assert len(answers) > 10
    assert set(map(repr, answers)) == {repr((200, {"data": {"ok": "fine", "echo": "echoed"}}))}

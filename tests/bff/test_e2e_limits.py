"""Operation limits of a real ``bff-web`` process (issue #11): the 5,000 aliased ``homePage``
fields that used to execute for 10 s, and each limit, are refused before validation or execution
(no router request), with the router's codes; a cheap query is still served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.conftest import WEB_OPERATIONS
from tests.bff.processes import running_bff_process
from tests.bff.stack import BffStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
ALIASED_HOME_PAGES = (
    "{ " + " ".join(f"h{i}: homePage {{ featured {{ name }} }}" for i in range(5000)) + " }"
)


@pytest.fixture
def web_url(
    bff_stack: BffStack, redis_url: str, redis_namespace: str, tmp_path: Path
) -> Iterator[str]:
    with running_bff_process(
        "web", bff_stack, redis_url, redis_namespace, "development", tmp_path
    ) as url:
        yield url


def _refusal(message: str, code: str, limit: int, measured: int | None = None) -> dict[str, object]:
    extensions: dict[str, object] = {"code": code}
    if measured is not None:
        extensions["measured"] = measured
    extensions["limit"] = limit
    return {"errors": [{"message": message, "extensions": extensions}]}


async def test_operations_over_a_limit_are_refused_before_they_run(
    web_url: str, seed: SeedData, redis_client: Redis
) -> None:
    size = len(ALIASED_HOME_PAGES)
    aliased_root_fields = (
        "{ " + " ".join(f"h{i}: homePage {{ featured {{ name }} }}" for i in range(25)) + " }"
    )
    deep = "{ " + "homePage { " * 13 + "x" + " }" * 13 + " }"
    duplicated = "{ homePage { featured { " + "name " * 400 + "} } }"
    long = "{ homePage { featured { " + "name " * 2000 + "} } }"
    cases = [
        (
            ALIASED_HOME_PAGES,
            _refusal(
                f"The document has {size} bytes, more than the limit 65536.",
                "MAX_DOCUMENT_SIZE_EXCEEDED",
                65536,
                size,
            ),
        ),
        (
            aliased_root_fields,
            _refusal(
                "The operation selects 25 root fields, more than the limit 20.",
                "MAX_ROOT_FIELDS_EXCEEDED",
                20,
                25,
            ),
        ),
        (
            deep,
            _refusal(
                "The operation has depth 14, more than the limit 12.", "MAX_DEPTH_EXCEEDED", 12, 14
            ),
        ),
        (
            duplicated,
            _refusal(
                "The document needs 79800 field comparisons, more than the limit 400.",
                "MAX_MERGE_COMPARISONS_EXCEEDED",
                400,
                79800,
            ),
        ),
        (
            long,
            _refusal(
                "The document has more than 2000 tokens, the limit.", "MAX_TOKENS_EXCEEDED", 2000
            ),
        ),
    ]
    async with httpx.AsyncClient(base_url=web_url, timeout=30) as http:
        before = (await http.get("/debug/stats")).json()["router_requests"]
        for query, refusal in cases:
            answer = await http.post("/graphql", json={"query": query})
            assert (answer.status_code, answer.headers["content-type"], answer.json()) == (
                200,
                "application/json",
                refusal,
            )
            strict = await http.post(
                "/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE_JSON}
            )
            assert (strict.status_code, strict.headers["content-type"], strict.json()) == (
                400,
                GRAPHQL_RESPONSE_JSON,
                refusal,
            )
        via_get = await http.get("/graphql", params={"query": deep})
        assert (via_get.status_code, via_get.json()) == (200, cases[2][1])
        too_large = await http.post(
            "/graphql",
            content=b'{"query": "{ homePage { featured { name } } }", "x": "'
            + b"x" * 2_000_000
            + b'"}',
            headers={"content-type": "application/json"},
        )
        assert (too_large.status_code, too_large.json()) == (
            413,
            {
                "errors": [
                    {
                        "message": "Request body larger than the limit of 2000000 bytes",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            },
        )
        assert (await http.get("/debug/stats")).json()["router_requests"] == before  # none ran
        home = await http.post("/graphql", json={"query": WEB_OPERATIONS["HomePage"].body})
        assert (home.status_code, home.json()) == (200, {"data": expected.home_page(seed)})

"""Issue #11, cheap rejection, over a real router process: documents of thousands of aliases,
duplicated fields or unused variables (300-600 KiB held the event loop 12-19 s in validation)
are refused by the limits before validation, quickly; and cheap ``{ __typename }`` requests keep
being answered while hostile documents arrive. The bounds are loose (a loaded 2-core machine);
``bench rejection`` measures the real figures. On main each refusal took seconds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from benchmarks.rejection_bench import measure, router_process
from benchmarks.rejection_documents import rejected_documents
from router.limits.settings import LimitsSettings

pytestmark = pytest.mark.e2e

REFUSAL_BOUND_SECONDS = 2.0
"""Measured: tens of milliseconds on a quiet machine; seconds on main."""
PROBE_P99_BOUND_SECONDS = 2.5


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with router_process(tmp_path_factory.mktemp("cheap-rejection")) as url:
        yield url


async def test_hostile_documents_are_refused_by_a_limit_quickly(router_url: str) -> None:
    expected = {
        "5,000 aliases (60 KiB)": "MAX_TOKENS_EXCEEDED",
        "1,000 duplicate fields": "MAX_MERGE_COMPARISONS_EXCEEDED",
        "300 fragment spreads": "MAX_TOKENS_EXCEEDED",
        "500 unused variables": "MAX_TOKENS_EXCEEDED",
        "thousands of aliases": "MAX_DOCUMENT_SIZE_EXCEEDED",
        "duplicate fields": "MAX_DOCUMENT_SIZE_EXCEEDED",
        "unused variables": "MAX_DOCUMENT_SIZE_EXCEEDED",
        "1.9 MB of fields": "MAX_DOCUMENT_SIZE_EXCEEDED",
        "nested 400 levels": "MAX_DEPTH_EXCEEDED",
    }
    documents = rejected_documents(salt=1)
    assert set(documents) == set(expected)
    async with httpx.AsyncClient(timeout=REFUSAL_BOUND_SECONDS * 5) as client:
        for name, document in documents.items():
            started = asyncio.get_running_loop().time()
            response = await client.post(router_url, json={"query": document})
            elapsed = asyncio.get_running_loop().time() - started
            body = response.json()
            assert (name, response.status_code, "data" in body) == (name, 400, False)
            assert [e["extensions"]["code"] for e in body["errors"]] == [expected[name]], name
            assert elapsed < REFUSAL_BOUND_SECONDS, (name, elapsed)


async def test_the_token_refusal_answer(router_url: str) -> None:
    document = "{ topProducts { " + " ".join(f"a{i}: name" for i in range(2_000)) + " } }"
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(router_url, json={"query": document})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "The document has more than 2000 tokens, the limit.",
                    "extensions": {"code": "MAX_TOKENS_EXCEEDED", "limit": 2000},
                }
            ]
        },
    )


async def test_cheap_requests_are_answered_while_hostile_documents_arrive(router_url: str) -> None:
    report = await measure(
        router_url,
        LimitsSettings(),
        seconds=4.0,
        probes=4,
        attackers=2,
        repeat=1,
        attack_with_rejected=True,
    )
    assert len(report.probe_attacked) > 20
    assert report.p99(report.probe_attacked) < PROBE_P99_BOUND_SECONDS, report.table()
    assert max(max(s) for s in report.accepted.values()) < PROBE_P99_BOUND_SECONDS * 2

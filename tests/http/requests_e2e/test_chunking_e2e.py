"""``_entities`` chunking over real processes (issue #18): a recording proxy in front of the
reviews subgraph counts the representations of every ``_entities`` request that reaches it, and
the chunked router's whole answer equals the unchunked router's and the seed data's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from subgraphs.seeding import generate
from tests.http.requests_e2e.conftest import SUPERGRAPH, Platform, helper_process
from tests.http.router_process import running_router

QUERY = "{ topProducts(first: 10) { upc reviews { id rating author { username } } } }"


def _expected() -> dict[str, Any]:
    """From the seed: the first ten products in catalogue order, their reviews by id (the
    subgraph's loader order)."""
    data = generate()
    products = sorted(data.products, key=lambda p: p.upc)[:10]
    return {
        "data": {
            "topProducts": [
                {
                    "upc": product.upc,
                    "reviews": [
                        {
                            "id": str(review.id),
                            "rating": review.rating,
                            "author": {"username": review.author_username},
                        }
                        for review in sorted(
                            (r for r in data.reviews if r.product_upc == product.upc),
                            key=lambda r: r.id,
                        )
                    ],
                }
                for product in products
            ]
        }
    }


def _counts(log: Path) -> list[int]:
    return [json.loads(line)["representations"] for line in log.read_text().splitlines()]


def test_long_entity_lists_are_split_into_chunks_and_merged_in_order(
    platform: Platform, tmp_path: Path
) -> None:
    reviews = platform.stack.urls["reviews"]
    with (
        helper_process(tmp_path, "proxy", "--target", reviews) as (chunked_proxy, chunked_log),
        helper_process(tmp_path, "proxy", "--target", reviews) as (whole_proxy, whole_log),
    ):
        chunked_config = platform.router_config(
            all_subgraphs={"max_representations_per_fetch": 4},
            subgraphs={
                **platform.router_config()["subgraphs"],
                "reviews": {"url": f"{chunked_proxy}/graphql", "max_representations_per_fetch": 3},
            },
        )
        whole_config = platform.router_config(
            subgraphs={
                **platform.router_config()["subgraphs"],
                "reviews": {"url": f"{whole_proxy}/graphql"},
            }
        )
        with (
            running_router(tmp_path, supergraph=SUPERGRAPH, config=chunked_config) as chunked,
            running_router(
                tmp_path, supergraph=SUPERGRAPH, config=whole_config, name="whole"
            ) as whole,
        ):
            chunked_answer = httpx.post(chunked.graphql_url, json={"query": QUERY}, timeout=30)
            whole_answer = httpx.post(whole.graphql_url, json={"query": QUERY}, timeout=30)
        chunked_counts, whole_counts = _counts(chunked_log), _counts(whole_log)
    assert chunked_answer.status_code == whole_answer.status_code == 200
    assert chunked_answer.json() == whole_answer.json() == _expected()
    # the per-subgraph 3 wins over the default 4; chunks arrive concurrently, in any order
    assert sorted(chunked_counts) == [1, 3, 3, 3]
    assert whole_counts == [10]

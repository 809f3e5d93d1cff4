"""``router --supergraph URL`` polls the URL (issue #18): a real HTTP server serves the supergraph
with a strong ETag and answers ``If-None-Match`` with 304; the router asks every
``supergraph.poll_interval_seconds``, picks a new supergraph up within that interval and swaps
it in while requests keep flowing, none of them failing."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.composition import SubgraphInput, compose
from servicekit.topology import load_subgraphs
from subgraphs.seeding import generate
from tests.http.requests_e2e.conftest import Platform, helper_process
from tests.http.router_process import running_router

INTERVAL_SECONDS = 0.5
PRODUCTS = sorted(generate().products, key=lambda p: p.upc)
TOP = "{ topProducts(first: 2) { upc name } }"
TOP_DATA = {"data": {"topProducts": [{"upc": p.upc, "name": p.name} for p in PRODUCTS[:2]]}}
WITH_REVIEWS = "{ topProducts(first: 1) { upc reviews { id } } }"


def _supergraph(names: tuple[str, ...]) -> str:
    entries = [e for e in load_subgraphs() if e.name in names]
    result = compose(
        [SubgraphInput(e.name, e.routing_url, e.schema_file.read_text()) for e in entries]
    )
    if not result.ok or result.supergraph_sdl is None:
        pytest.fail(f"the subgraphs do not compose: {result.error_codes}")
    return result.supergraph_sdl


def _publish(path: Path, text: str) -> None:
    """Replace the served file at once, as a deployment publishes (a poll during a plain
    ``write_text`` could read the truncated file: a third ETag)."""
    staged = path.with_suffix(".staged")
    staged.write_text(text)
    os.replace(staged, path)


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _wait_for(condition: Any, deadline_seconds: float, what: str) -> float:
    """Seconds until ``condition()`` held (checked every 50 ms), or fail at the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < deadline_seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    pytest.fail(f"{what} within {deadline_seconds} s")


def test_a_supergraph_url_is_polled_with_etags_and_hot_reloaded(
    platform: Platform, tmp_path: Path
) -> None:
    served = tmp_path / "served.graphql"
    served.write_text(_supergraph(("accounts", "products")))
    config = platform.router_config(supergraph={"poll_interval_seconds": INTERVAL_SECONDS})
    with helper_process(tmp_path, "supergraph", "--file", str(served)) as (base, log):
        url = f"{base}/supergraph.graphql"
        with running_router(tmp_path, supergraph=url, config=config) as router:
            endpoint = router.graphql_url
            before = httpx.post(endpoint, json={"query": WITH_REVIEWS}, timeout=30)
            # unchanged: the router keeps asking with the ETag and gets 304s
            _wait_for(
                lambda: sum(r["status"] == 304 for r in _log(log)) >= 2, 30, "two 304 answers"
            )
            answers: list[tuple[int, Any]] = []
            stop = threading.Event()

            def load() -> None:
                with httpx.Client(timeout=30) as client:
                    while not stop.is_set():
                        reply = client.post(endpoint, json={"query": TOP})
                        answers.append((reply.status_code, reply.json()))

            worker = threading.Thread(target=load)
            worker.start()
            try:
                _wait_for(lambda: len(answers) >= 5, 30, "requests flowing before the swap")
                _publish(served, _supergraph(("accounts", "products", "reviews")))
                changed = time.monotonic()

                def reviews_served() -> bool:
                    reply = httpx.post(endpoint, json={"query": WITH_REVIEWS}, timeout=30)
                    return "data" in reply.json()

                _wait_for(reviews_served, 30, "the new supergraph was not served")
                picked_up = time.monotonic() - changed
                count = len(answers)
                _wait_for(lambda: len(answers) >= count + 5, 30, "requests after the swap")
            finally:
                stop.set()
                worker.join(timeout=60)
            # the next poll asks with the new supergraph's ETag (event-driven: one poll interval)
            _wait_for(
                lambda: len({r["if_none_match"] for r in _log(log)} - {None}) == 2,
                30,
                "a poll with the new ETag",
            )
            after = httpx.post(endpoint, json={"query": WITH_REVIEWS}, timeout=30)
            ready = httpx.get(f"{router.url}/ready", timeout=30).json()
    assert before.status_code == 400
    assert before.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert after.status_code == 200
    upc = PRODUCTS[0].upc
    ids = sorted(r.id for r in generate().reviews if r.product_upc == upc)
    assert after.json() == {
        "data": {"topProducts": [{"upc": upc, "reviews": [{"id": str(i)} for i in ids]}]}
    }
    # every request during the swap answered in full
    assert answers and all(answer == (200, TOP_DATA) for answer in answers)
    # the loop's interval plus a poll and a load on a loaded machine, not a re-read per request
    assert picked_up < INTERVAL_SECONDS + 10
    requests = _log(log)
    etags = {r["if_none_match"] for r in requests}
    assert requests[0]["if_none_match"] is None  # the start-up read
    assert all(r["if_none_match"] is not None for r in requests[1:])  # every poll conditional
    assert len(etags - {None}) == 2  # the first supergraph's ETag, then the second's
    assert [r["status"] for r in requests].count(200) == 2  # start-up read, then the change
    assert ready["checks"]["supergraph"]["reloads"] == 1

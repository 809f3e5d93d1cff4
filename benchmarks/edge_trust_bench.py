"""CPU cost of the router's edge checks (issue #18), in process, each against a baseline in the
same run: ``python -m benchmarks.edge_trust_bench [--repeat 20000]``.

- trusted documents: the per-request work of :func:`router.http.trusted.resolve_trusted` for a
  listed id, listed text (SHA-256 hit), listed text with other whitespace (lexed), unlisted text
  refused by a safelist; baseline: graphql-core parsing the same document (what the router does
  next for any admitted operation), so "refused before parsing" is measured, not assumed;
- header rules: :func:`router.execution.subgraphs.outbound_headers` with the eight rules of the
  end-to-end test against the legacy single ``authorization`` rule.

CPU time (``time.process_time``) per call, best of 5 rounds; the machine is shared, so read the
ratios. Prints the load average next to the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

from graphql import parse

from router.config import RouterConfig
from router.execution.subgraphs import outbound_headers
from router.http.errors import HttpError
from router.http.params import RequestParams
from router.http.trusted import resolve_trusted
from router.trusted.manifest import Manifest, TrustedOperation
from router.trusted.settings import ClientPolicy, PersistedQueriesSettings
from router.trusted.store import TrustedDocuments

__all__ = ["main"]

BODY = (
    "query ProductPage($upc: String!) {\n  product(upc: $upc) {\n    upc\n    name\n    price\n"
    "    inStock\n    reviews {\n      id\n      body\n      rating\n      author {\n        id\n"
    "        username\n      }\n    }\n  }\n}"
)
SHA = hashlib.sha256(BODY.encode()).hexdigest()
RESHAPED = " ".join(BODY.split())  # same tokens, other whitespace
UNLISTED = BODY.replace("rating", "rating createdAt")


def _per_call(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeat):
            fn()
        best = min(best, (time.process_time() - start) / repeat)
    return best * 1e6


def _drive(coroutine: Coroutine[Any, Any, object]) -> object:
    """Run a coroutine that never suspends (no APQ store: nothing to wait for) without a loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine suspended")


def _documents() -> TrustedDocuments:
    manifest = Manifest("bench", (TrustedOperation(SHA, "ProductPage", "query", BODY, "bench"),))
    settings = PersistedQueriesSettings(
        enabled=True, clients={"m": ClientPolicy(policy="safelist", manifests=("bench",))}
    )
    return TrustedDocuments(settings, {"bench": manifest})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20_000)
    repeat = parser.parse_args().repeat
    documents = _documents()
    headers = {"apollographql-client-name": "m"}

    def trusted(params: RequestParams) -> Callable[[], object]:
        def run() -> object:
            try:
                return _drive(resolve_trusted(documents, params, headers, None))
            except HttpError as error:
                return error

        return run

    def params(query: str | None = None, document_id: str | None = None) -> RequestParams:
        return RequestParams(query, None, None, None, document_id)

    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rows = {
        "graphql-core parse of the document (baseline)": _per_call(
            lambda: parse(BODY), repeat // 10
        ),
        "listed documentId": _per_call(trusted(params(document_id=SHA)), repeat),
        "listed text (sha256 hit)": _per_call(trusted(params(BODY)), repeat),
        "listed text, other whitespace (lexed)": _per_call(trusted(params(RESHAPED)), repeat // 10),
        "unlisted text refused (403)": _per_call(trusted(params(UNLISTED)), repeat // 10),
    }
    legacy = RouterConfig()
    rules = RouterConfig.model_validate(
        {
            "headers": {
                "all": {
                    "request": [
                        {"propagate": {"named": "x-tenant"}},
                        {"propagate": {"matching": "^x-trace-"}},
                        {"propagate": {"named": "x-client-version", "rename": "x-app-version"}},
                        {"propagate": {"named": "x-locale", "default": "en-GB"}},
                        {"insert": {"name": "x-router", "value": "edge-1"}},
                        {"remove": {"named": "x-trace-secret"}},
                    ]
                },
                "subgraphs": {"a": {"request": [{"insert": {"name": "x-only-a", "value": "y"}}]}},
            }
        }
    )
    inbound = {
        "authorization": "Bearer x",
        "x-tenant": "t1",
        "x-trace-id": "abc",
        "x-client-version": "3.2",
        "accept": "application/json",
        "content-type": "application/json",
        "user-agent": "bench",
        "host": "router",
    }
    rows["outbound headers, legacy authorization rule"] = _per_call(
        lambda: outbound_headers(legacy, "a", inbound), repeat
    )
    rows["outbound headers, 7 Apollo rules (one regex)"] = _per_call(
        lambda: outbound_headers(rules, "a", inbound), repeat
    )
    for name, micros in rows.items():
        print(f"{name:<48} {micros:8.1f} µs CPU")


if __name__ == "__main__":
    main()

"""The registry on PostgreSQL (issue #19; the shared server, a database of its own): two
publishes become two versions, a replica URL joins the routing, the history survives a restart
of the registry process, and a reader with a stale ETag is answered at once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from servicekit.topology import PROJECT_ROOT
from tests.scaling.support import TOKEN, registry_process

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

AUTH = {"authorization": f"Bearer {TOKEN}"}


def _sdl(name: str) -> str:
    return (PROJECT_ROOT / "schema" / "subgraphs" / f"{name}.graphql").read_text()


def test_versions_routing_and_history_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    process, url = registry_process(tmp_path, database_url=postgres_url)
    with process.start(ready_timeout_seconds=60):
        ready = httpx.get(f"{url}/ready").json()
        assert ready["checks"]["database"]["dialect"] == "postgresql"
        for name, port in (("products", 5002), ("accounts", 5001), ("products", 5102)):
            answer = httpx.post(
                f"{url}/v1/subgraphs/{name}",
                json={"sdl": _sdl(name), "url": f"http://10.0.0.1:{port}/graphql"},
                headers=AUTH,
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
        first = httpx.get(f"{url}/v1/supergraph", headers=AUTH)
    assert first.json()["version"] == 2
    assert first.json()["routingUrls"] == {
        "accounts": ["http://10.0.0.1:5001/graphql"],
        "products": ["http://10.0.0.1:5002/graphql", "http://10.0.0.1:5102/graphql"],
    }
    process, url = registry_process(tmp_path, database_url=postgres_url)
    with process.start(ready_timeout_seconds=60):
        again = httpx.get(f"{url}/v1/supergraph", headers=AUTH)
        stale = httpx.get(
            f"{url}/v1/supergraph",
            headers={**AUTH, "if-none-match": '"stale"', "prefer": "wait=30"},
            timeout=5,
        )
        fresh = httpx.get(
            f"{url}/v1/supergraph.graphql",
            headers={**AUTH, "if-none-match": first.headers["etag"]},
        )
        history = httpx.get(f"{url}/v1/history", headers=AUTH).json()["publishes"]
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert stale.status_code == 200 and stale.json() == first.json()
    assert (fresh.status_code, fresh.content) == (304, b"")
    assert [(p["subgraph"], p["accepted"], p["version"]) for p in history] == [
        ("products", True, None),
        ("accounts", True, 2),
        ("products", True, 1),
    ]

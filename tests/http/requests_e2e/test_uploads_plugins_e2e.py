"""File uploads go through what every fetch goes through (issue #18): the plugins' subgraph hooks
and the load balancer over a subgraph's replicas. Real processes: the products subgraph behind
two recording proxies (:mod:`tests.http.requests_e2e.edge_helpers`, each a replica given with
``--subgraph-url products=...``), the router with ``tenant_guard`` (its ``on_subgraph_request``
puts the verified tenant in ``x-tenant-id``) and the probe plugin. What reached the subgraph is
read from the proxies' logs, the stored image from the products' images folder."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.http.requests_e2e.conftest import SUPERGRAPH, Platform, helper_process
from tests.http.requests_e2e.test_uploads_e2e import JSON_TYPE, MUTATION, PRODUCTS
from tests.http.router_process import RunningRouter, running_router

pytestmark = pytest.mark.e2e

PLUGINS = [
    {"name": "tenant_guard", "config": {"subgraph_header": "x-tenant-id"}},
    {"path": "tests.plugins.sample_plugins:Probe"},
]


@dataclass
class Replicas:
    router: RunningRouter
    logs: tuple[Path, Path]

    def uploads(self) -> list[list[dict[str, Any]]]:
        """Per replica, the uploads it forwarded to products (the proxy's records)."""
        return [
            [r for r in map(json.loads, log.read_text().splitlines()) if "upload" in r]
            for log in self.logs
        ]


@pytest.fixture(scope="module")
def replicas(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    workdir = tmp_path_factory.mktemp("upload-replicas")
    products = platform.stack.urls["products"]
    with (
        helper_process(workdir, "proxy", "--target", products) as (first, first_log),
        helper_process(workdir, "proxy", "--target", products) as (second, second_log),
    ):
        config = platform.router_config(
            file_uploads={"enabled": True, "max_file_size": 1_000_000}, plugins=PLUGINS
        )
        replicas = [f"--subgraph-url=products={url}/graphql" for url in (first, second)]
        with running_router(
            workdir, supergraph=SUPERGRAPH, config=config, extra_args=replicas
        ) as router:
            yield Replicas(router, (first_log, second_log))


def upload(
    router: RunningRouter, upc: str, content: bytes, token: str, **headers: str
) -> httpx.Response:
    operations = {"query": MUTATION, "variables": {"upc": upc, "image": None}}
    return httpx.post(
        router.graphql_url,
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.image"]})},
        files={"0": ("photo.png", content, "image/png")},
        headers={
            "authorization": f"Bearer {token}",
            "apollo-require-preflight": "true",
            **headers,
        },
        timeout=60,
    )


def stored(upc: str, content: bytes) -> dict[str, Any]:
    answer = {
        "upc": upc,
        "filename": "photo.png",
        "contentType": "image/png",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    return {"data": {"uploadProductImage": answer}}


def test_uploads_take_the_subgraph_request_hook_and_are_balanced_over_the_replicas(
    platform: Platform, replicas: Replicas
) -> None:
    token = platform.token("1", ("products:admin",), {"tenant": "acme"})
    before = replicas.uploads()
    answers = []
    for index, upc in enumerate((PRODUCTS[7].upc, PRODUCTS[8].upc)):
        content = random.Random(index).randbytes(20_000 + index)
        response = upload(replicas.router, upc, content, token)
        answers.append((response.status_code, response.headers["content-type"], response.json()))
        assert answers[-1] == (200, JSON_TYPE, stored(upc, content))
        assert (platform.images_dir / upc).read_bytes() == content
    after = replicas.uploads()
    # one upload per replica (least requests, ties round robin), each with the tenant the
    # tenant guard's on_subgraph_request put there
    new = [records[len(old) :] for old, records in zip(before, after, strict=True)]
    assert sorted(len(records) for records in new) == [1, 1]
    assert [records[0]["x-tenant-id"] for records in new] == ["acme", "acme"]


def test_an_upload_refused_by_a_subgraph_request_hook_never_reaches_the_subgraph(
    platform: Platform, replicas: Replicas
) -> None:
    upc = PRODUCTS[9].upc
    token = platform.token("1", ("products:admin",))
    before = replicas.uploads()
    response = upload(
        replicas.router, upc, b"refused", token, **{"x-plugin-reject": "on_subgraph_request"}
    )
    assert (response.status_code, response.headers["content-type"]) == (200, JSON_TYPE)
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "probe refused in on_subgraph_request",
                "extensions": {"code": "PROBE_REJECTED", "service": "products"},
            }
        ],
    }
    assert replicas.uploads() == before
    assert not (platform.images_dir / upc).exists()

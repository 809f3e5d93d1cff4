"""Real processes for the ``@defer`` end-to-end tests: the four fixture subgraphs
(``tests/execution/fixtures``, whose ``Product.delivery`` in inventory takes 3 s: the slow
subgraph), our router and Hive Gateway 2.15 (``deferStream: true``) on one supergraph file,
and a streaming multipart reader that timestamps each part as it arrives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.gateways import GATEWAYS, gateway_spec, rewrite_subgraph_urls, write_router_config
from benchmarks.tools import NODE_DIR
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.differential.harness import _start_all, node_missing, start_fixture_subgraphs

__all__ = ["DEFER_ACCEPT", "Gateways", "Part", "node_missing", "read_parts", "start_gateways"]

FIXTURE_SDL = PROJECT_ROOT / "tests" / "execution" / "fixtures" / "supergraph.graphql"
HIVE_CONFIG = Path(__file__).with_name("hive-gateway-defer.config.mjs")
DEFER_ACCEPT = "multipart/mixed;deferSpec=20220824, application/json;q=0.9"
HEADERS = {"content-type": "application/json", "apollo-require-preflight": "true"}


@dataclass(frozen=True)
class Part:
    """One part of a multipart response: its JSON payload and when it arrived (monotonic)."""

    payload: dict[str, Any]
    at: float


@dataclass(frozen=True)
class Gateways:
    router_url: str
    hive_url: str


def _hive_spec(supergraph: Path, port: int) -> ProcessSpec:
    cli = NODE_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
    argv = ["node", str(cli), "supergraph", str(supergraph), "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--fork", "0", "--config-path", str(HIVE_CONFIG)]
    return ProcessSpec(
        name="hive-defer",
        argv=argv,
        ready_url=f"http://127.0.0.1:{port}/readiness",
        env={"NODE_ENV": "production"},
        cwd=NODE_DIR,
    )


@contextmanager
def start_gateways(work_dir: Path) -> Iterator[Gateways]:
    """Subgraphs, our router (production mode, no Redis) and Hive Gateway; all stopped after."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as cleanup:
        urls = cleanup.enter_context(start_fixture_subgraphs(work_dir))
        supergraph = work_dir / "supergraph.graphql"
        supergraph.write_text(rewrite_subgraph_urls(FIXTURE_SDL.read_text(), urls.__getitem__))
        write_router_config(work_dir, deduplicate_inbound=False)
        router_port, hive_port = free_port(), free_port()
        spec = gateway_spec(GATEWAYS["router"], supergraph, router_port, work_dir, None)
        spec = ProcessSpec(
            spec.name, spec.argv, spec.ready_url, {**spec.env, "ROUTER_CONFIG": ""}, spec.cwd
        )
        processes = [
            ManagedProcess(spec, log_path=work_dir / "router.log"),
            ManagedProcess(_hive_spec(supergraph, hive_port), log_path=work_dir / "hive.log"),
        ]
        for process in processes:
            cleanup.callback(process.stop)
        _start_all(processes)
        yield Gateways(
            f"http://127.0.0.1:{router_port}/graphql", f"http://127.0.0.1:{hive_port}/graphql"
        )


def _boundary(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"')
    raise AssertionError(f"no boundary in {content_type!r}")


def read_parts(
    client: httpx.Client,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    accept: str = DEFER_ACCEPT,
) -> tuple[httpx.Response, list[Part]]:
    """POST ``query`` and read the multipart answer part by part as it streams, stamping each
    part with the time its closing delimiter arrived (a non-multipart answer is one part)."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    parts: list[Part] = []
    with client.stream("POST", url, json=body, headers={**HEADERS, "accept": accept}) as response:
        content_type = response.headers.get("content-type", "")
        if not content_type.startswith("multipart/mixed"):
            response.read()
            return response, [Part(orjson.loads(response.content), time.monotonic())]
        delimiter = b"\r\n--" + _boundary(content_type).encode()
        buffer = b"\r\n"  # the first delimiter may open the body without a preceding CRLF
        for chunk in response.iter_bytes():
            buffer += chunk
            while True:
                start = buffer.find(delimiter)
                end = buffer.find(delimiter, start + len(delimiter)) if start >= 0 else -1
                if end < 0:
                    break
                segment = buffer[start + len(delimiter) : end]
                buffer = buffer[end:]
                _, _, payload = segment.partition(b"\r\n\r\n")
                if payload.strip():
                    parts.append(Part(orjson.loads(payload), time.monotonic()))
    return response, parts

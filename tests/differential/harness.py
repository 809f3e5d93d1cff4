"""Start our router and @apollo/gateway on the same supergraph file and send both the same
request: the differential corpus (issue #4) compares their answers as parsed JSON."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.gateways import GATEWAYS, gateway_spec, write_router_config
from benchmarks.tools import ensure_node_modules
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = [
    "FIXTURE_NAMES",
    "GatewayPair",
    "node_missing",
    "normalise",
    "start_fixture_subgraphs",
    "start_pair",
    "strip_security_specs",
    "unprefix",
]

FIXTURE_NAMES = ("accounts", "products", "inventory", "reviews")
# CSRF prevention in our router (production mode) wants this header; Apollo ignores it.
HEADERS = {"content-type": "application/json", "apollo-require-preflight": "true"}


def node_missing() -> str | None:
    """Why the reference gateway cannot run here, or None."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for @apollo/gateway (apt-get install nodejs npm)"
    try:  # the pinned reference gateway, installed from the committed lock file when missing
        ensure_node_modules()
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        return f"npm ci in benchmarks/node failed: {error}"
    return None


_SECURITY_LINK = re.compile(
    r'^\s*@link\(url: "https://specs\.apollo\.dev/(authenticated|requiresScopes)/[^"]+",'
    r" for: SECURITY\)\n",
    re.MULTILINE,
)
_SECURITY_DEFINITION = re.compile(
    r"^(directive @(authenticated|requiresScopes)\b.*|scalar requiresScopes__Scope)\n\n?",
    re.MULTILINE,
)
_SECURITY_USAGE = re.compile(r" @authenticated\b| @requiresScopes\(scopes: \[[^@\n]*?\]\]\)")


def strip_security_specs(sdl: str) -> str:
    """@apollo/gateway refuses supergraphs that @link the authenticated / requiresScopes specs
    (``for: SECURITY``): drop their @link, definitions and usages. Both gateways run the result."""
    stripped = _SECURITY_USAGE.sub("", _SECURITY_DEFINITION.sub("", _SECURITY_LINK.sub("", sdl)))
    if re.search(r"authenticated|requiresScopes", stripped):
        raise ValueError("security directives left in the supergraph")
    return stripped


@contextmanager
def start_fixture_subgraphs(log_dir: Path) -> Iterator[dict[str, str]]:
    """The four fixture subgraphs (tests/execution/fixtures) on free ports: name -> URL."""
    with ExitStack() as cleanup:
        processes: list[ManagedProcess] = []
        urls: dict[str, str] = {}
        for name in FIXTURE_NAMES:
            port = free_port()
            spec = ProcessSpec(
                name=f"fixture-{name}",
                argv=[sys.executable, "-m", "tests.execution.fixtures.serve", name, str(port)],
                ready_url=f"http://127.0.0.1:{port}/health",
                cwd=PROJECT_ROOT,
            )
            process = ManagedProcess(spec, log_path=log_dir / f"fixture-{name}.log")
            cleanup.callback(process.stop)
            processes.append(process)
            urls[name] = f"http://127.0.0.1:{port}/graphql"
        _start_all(processes)
        yield urls


def _start_all(processes: Sequence[ManagedProcess]) -> None:
    with ThreadPoolExecutor(max_workers=len(processes)) as pool:
        for future in [pool.submit(p.start, ready_timeout_seconds=60) for p in processes]:
            future.result()


@dataclass
class GatewayPair:
    """Our router and Apollo Gateway over one supergraph file, each a GraphQL URL."""

    router_url: str
    apollo_url: str
    client: httpx.Client

    def post(self, url: str, query: str, variables: Mapping[str, Any] | None) -> Any:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = dict(variables)
        response = self.client.post(url, json=body, headers=HEADERS)
        return response.json()

    def both(self, query: str, variables: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
        """(ours, Apollo's) parsed JSON bodies for the same request."""
        return self.post(self.router_url, query, variables), self.post(
            self.apollo_url, query, variables
        )


@contextmanager
def start_pair(supergraph: Path, work_dir: Path) -> Iterator[GatewayPair]:
    """Our router (production mode, no Redis, no rate limit) and Apollo Gateway, both on
    ``supergraph``, on free ports; always stopped."""
    work_dir.mkdir(parents=True, exist_ok=True)
    write_router_config(work_dir, deduplicate_inbound=False)
    processes: list[ManagedProcess] = []
    urls: list[str] = []
    with ExitStack() as cleanup:
        for name in ("router", "apollo"):
            gateway = GATEWAYS[name]
            port = free_port()
            spec = gateway_spec(gateway, supergraph, port, work_dir, None)
            spec = ProcessSpec(
                spec.name, spec.argv, spec.ready_url, {**spec.env, "ROUTER_CONFIG": ""}, spec.cwd
            )
            process = ManagedProcess(spec, log_path=work_dir / f"{name}.log")
            cleanup.callback(process.stop)
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}{gateway.graphql_path}")
        _start_all(processes)
        client = cleanup.enter_context(httpx.Client(timeout=30.0))
        yield GatewayPair(urls[0], urls[1], client)


def normalise(body: Any, *, reference: bool = False) -> Any:
    """What the corpus compares: ``data`` exactly, and each error's ``message`` and ``path``
    in order. Left out, because the two gateways legitimately differ there:

    - error ``locations`` and ``extensions`` (Apollo adds ``code: DOWNSTREAM_SERVICE_ERROR`` and
      ``serviceName``, we add ``service``), and the response's own ``extensions``;
    - in request errors (no ``path``: validation, variable coercion), graphql-core quotes names
      with ``'`` where graphql-js uses ``"``; quotes are made ``"`` before comparing;
    - with introspection off (production mode in both), Apollo Server's refusal adds "by Apollo
      Server" and a hint; any message containing "introspection is not allowed" is compared as
      ``INTROSPECTION_DISABLED``;
    - for the reference only: Apollo Gateway reports value-completion failures (an enum value
      the supergraph marks @inaccessible) under ``extensions.valueCompletion`` instead of
      ``errors``. The spec makes them field errors ("Handling Execution Errors": the error is
      added to the ``errors`` list of the response), so they are compared as errors, which
      asserts that ours lists them in ``errors``;
    - for the reference only: Apollo Server keeps graphql-js's "Did you mean ...?" suggestions in
      production, which leak the schema (OWASP GraphQL cheat sheet); ours masks them in
      production (issue #11), so the reference's suggestion suffix is dropped before comparing.
    """
    if not isinstance(body, dict):
        return body
    result = {key: value for key, value in body.items() if key != "extensions"}
    errors = list(result.get("errors", []))
    if reference:
        errors += (body.get("extensions") or {}).get("valueCompletion", [])
    if errors:
        result["errors"] = [_error(error, reference=reference) for error in errors]
    return result


_SUGGESTION = re.compile(r" Did you mean .*\?$")


def _error(error: dict[str, Any], *, reference: bool = False) -> dict[str, Any]:
    message = str(error.get("message"))
    if reference:
        message = _SUGGESTION.sub("", message)
    if "introspection is not allowed" in message:
        message = "INTROSPECTION_DISABLED"
    if "path" not in error:
        return {"message": message.replace("'", '"')}
    return {"message": message, "path": error["path"]}


def unprefix(value: Any, prefix: str = "x_") -> Any:
    """``value`` with ``prefix`` removed from every object key (undoes the aliases of an
    alias-free equivalent query)."""
    if isinstance(value, dict):
        return {key.removeprefix(prefix): unprefix(item, prefix) for key, item in value.items()}
    if isinstance(value, list):
        return [unprefix(item, prefix) for item in value]
    return value

"""``router``: serve the federation router over HTTP.

``router pq list|show|diff ...``: persisted query manifests (:mod:`router.trusted.cli`).

``router --supergraph FILE|URL|--registry URL [--config FILE.yaml (default $ROUTER_CONFIG)] [--host 127.0.0.1] [--port 4000] [--dev|--prod]
[--subgraph-url NAME=URL ...] [--workers N]``

The mode comes from the config file (``mode:``) unless ``--dev`` or ``--prod`` overrides it;
development mode exposes GraphiQL and query plans, production neither. A supergraph file is
watched and hot-reloaded; a URL is polled (ETag) and hot-reloaded; a registry is long-polled (and
gives each subgraph's replicas to the load balancer). ``--workers N`` (default ``$ROUTER_WORKERS``,
else one per usable core in production and 1 in development) runs N router processes on the port
(:mod:`servicekit.workers`). Settings documented in ``router/http/README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
from pydantic import ValidationError
from starlette.applications import Starlette

from router.caching.setup import install_caching
from router.config import RouterConfig, SubgraphConfig, load_config
from router.gateway import Gateway
from router.http import create_app
from router.http.admission import build_request_gate
from router.http.readiness import router_readiness
from router.http.redaction import client_errors_for
from router.http.registry_source import LiveRegistrySupergraph, RegistrySource
from router.http.supergraph_poll import LivePolledSupergraph, UrlSupergraphSource
from router.http.supergraph_source import LiveSupergraph, SupergraphSource
from router.instrumented import (
    CountingApqStore,
    CountingGate,
    InstrumentedExecutor,
    RouterCollector,
)
from router.resilience import SubgraphGuards
from router.resilience.balancer import LoadBalancer, balancer_readiness
from router.subscriptions.service import SubscriptionService
from servicekit.heap import settle_heap
from servicekit.http import create_http_client
from servicekit.logging import get_logger
from servicekit.redis import create_redis
from servicekit.serve import serve
from servicekit.telemetry import init_telemetry, metrics
from servicekit.topology import ROUTER_PORT
from servicekit.workers import default_workers, supervise_if_asked

__all__ = ["build_app", "main", "parse_args", "production_secret_problem"]

_log = get_logger("router.cli")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="router", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--supergraph", help="supergraph SDL file or http(s) URL")
    source.add_argument(
        "--registry",
        help="schema registry base URL (long-polled; token from $ROUTER_REGISTRY_TOKEN)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ["ROUTER_CONFIG"]) if os.environ.get("ROUTER_CONFIG") else None,
        help="router YAML config (router/config.py); default: $ROUTER_CONFIG when set",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=ROUTER_PORT)
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=float(os.environ.get("ROUTER_DRAIN_SECONDS", "0")),
        help="on SIGTERM, answer /ready 503 this long before closing (behind a load balancer)",
    )
    parser.add_argument(
        "--subgraph-url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="override a subgraph's routing URL (repeatable; wins over the config file; several"
        " for one NAME are its replicas, load balanced)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="router processes on the port (SO_REUSEPORT); default $ROUTER_WORKERS, else one per"
        " usable core in production mode, 1 in development mode",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dev", action="store_const", const="development", dest="mode")
    mode.add_argument("--prod", action="store_const", const="production", dest="mode")
    return parser.parse_args(argv)


def effective_config(args: argparse.Namespace) -> RouterConfig:
    config = load_config(args.config)
    if args.mode is not None:
        config = config.model_copy(update={"mode": args.mode})
    for override in args.subgraph_url:
        name, separator, url = override.partition("=")
        if not separator or not name or not url:
            raise ValueError(f"--subgraph-url expects NAME=URL, got {override!r}")
        current = config.subgraphs.get(name) or SubgraphConfig()
        config.subgraphs[name] = current.model_copy(update={"url": url})
    return config


def production_secret_problem(config: RouterConfig) -> str | None:
    """Why a production router must not start without an identity-forwarding secret (issue #11):
    it verifies callers (JWT on) but could not sign them for the subgraphs, which would then
    either see no caller or trust an unsigned one. ``None`` when there is no such problem (any
    development router; a production router without JWT has no caller to forward)."""
    if config.mode != "production" or not config.security.jwt.enabled:
        return None
    if config.identity_forwarding.effective_secret():
        return None
    return (
        "production mode verifies bearer tokens but has no identity-forwarding secret: set "
        "IDENTITY_HMAC_SECRET (or identity_forwarding.secret in the config) to the random secret "
        "the subgraphs share; refusing to start"
    )


def static_pools(overrides: Sequence[str]) -> dict[str, list[str]]:
    """``--subgraph-url NAME=URL`` given more than once for a NAME: its replicas (issue #19),
    balanced by the router (the config's URL is the first)."""
    urls: dict[str, list[str]] = {}
    for override in overrides:
        name, _, url = override.partition("=")
        urls.setdefault(name, []).append(url)
    return {name: found for name, found in urls.items() if len(found) > 1}


def source_for(location: str) -> SupergraphSource:
    """A file (watched) or an ``http(s)`` URL (polled with ``If-None-Match``, issue #18)."""
    source = SupergraphSource(location)
    return UrlSupergraphSource(location) if source.is_url else source


def build_app(
    source: SupergraphSource, config: RouterConfig, *, pools: Mapping[str, list[str]] | None = None
) -> Starlette:
    """Load the supergraph, build the gateway (with per-subgraph guards: breaker, retries,
    concurrency bound, dedup), wire Redis (APQ, rate limits), the request gate, readiness and
    hot reload."""
    supergraph = source.load()
    guards = SubgraphGuards(config.security.resilience)
    balancer = LoadBalancer()
    balancer.set_pools(pools or {})
    gateway = Gateway(supergraph, config, guards=guards, balancer=balancer)
    live = (
        LiveRegistrySupergraph(
            source,
            gateway,
            supergraph,
            balancer,
            overridden=[name for name, sub in config.subgraphs.items() if sub.url],
            static_pools=pools or {},
        )
        if isinstance(source, RegistrySource)
        else LivePolledSupergraph(  # issue #18: a URL is polled, not read once
            source, gateway, supergraph, interval_seconds=config.supergraph.poll_interval_seconds
        )
        if isinstance(source, UrlSupergraphSource)
        else LiveSupergraph(source, gateway, supergraph)
    )
    subscriptions = SubscriptionService(
        gateway, config.subscriptions, client_errors=client_errors_for(config)
    )
    gateway.on_swap(subscriptions.end_all)  # a reload ends open subscriptions with a reason
    redis = create_redis(config.http.redis_url) if config.http.redis_url else None
    if redis is None and config.security.rate_limit.enabled:
        _log.warning("rate limits configured without http.redis_url: not enforced")
    apq_config = config.http.apq
    apq = (
        CountingApqStore(
            redis,
            key_prefix=apq_config.key_prefix,
            ttl_seconds=apq_config.ttl_seconds,
            max_query_bytes=apq_config.max_query_bytes,
        )
        if apq_config.enabled
        else None
    )
    # issue #17: response cache, its invalidation endpoint and events, plan warm-up
    cache_settings = config.response_cache
    cache_redis = create_redis(cache_settings.redis_url) if cache_settings.redis_url else redis
    caching = install_caching(gateway, cache_settings, cache_redis)
    probe_client = create_http_client(timeout_seconds=2.0, max_connections=10)
    jwks_client = create_http_client(timeout_seconds=5.0, max_connections=4)
    gate = CountingGate.of(build_request_gate(config, redis=redis, http=jwks_client))
    readiness = router_readiness(live, config, redis=redis, client=probe_client)
    readiness["breakers"] = guards.readiness_check()
    readiness["replicas"] = balancer_readiness(balancer)

    async def close() -> None:
        await subscriptions.shutdown()
        await live.stop()
        await gateway.aclose()
        await probe_client.aclose()
        await jwks_client.aclose()
        for hook in caching.on_shutdown:
            await hook()
        if cache_redis is not None and cache_redis is not redis:
            await cache_redis.aclose()
        if redis is not None:
            await redis.aclose()

    if metrics.enabled():  # issue #13: scrape-time breaker, cache and dedup series

        def telemetry_stats() -> dict[str, int]:
            return {**gateway.telemetry_stats(), "subscriptions_open": subscriptions.open_count}

        metrics.registry().register(RouterCollector(telemetry_stats, guards))
    return create_app(
        InstrumentedExecutor(gateway),
        config,
        apq=apq,
        readiness=readiness,
        on_startup=[live.start, *caching.on_startup],
        on_shutdown=[close],
        gate=gate,
        subscriptions=subscriptions,
        extra_routes=caching.routes,
    )


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["pq"]:  # issue #18: ``router pq list|show|diff``
        from router.trusted.cli import main as pq_main

        sys.exit(pq_main(arguments[1:]))
    args = parse_args(arguments)
    telemetry = init_telemetry("router", args.log_level)
    try:
        config = effective_config(args)
        problem = production_secret_problem(config)
        if problem is not None:
            _log.error("router cannot start", error=problem)
            print(f"router: {problem}", file=sys.stderr)
            sys.exit(2)
        workers = args.workers or default_workers(
            "ROUTER_WORKERS", development=config.mode == "development"
        )
        # issue #20: with several workers this process only supervises them
        supervise_if_asked(
            workers,
            host=args.host,
            port=args.port,
            drain_seconds=args.drain_seconds,
            service="router",
        )
        source = (
            RegistrySource(args.registry, os.environ.get("ROUTER_REGISTRY_TOKEN"))
            if args.registry
            else source_for(args.supergraph)
        )
        app = build_app(source, config, pools=static_pools(args.subgraph_url))
        # The schema, supergraph and planner state built above live as long as the process:
        # frozen, a full collection no longer walks them (#11); collections spaced out, the
        # in-flight requests' objects are no longer walked every 700 allocations (#13, #20)
        settle_heap()
    except (OSError, httpx.HTTPError, ValidationError, ValueError) as error:
        _log.error("router cannot start", error=f"{type(error).__name__}: {error}")
        print(f"router: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(2)
    _log.info(
        "router starting",
        host=args.host,
        port=args.port,
        mode=config.mode,
        graphql=f"http://{args.host}:{args.port}/graphql",
    )
    serve(
        telemetry.wrap(app),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        drain_seconds=args.drain_seconds,
    )


if __name__ == "__main__":
    main()

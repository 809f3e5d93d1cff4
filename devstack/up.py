"""One run of ``stack up``: check the ports, seed, start every service concurrently in
dependency order, report, supervise, and stop everything on SIGINT/SIGTERM/SIGHUP at any moment.

Order (each arrow waits for readiness, everything else runs at the same time):

    seed ──► subgraphs (all at once) ──► export SDLs + compose ──► (router restart if changed)
    router (at once, on the committed supergraph) ──► BFFs (started at once, ready after it)

A service that dies during start-up fails the run (exit 1, its last log lines printed); one that
dies after all were ready is restarted with backoff (devstack/supervisor.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from devstack.layout import RunLayout, rotate_log
from devstack.router_config import render_router_config
from devstack.schema_sync import SchemaSync, compose_supergraph, export_served_sdls
from devstack.secrets import identity_secret
from devstack.services import DEV_CONFIG, JWKS_PATH, Service
from devstack.supervisor import ServiceFailed, Supervisor
from servicekit.processes import ManagedProcess, ProcessSpec, port_is_free
from servicekit.topology import PROJECT_ROOT, load_subgraphs

__all__ = ["RunPlan", "busy_ports", "run"]

HOST = "127.0.0.1"
SUBGRAPH_NAMES = {entry.name for entry in load_subgraphs()}  # schema/supergraph.yaml
SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"


@dataclass(frozen=True)
class RunPlan:
    services: list[Service]
    ports: dict[str, int]
    layout: RunLayout
    seed: bool = True
    export: bool = True
    ready_timeout_seconds: float = 120.0


def busy_ports(plan: RunPlan) -> list[str]:
    """One line per port of the run that something else holds already."""
    return [
        f"port {plan.ports[s.name]} ({s.name}) is already in use"
        for s in plan.services
        if not port_is_free(plan.ports[s.name], HOST)
    ]


class _Run:
    def __init__(self, plan: RunPlan, say: Callable[[str], None]) -> None:
        self.plan = plan
        self.say = say
        self.supervisor = Supervisor(say, ready_timeout_seconds=plan.ready_timeout_seconds)
        self.processes: dict[str, ManagedProcess] = {}
        self.client = httpx.AsyncClient()

    def _env(self, service: Service, secret: str) -> dict[str, str]:
        layout = self.plan.layout
        if service.base in SUBGRAPH_NAMES:
            env = {
                f"{service.base.upper()}_DATABASE_URL": layout.store_url(service.base),
                "IDENTITY_HMAC_SECRET": secret,
            }
            if service.base == "accounts":
                env["ACCOUNTS_KEYS_DIR"] = str(layout.keys_dir)
            if service.base == "products":  # issue #18: uploaded images in the data folder
                env["PRODUCTS_IMAGES_DIR"] = str(layout.data_dir / "product-images")
            return env
        if service.base == "router":
            accounts_base = f"http://{HOST}:{self.plan.ports.get('accounts', 9)}"
            config = render_router_config(
                PROJECT_ROOT / DEV_CONFIG,
                layout.router_config,
                accounts_base=accounts_base,
                jwks_path=JWKS_PATH,
            )
            env = {"ROUTER_CONFIG": str(config), "IDENTITY_HMAC_SECRET": secret}
            if service.replica_of:  # behind HAProxy: leave its rotation before closing
                env["ROUTER_DRAIN_SECONDS"] = "3"
            return env
        return {}

    def prepare(self) -> None:
        layout = self.plan.layout
        layout.logs_dir.mkdir(parents=True, exist_ok=True)
        secret = identity_secret(layout.identity_secret_file)
        for service in self.plan.services:
            spec = service.process_spec(
                self.plan.ports, host=HOST, extra_env=self._env(service, secret)
            )
            rotate_log(layout.log(service.name))
            self.processes[service.name] = ManagedProcess(spec, log_path=layout.log(service.name))

    def _announce(self, service: Service) -> None:
        url = service.url(HOST, self.plan.ports[service.name])
        self.say(f"{service.name:<12} {url}")
        for worker in service.workers:
            self.say(f"{'':<12} + {worker}")
        if service.base == "router":
            self.say(f"GraphiQL     {url} (open in a browser)")

    async def _start(self, service: Service) -> None:
        await self.supervisor.start(self.processes[service.name], self.client)
        self._announce(service)

    async def _seed(self, names: list[str]) -> None:
        layout = self.plan.layout
        argv = [sys.executable, "-m", "subgraphs.cli", "seed", *(f"--only={n}" for n in names)]
        env = {f"{n.upper()}_DATABASE_URL": layout.store_url(n) for n in names}
        rotate_log(layout.log("seed"))
        job = ManagedProcess(
            ProcessSpec("seed", argv, "", env=env, cwd=PROJECT_ROOT), log_path=layout.log("seed")
        )
        for line in await self.supervisor.run_job(job, self.plan.ready_timeout_seconds):
            if ":" in line and line.split(":", 1)[0] in names:
                self.say(f"seeded {line}")

    async def _subgraphs_then_schema(self, subgraphs: list[Service], router: bool) -> SchemaSync:
        sync = SchemaSync()
        if self.plan.seed and subgraphs:
            await self._seed([s.name for s in subgraphs if s.replica_of is None])
        await asyncio.gather(*(self._start(s) for s in subgraphs))
        if not self.plan.export:
            return sync
        urls = {s.name: s.url(HOST, self.plan.ports[s.name]) for s in subgraphs if not s.replica_of}
        try:
            await export_served_sdls(urls, self.client, sync)
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
            raise ServiceFailed("SDL export", f"failed: {error!r}", []) from error
        changed = f" ({', '.join(sync.exported)} changed)" if sync.exported else " (unchanged)"
        self.say("SDLs exported" + changed)
        if router:
            await asyncio.to_thread(compose_supergraph, sync)
            if sync.composition_errors:
                raise ServiceFailed("schema compose", "failed", sync.composition_errors)
            self.say("supergraph " + ("recomposed" if sync.supergraph_changed else "unchanged"))
        return sync

    async def start_all(self) -> None:
        """Everything concurrently (see the module docstring); the first failure cancels the
        rest and is raised as :class:`ServiceFailed`."""
        services = self.plan.services
        subgraphs = [s for s in services if s.base in SUBGRAPH_NAMES]
        routers = [s for s in services if s.base == "router"]  # replicas: several
        others = [s for s in services if s.base not in SUBGRAPH_NAMES and s not in routers]
        router_early = bool(routers) and SUPERGRAPH.exists()
        early_router_ready = asyncio.Event()

        async def start_router_early() -> None:
            await asyncio.gather(*(self._start(router) for router in routers))
            early_router_ready.set()

        async def schema_then_router() -> None:
            sync = await self._subgraphs_then_schema(subgraphs, bool(routers))
            if not routers:
                return
            if not router_early:
                await asyncio.gather(*(self._start(router) for router in routers))
            elif sync.supergraph_changed:
                await early_router_ready.wait()
                self.say("router restarting on the recomposed supergraph")
                for router in routers:
                    await self.supervisor.restart(self.processes[router.name], self.client)

        first: ServiceFailed | None = None
        try:
            async with asyncio.TaskGroup() as group:
                if router_early:
                    group.create_task(start_router_early())
                for service in others:
                    group.create_task(self._start(service))
                group.create_task(schema_then_router())
        except* ServiceFailed as failures:
            first = failures.exceptions[0]
        # raised here, not inside except*: before 3.11.4 an exception raised there came out
        # wrapped in an ExceptionGroup (gh-103590), which Debian 12's 3.11.2 still does
        if first is not None:
            raise first from None

    async def supervise(self, stop: asyncio.Event) -> None:
        watchers = [
            asyncio.create_task(self.supervisor.watch(p, self.client))
            for p in self.processes.values()
        ]
        try:
            await stop.wait()
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)


async def _run(plan: RunPlan, say: Callable[[str], None]) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    run = _Run(plan, say)

    def on_signal(signum: signal.Signals) -> None:
        if stop.is_set():
            say(f"{signum.name} again: killing every process now")
            run.supervisor.kill_all()
            return
        say(f"{signum.name} received, stopping")
        run.supervisor.stopping = True
        stop.set()

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for signum in handled:
        loop.add_signal_handler(signum, on_signal, signum)
    began = time.monotonic()
    try:
        run.prepare()
        startup = asyncio.create_task(run.start_all())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({startup, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not startup.done():
            startup.cancel()
            with contextlib.suppress(asyncio.CancelledError, ServiceFailed):
                await startup
            return 0
        try:
            startup.result()
        except ServiceFailed as failure:
            for line in failure.report():
                say(line)
            say("start-up failed; stopping the others")
            return 1
        elapsed = time.monotonic() - began
        say(
            f"all {len(run.processes)} services ready in {elapsed:.1f} s "
            f"(logs in {plan.layout.logs_dir}); Ctrl-C stops them"
        )
        await run.supervise(stop)
        return 0
    finally:
        await run.supervisor.stop_all()
        await run.client.aclose()
        say("stopped")
        for signum in handled:
            loop.remove_signal_handler(signum)


def run(plan: RunPlan, say: Callable[[str], None]) -> int:
    """Run the stack until a signal (exit 0) or a start-up failure (exit 1)."""
    return asyncio.run(_run(plan, say))

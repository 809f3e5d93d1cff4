"""``stack up``: export the SDLs (and compose the supergraph when the router runs), seed the
stores, start every present service on 127.0.0.1, wait for each ``/ready``, print the URLs, and
stop everything on Ctrl-C or SIGTERM.

    stack up [--no-seed] [--only NAME ...] [--port NAME=PORT ...] [--data-dir DIR]
    stack list

The services come from :data:`devstack.services.SERVICES`; one that is not present yet (its
module is missing) is skipped with a message. When a service dies, the others are stopped too.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from devstack.services import DEV_CONFIG, Service, by_name
from router.config import load_config
from servicekit.processes import ManagedProcess
from servicekit.topology import PROJECT_ROOT
from subgraphs.cli import export_sdl, seed
from subgraphs.registry import SUBGRAPHS
from subgraphs.seeding import SeedSizes

__all__ = ["main", "up"]

LOG_DIR = PROJECT_ROOT / "data" / "logs"


def _say(message: str) -> None:
    print(f"stack: {message}", flush=True)


def _ports(overrides: Sequence[str], services: Sequence[Service]) -> dict[str, int]:
    ports = {service.name: service.port for service in services}
    for item in overrides:
        name, _, port = item.partition("=")
        if name not in ports or not port.isdecimal():
            raise SystemExit(f"stack: --port wants NAME=PORT for a known service, got {item!r}")
        ports[name] = int(port)
    return ports


def _database_env(data_dir: Path | None) -> dict[str, dict[str, str]]:
    if data_dir is None:
        return {}
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        name: {f"{name.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / f'{name}.db'}"}
        for name in SUBGRAPHS
    }


def _prepare(services: Sequence[Service], env: dict[str, dict[str, str]], do_seed: bool) -> None:
    """Export the SDLs (what `make sdl` does) and seed the subgraphs' stores in-process."""
    changed = asyncio.run(export_sdl())
    _say("SDLs exported" + (f" ({', '.join(changed)} changed)" if changed else " (unchanged)"))
    if any(s.name == "router" for s in services):
        _compose_supergraph()
    names = [s.name for s in services if s.name in SUBGRAPHS]
    if not do_seed or not names:
        return
    urls = {name: store[f"{name.upper()}_DATABASE_URL"] for name, store in env.items()}
    counts = asyncio.run(seed(SeedSizes(), names, urls))
    for name, tables in counts.items():
        _say(f"seeded {name}: " + ", ".join(f"{t}={n}" for t, n in tables.items()))


def _compose_supergraph() -> None:
    """The router serves schema/supergraph.graphql: compose it from the fresh SDLs first."""
    program = shutil.which("schema", path=str(Path(sys.executable).parent))
    if program is None:
        _say("skipping supergraph composition: `schema` is not installed")
        return
    result = subprocess.run(
        [program, "compose"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    output = (result.stdout + result.stderr).strip()
    _say(
        f"schema compose: {output.splitlines()[-1] if output else 'exit ' + str(result.returncode)}"
    )


def _wait_for_stop(processes: Sequence[ManagedProcess]) -> None:
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        _say(f"{signal.Signals(signum).name} received, stopping")
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stop.wait(0.5):
        dead = [p.spec.name for p in processes if not p.is_running()]
        if dead:
            _say(f"{', '.join(dead)} exited; stopping the others")
            return


def _identity_env(services: Sequence[Service]) -> dict[str, dict[str, str]]:
    """The subgraphs get the secret the dev router signs identity with (config/router.dev.yaml),
    so they trust ``x-user-id`` only when the router signed it and owner-only fields
    (``User.orders``) are enforced in ``make dev`` as in a deployment."""
    secret = load_config(PROJECT_ROOT / DEV_CONFIG).identity_forwarding.effective_secret()
    if not secret:
        return {}
    return {s.name: {"IDENTITY_HMAC_SECRET": secret} for s in services if s.name in SUBGRAPHS}


def up(
    only: Sequence[str] | None = None,
    port_overrides: Sequence[str] = (),
    data_dir: Path | None = None,
    do_seed: bool = True,
) -> int:
    services = []
    for service in by_name(only):
        reason = service.missing()
        if reason:
            _say(f"skipping {service.name}: {reason}")
        else:
            services.append(service)
    ports = _ports(port_overrides, services)
    env = _database_env(data_dir)
    _prepare(services, env, do_seed)
    identity_env = _identity_env(services)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    started: list[ManagedProcess] = []
    try:
        for service in services:
            extra_env = {**env.get(service.name, {}), **identity_env.get(service.name, {})}
            spec = service.process_spec(ports, extra_env=extra_env)
            process = ManagedProcess(spec, log_path=LOG_DIR / f"{service.name}.log")
            started.append(process)
            process.start(ready_timeout_seconds=60)
            _say(f"{service.name:<12} {service.url('127.0.0.1', ports[service.name])}")
            if service.name == "router":
                _say(
                    f"GraphiQL     {service.url('127.0.0.1', ports[service.name])} (open in a browser)"
                )
        _say(f"all {len(started)} services ready (logs in {LOG_DIR}); Ctrl-C stops them")
        _wait_for_stop(started)
    finally:
        for process in reversed(started):
            process.stop()
        _say("stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("up", help="start the whole system (Ctrl-C stops it)")
    run.add_argument("--only", action="append", help="repeatable; default: every service")
    run.add_argument("--port", action="append", default=[], help="NAME=PORT, repeatable")
    run.add_argument("--data-dir", type=Path, help="SQLite stores here instead of data/")
    run.add_argument("--no-seed", action="store_true", help="keep the stores' current data")
    commands.add_parser("list", help="the services and whether they can run here")
    args = parser.parse_args(argv)
    if args.command == "list":
        for service in by_name():
            print(f"{service.name:<12} {service.port:<6} {service.missing() or 'present'}")
        return 0
    return up(args.only, args.port, args.data_dir, not args.no_seed)


if __name__ == "__main__":
    sys.exit(main())

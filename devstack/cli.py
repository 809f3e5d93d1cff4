"""``stack up``: start the whole system on 127.0.0.1 with seeded demo data, print the URLs, keep
it running (a service that dies is restarted with backoff) and stop everything on Ctrl-C.

    stack up [--no-seed] [--no-export] [--only NAME ...] [--port NAME=PORT ...] [--data-dir DIR]
             [--replicas router=2,bff_web=2,products=2]   (devstack/replicas.py: HAProxy in front)
    stack list
    stack env-file [--output .env]

Every URL a service is given (subgraphs, router, JWKS, BFFs' router) comes from one port map
(the defaults of devstack/services.py plus ``--port``); stores, logs, keys and the generated
identity secret live under the data folder (devstack/layout.py). Services whose module is not
present yet are skipped with a message. Exit status: 0 after Ctrl-C/SIGTERM, 1 when a port is
taken or a service fails to start (its last log lines are printed), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from devstack.layout import DEFAULT_DATA_DIR, RunLayout
from devstack.replicas import (
    BALANCED,
    HAPROXY_PORT,
    expand_replicas,
    haproxy_service,
    parse_replicas,
)
from devstack.secrets import write_env_file
from devstack.services import Service, by_name
from devstack.up import RunPlan, busy_ports, run
from servicekit.topology import PROJECT_ROOT

__all__ = ["main", "up"]


def _say(message: str) -> None:
    print(f"stack: {message}", flush=True)


def _ports(overrides: Sequence[str], services: Sequence[Service]) -> dict[str, int]:
    ports = {service.name: service.port for service in services}
    for item in overrides:
        name, _, port = item.partition("=")
        if name not in ports or not port.isdecimal() or not 0 < int(port) < 65536:
            raise SystemExit(
                f"stack: --port wants NAME=PORT for a service of this run, got {item!r}"
            )
        ports[name] = int(port)
    return ports


def up(
    only: Sequence[str] | None = None,
    port_overrides: Sequence[str] = (),
    *,
    data_dir: Path | None = None,
    do_seed: bool = True,
    export: bool = True,
    ready_timeout_seconds: float = 120.0,
    replicas: Sequence[str] = (),
) -> int:
    services = []
    try:
        selected = by_name(only)
    except KeyError as error:
        raise SystemExit(f"stack: {error.args[0]}") from None
    for service in selected:
        reason = service.missing()
        if reason:
            _say(f"skipping {service.name}: {reason}")
        else:
            services.append(service)
    layout = RunLayout((data_dir or DEFAULT_DATA_DIR).resolve())
    try:
        counts = parse_replicas(replicas, [s.name for s in services])
        processes = expand_replicas(services, counts)
        named = {s.name: s for s in [*services, *processes]}
        if any(s.replica_of in BALANCED for s in processes):
            named["haproxy"] = Service("haproxy", "devstack.haproxy", ("haproxy",), HAPROXY_PORT)
        ports = _ports(port_overrides, list(named.values()))
        front = haproxy_service(processes, ports, layout.data_dir / "haproxy.cfg")
    except (ValueError, RuntimeError) as error:
        raise SystemExit(f"stack: {error}") from None
    if front is not None:
        processes.append(front)
        balanced = [name for name in BALANCED if counts.get(name, 1) > 1]
        _say(
            f"HAProxy in front of {', '.join(balanced)} (stats: http://127.0.0.1:{front.port}/stats)"
        )
    plan = RunPlan(
        processes,
        ports,
        layout,
        seed=do_seed,
        export=export,
        ready_timeout_seconds=ready_timeout_seconds,
    )
    busy = busy_ports(plan)
    if busy:
        for line in busy:
            _say(line)
        _say("nothing started: stop the other stack, or move ports with --port NAME=PORT")
        return 1
    return run(plan, _say)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the whole system (Ctrl-C stops it)")
    start.add_argument("--only", action="append", help="repeatable; default: every service")
    start.add_argument("--port", action="append", default=[], help="NAME=PORT, repeatable")
    start.add_argument(
        "--data-dir", type=Path, help="stores, logs, keys and secrets here instead of data/"
    )
    start.add_argument("--no-seed", action="store_true", help="keep the stores' current data")
    start.add_argument(
        "--no-export",
        action="store_true",
        help="serve the committed SDLs and supergraph (no export/compose into schema/)",
    )
    start.add_argument("--ready-timeout", type=float, default=120.0, help="seconds per service")
    start.add_argument(
        "--replicas",
        action="append",
        default=[],
        help="NAME=N[,NAME=N]: N processes of a service; HAProxy in front of router/BFF replicas",
    )
    commands.add_parser("list", help="the services and whether they can run here")
    env_file = commands.add_parser("env-file", help="write compose's git-ignored .env")
    env_file.add_argument("--output", type=Path, default=PROJECT_ROOT / ".env")
    args = parser.parse_args(argv)
    if args.command == "list":
        for service in by_name():
            print(f"{service.name:<12} {service.port:<6} {service.missing() or 'present'}")
        return 0
    if args.command == "env-file":
        keys = write_env_file(args.output)
        print(f"wrote {args.output} (mode 0600) with fresh {', '.join(keys)}")
        return 0
    return up(
        args.only,
        args.port,
        data_dir=args.data_dir,
        do_seed=not args.no_seed,
        export=not args.no_export,
        ready_timeout_seconds=args.ready_timeout,
        replicas=args.replicas,
    )


if __name__ == "__main__":
    sys.exit(main())

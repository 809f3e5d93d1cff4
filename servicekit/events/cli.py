"""``events``: the dead-letter store of a service (``dlq list``, ``dlq replay``) and the
AsyncAPI document of every contract (``asyncapi [--check]``).

The store is ``--database-url`` or ``EVENTS_DATABASE_URL`` (the service's own store, e.g.
``sqlite+aiosqlite:///data/inventory.db``); the broker and namespace are ``EVENTS_BROKER_URL``
and ``EVENTS_NAMESPACE`` as for the services.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from servicekit.events.dlq import dead_letters, replay
from servicekit.events.settings import EventSettings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dlq = commands.add_parser("dlq", help="the dead-letter store of one service")
    dlq_commands = dlq.add_subparsers(dest="action", required=True)
    for name in ("list", "replay"):
        sub = dlq_commands.add_parser(name)
        sub.add_argument("--database-url", default=os.environ.get("EVENTS_DATABASE_URL", ""))
        if name == "list":
            sub.add_argument("--all", action="store_true", help="include replayed letters")
        else:
            which = sub.add_mutually_exclusive_group(required=True)
            which.add_argument("--all", action="store_true")
            which.add_argument("--id", type=int, action="append", dest="ids")
    asyncapi = commands.add_parser("asyncapi", help="write or check schema/asyncapi.yaml")
    asyncapi.add_argument("--check", action="store_true")
    return parser


async def _dlq(args: argparse.Namespace) -> int:
    if not args.database_url:
        print("events dlq: give --database-url or EVENTS_DATABASE_URL", file=sys.stderr)
        return 2
    engine = create_async_engine(args.database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        if args.action == "list":
            letters = await dead_letters(sessions, include_replayed=args.all)
            if not letters:
                print("no dead letters")
            for d in letters:
                replayed = d.replayed_at.isoformat() if d.replayed_at else "-"
                fields = [d.id, d.event_id, d.event_type, d.consumer_group, d.attempts]
                fields += [d.failed_at.isoformat(), replayed, d.error]
                print("\t".join(str(f) for f in fields))
            return 0
        from servicekit.events.bus import EventBus

        settings = EventSettings()
        bus = EventBus(settings.broker_url, settings.namespace)
        await bus.broker.connect()
        try:
            done = await replay(sessions, bus, None if args.all else args.ids)
        finally:
            await bus.stop()
        print(f"replayed {len(done)}: {', '.join(str(i) for i in done)}")
        return 0
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "asyncapi":
        from servicekit.events.asyncapi import check_or_write

        return check_or_write(check=args.check)
    return asyncio.run(_dlq(args))


if __name__ == "__main__":
    sys.exit(main())

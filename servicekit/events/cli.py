"""``events``: the dead letters on the broker (``dlq list``, ``dlq replay``) and the AsyncAPI
document of every contract (``asyncapi [--check]``).

The broker and namespace are ``--broker-url`` / ``--namespace`` or ``EVENTS_BROKER_URL`` and
``EVENTS_NAMESPACE``, as for the services: one command sees every service's dead letters.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from servicekit.events.settings import EventSettings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dlq = commands.add_parser("dlq", help="the dead letters on the broker")
    dlq_commands = dlq.add_subparsers(dest="action", required=True)
    settings = EventSettings()
    for name in ("list", "replay"):
        sub = dlq_commands.add_parser(name)
        sub.add_argument("--broker-url", default=settings.broker_url)
        sub.add_argument("--namespace", default=settings.namespace)
        if name == "replay":
            which = sub.add_mutually_exclusive_group(required=True)
            which.add_argument("--all", action="store_true")
            which.add_argument(
                "--id", action="append", dest="ids", help="<group>:<event id>, or an event id"
            )
    asyncapi = commands.add_parser("asyncapi", help="write or check schema/asyncapi.yaml")
    asyncapi.add_argument("--check", action="store_true")
    return parser


async def _dlq(args: argparse.Namespace) -> int:
    from servicekit.events.bus import EventBus
    from servicekit.events.dlq import dead_letters, replay

    bus = EventBus(args.broker_url, args.namespace)
    await bus.broker.connect()
    try:
        if args.action == "list":
            letters = await dead_letters(bus)
            if not letters:
                print("no dead letters")
            for d in letters:
                fields = [d.id, d.event_type, d.attempts, d.failed_at, d.destination, d.reason]
                print("\t".join(str(f) for f in fields))
            return 0
        done = await replay(bus, None if args.all else args.ids)
        print(f"replayed {len(done)}: {', '.join(d.id for d in done)}")
        return 0
    finally:
        await bus.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "asyncapi":
        from servicekit.events.asyncapi import check_or_write

        return check_or_write(check=args.check)
    return asyncio.run(_dlq(args))


if __name__ == "__main__":
    sys.exit(main())

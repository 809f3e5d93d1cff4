"""``router pq list|show|diff``: read Apollo persisted query manifests from the command line.

- ``router pq list [MANIFEST|URL ...] [--config router.yaml [--client NAME]]``: one line per
  operation (``id  type  name  source``); with ``--config``, the manifests the router would
  load (every client's, or one client's: the shared ones plus its own), and each client's policy.
- ``router pq show ID|NAME [sources as for list]``: the operation's id, name, type, source and
  body (exit 1 when no manifest has it).
- ``router pq diff OLD NEW``: operations added, removed, and changed (same name, another body),
  by name; exit 0 when they list the same operations, 1 when they differ, as ``diff`` does.

A manifest that cannot be read or is not in Apollo's format exits 2 with its name.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from router.trusted.manifest import Manifest, ManifestError, TrustedOperation, load_manifest
from router.trusted.settings import PersistedQueriesSettings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="router pq", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "show"):
        command = commands.add_parser(name)
        if name == "show":
            command.add_argument("operation", help="an operation id or name")
        command.add_argument("manifests", nargs="*", help="manifest files or http(s) URLs")
        command.add_argument("--config", type=Path, help="read the router config's manifests")
        command.add_argument("--client", help="with --config: only this client's manifests")
    diff = commands.add_parser("diff")
    diff.add_argument("old")
    diff.add_argument("new")
    return parser


def _settings(path: Path) -> PersistedQueriesSettings:
    import yaml

    document = yaml.safe_load(path.read_text()) or {}
    section = document.get("persisted_queries") or {}
    return PersistedQueriesSettings.model_validate(section)


def _sources(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The manifest sources to read, and the policy lines to print first."""
    sources = list(args.manifests)
    policies: list[str] = []
    if args.config is not None:
        settings = _settings(args.config)
        sources += settings.manifests
        policies.append(
            f"# default: {settings.policy}" + (" require_id" if settings.require_id else "")
        )
        for client, policy in settings.clients.items():
            if args.client is not None and client != args.client:
                continue
            sources += policy.manifests
            line = f"# client {client}: {policy.policy}" + (
                " require_id" if policy.require_id else ""
            )
            policies.append(line)
    return list(dict.fromkeys(sources)), policies


def _load(sources: Sequence[str]) -> list[Manifest]:
    return [load_manifest(source) for source in sources]


def _list(args: argparse.Namespace) -> int:
    sources, policies = _sources(args)
    for line in policies:
        print(line)
    for manifest in _load(sources):
        for op in manifest.operations:
            print(f"{op.id}  {op.type:<12} {op.name or '-'}  {manifest.source}")
    return 0


def _show(args: argparse.Namespace) -> int:
    sources, _ = _sources(args)
    for manifest in _load(sources):
        for op in manifest.operations:
            if args.operation in (op.id, op.name):
                print(f"id: {op.id}\nname: {op.name}\ntype: {op.type}\nsource: {manifest.source}")
                print(f"\n{op.body}")
                return 0
    print(f"router pq: no operation {args.operation!r} in {', '.join(sources)}", file=sys.stderr)
    return 1


def _by_name(manifest: Manifest) -> dict[str, TrustedOperation]:
    return {op.name or op.id: op for op in manifest.operations}


def _diff(args: argparse.Namespace) -> int:
    old, new = (_by_name(m) for m in _load([args.old, args.new]))
    lines = [f"+ {name}  {new[name].id}" for name in sorted(new.keys() - old.keys())]
    lines += [f"- {name}  {old[name].id}" for name in sorted(old.keys() - new.keys())]
    lines += [
        f"~ {name}  {old[name].id} -> {new[name].id}"
        for name in sorted(old.keys() & new.keys())
        if (old[name].id, old[name].body, old[name].type)
        != (new[name].id, new[name].body, new[name].type)
    ]
    for line in lines:
        print(line)
    print(f"{len(lines)} difference(s)" if lines else "no differences")
    return 1 if lines else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``router pq`` command; the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list(args)
        if args.command == "show":
            return _show(args)
        return _diff(args)
    except (ManifestError, OSError, ValidationError) as error:
        print(f"router pq: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

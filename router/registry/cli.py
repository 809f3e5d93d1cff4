"""The ``schema`` console script: ``compose``, ``check --against REF|FILE``, ``publish``;
``check``/``publish --registry URL [--subgraph NAME ...]`` talk to the registry service instead.

Human output by default, ``--format json`` for machines. Exit codes: 0 ok, 1 a check failed
(composition errors, stale supergraph, a breaking change that breaks a persisted operation),
2 a usage or input error (unreadable config, unknown ref, bad manifest).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from router.composition import compose
from router.registry.check import CheckReport, run_check
from router.registry.history import latest_version_path, publish
from router.registry.remote import run_remote
from router.registry.sources import SUPERGRAPH_PATH, InputError, load_subgraph_inputs
from servicekit.topology import PROJECT_ROOT

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schema", description=__doc__)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project directory")
    parser.add_argument("--format", choices=("human", "json"), default="human")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("compose", help="compose the subgraphs into schema/supergraph.graphql")
    check = commands.add_parser("check", help="registry checks against a git ref or a file")
    check.add_argument("--against", default="HEAD~1", help="git ref or supergraph file")
    publish_parser = commands.add_parser("publish", help="check, then record in schema/history/")
    publish_parser.add_argument(
        "--against", default=None, help="git ref or file (default: the last published version)"
    )
    for sub in (check, publish_parser):
        sub.add_argument(
            "--registry", default=None, help="registry service URL (token: $REGISTRY_TOKEN)"
        )
        sub.add_argument(
            "--subgraph", action="append", default=[], help="with --registry: only these"
        )
    return parser


def _emit(fmt: str, data: dict[str, object], lines: list[str]) -> None:
    print(json.dumps(data, indent=2) if fmt == "json" else "\n".join(lines))


def _compose(root: Path, fmt: str) -> int:
    result = compose(load_subgraph_inputs(root))
    if not result.ok or result.supergraph_sdl is None:
        lines = ["composition failed:"] + [f"  {e.code}: {e.message}" for e in result.errors]
        _emit(fmt, {"ok": False, "errors": [e.as_dict() for e in result.errors]}, lines)
        return 1
    target = root / SUPERGRAPH_PATH
    target.write_text(result.supergraph_sdl)
    _emit(fmt, {"ok": True, "path": str(target)}, [f"wrote {target}"])
    return 0


def _human(report: CheckReport) -> list[str]:
    lines = [f"  {e.code}: {e.message}" for e in report.composition_errors]
    if report.composition_errors:
        lines.insert(0, "composition failed:")
    if report.stale:
        lines.append(f"{SUPERGRAPH_PATH} is stale: run `schema compose` and commit it")
    lines += [f"note: {note}" for note in report.notes]
    for change in report.breaking:
        users = ", ".join(change.operations) if change.operations else "no persisted operation"
        lines.append(f"breaking: {change.description} [{change.kind}] used by: {users}")
    lines += [f"dangerous: {c.description} [{c.kind}]" for c in report.dangerous]
    lines += [f"safe: {c.description} [{c.kind}]" for c in report.safe]
    lines += [f"broken operation: {line}" for line in report.broken_operations]
    lines += [f"warning: {warning}" for warning in report.warnings]
    if report.skipped_operations:
        lines.append(
            f"note: {report.skipped_operations} persisted operations of client manifests do not"
            " target this schema (they target a BFF's)"
        )
    lines.append("check passed" if report.passed else "check FAILED")
    return lines


def _check(root: Path, fmt: str, against: str) -> int:
    report = run_check(root, against)
    _emit(fmt, report.as_dict(), _human(report))
    return 0 if report.passed else 1


def _publish(root: Path, fmt: str, against: str | None) -> int:
    if against is None:
        latest = latest_version_path(root)
        against = str(latest) if latest is not None else "HEAD"
    report = run_check(root, against)
    if not report.passed:
        _emit(fmt, {"published": False, **report.as_dict()}, [*_human(report), "not published"])
        return 1
    result = publish(root, report, against)
    verb = "published" if result.created else "already published as"
    _emit(
        fmt,
        {"published": result.created, "version": result.version, "path": str(result.path)},
        [*_human(report), f"{verb} version {result.version}: {result.path}"],
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``schema`` console script; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    root = args.root.resolve()
    try:
        if args.command == "compose":
            return _compose(root, args.format)
        if args.registry:
            return run_remote(root, args.registry, args.command, args.subgraph, args.format)
        if args.command == "check":
            return _check(root, args.format, args.against)
        return _publish(root, args.format, args.against)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

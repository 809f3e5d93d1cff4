"""``schema check``: the checks a schema registry runs on a proposed change.

1. Compose the proposed subgraph SDLs (a composition error fails the check, with its code).
2. The committed ``schema/supergraph.graphql`` must be what composition produces (else stale).
3. Compare the new API schema with the registered one with graphql-core's
   ``find_breaking_changes`` / ``find_dangerous_changes`` (and list the safe additions,
   :mod:`router.registry.additions`); each breaking change lists the
   persisted operations it breaks. A break no persisted operation uses passes with a warning;
   one that breaks an operation fails and names it. No registered supergraph: pass, say so.
4. Client manifests ``schema/persisted/<client>.json`` with an exported BFF schema
   ``schema/bff/<client>.graphql`` are validated against it instead: an operation it does not
   validate fails the check, attributed to the BFF schema's breaking changes since ``against``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

from router.composition import CompositionError, SubgraphInput, compose
from router.registry.additions import find_additions
from router.registry.api import api_schema
from router.registry.operations import (
    BrokenOperation,
    PersistedOperation,
    broken_operations,
    invalid_operations,
    load_operations,
)
from router.registry.sources import (
    BFF_SCHEMA_DIR,
    SUPERGRAPH_PATH,
    InputError,
    load_subgraph_inputs,
    read_at_ref,
    read_registered,
)

__all__ = ["ChangeReport", "CheckReport", "check_subgraphs", "run_check"]

_PATTERNS = (
    (re.compile(r"^(\w+)\.(\w+) arg (\w+)"), "{0}.{1}({2}:)"),
    (re.compile(r"on (\w+)\.(\w+) was added"), "{0}.{1}"),
    (re.compile(r"^(\w+\.\w+)"), "{0}"),
    (re.compile(r"(?:enum|union|input) type (\w+)"), "{0}"),
    (re.compile(r"^(\w+)"), "{0}"),
)


def change_coordinate(description: str) -> str:
    """The schema coordinate a graphql-core change description is about."""
    for pattern, template in _PATTERNS:
        match = pattern.search(description)
        if match:
            return template.format(*match.groups())
    return description


@dataclass
class ChangeReport:
    kind: str
    description: str
    coordinate: str
    operations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "description": self.description,
            "coordinate": self.coordinate,
            "operations": self.operations,
        }


@dataclass
class CheckReport:
    """Everything ``schema check`` found; ``passed`` decides the exit code."""

    composition_errors: list[CompositionError] = field(default_factory=list)
    supergraph_sdl: str | None = None
    stale: bool = False
    registered_source: str = ""
    notes: list[str] = field(default_factory=list)
    breaking: list[ChangeReport] = field(default_factory=list)
    dangerous: list[ChangeReport] = field(default_factory=list)
    safe: list[ChangeReport] = field(default_factory=list)
    broken_operations: list[str] = field(default_factory=list)
    skipped_operations: int = 0

    @property
    def passed(self) -> bool:
        return not (self.composition_errors or self.stale or self.broken_operations)

    @property
    def warnings(self) -> list[str]:
        return [
            f"breaking change {c.description} (no persisted operation uses {c.coordinate})"
            for c in self.breaking
            if not c.operations
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "composition_errors": [e.as_dict() for e in self.composition_errors],
            "stale": self.stale,
            "registered": self.registered_source,
            "notes": self.notes,
            "breaking": [c.as_dict() for c in self.breaking],
            "dangerous": [c.as_dict() for c in self.dangerous],
            "safe": [c.as_dict() for c in self.safe],
            "broken_operations": self.broken_operations,
            "skipped_operations": self.skipped_operations,
            "warnings": self.warnings,
        }


def _label(broken: BrokenOperation) -> str:
    operation = broken.operation
    return f"{operation.name} ({operation.manifest}, id {operation.id[:12]})"


def _bff_schema_path(root: Path, operation: PersistedOperation) -> Path | None:
    """The exported BFF schema a client manifest targets, when there is one."""
    if operation.targets_router:
        return None
    path = root / BFF_SCHEMA_DIR / f"{operation.manifest.removesuffix('.json')}.graphql"
    return path if path.is_file() else None


def _bff_schema(sdl: str, source: str) -> GraphQLSchema:
    try:
        return build_schema(sdl)
    except (GraphQLError, TypeError) as error:
        raise InputError(f"{source}: not a usable BFF schema: {error}") from error


def _check_bff(
    report: CheckReport, root: Path, against: str, operations: list[PersistedOperation]
) -> None:
    """Client manifests against their BFF's exported schema (and its changes since ``against``)."""
    for path in sorted({p for op in operations if (p := _bff_schema_path(root, op))}):
        relative = f"{BFF_SCHEMA_DIR}/{path.name}"
        new = _bff_schema(path.read_text(), relative)
        old_sdl = read_at_ref(root, against, relative)
        old = _bff_schema(old_sdl, f"{against}:{relative}") if old_sdl is not None else new
        mine = [op for op in operations if _bff_schema_path(root, op) == path]
        broken = invalid_operations(mine, new, old)
        for change in find_breaking_changes(old, new):
            coordinate = change_coordinate(change.description)
            users = [_label(b) for b in broken if coordinate in b.coordinates]
            report.breaking.append(
                ChangeReport(
                    change.type.name, f"{relative}: {change.description}", coordinate, users
                )
            )
        for item in broken:
            report.broken_operations.append(f"{_label(item)}: {'; '.join(item.errors)}")


def _compare(
    report: CheckReport,
    old_sdl: str,
    new_sdl: str,
    source: str,
    operations: list[PersistedOperation],
    *,
    only_previously_valid: bool = False,
) -> None:
    old, new = api_schema(old_sdl, source), api_schema(new_sdl, "the composed supergraph")
    broken, report.skipped_operations = broken_operations(
        operations, old, new, only_previously_valid=only_previously_valid
    )
    for change in find_breaking_changes(old, new):
        coordinate = change_coordinate(change.description)
        users = [_label(b) for b in broken if coordinate in b.coordinates]
        report.breaking.append(
            ChangeReport(change.type.name, change.description, coordinate, users)
        )
    for dangerous in find_dangerous_changes(old, new):
        report.dangerous.append(
            ChangeReport(
                dangerous.type.name, dangerous.description, change_coordinate(dangerous.description)
            )
        )
    for kind, coordinate in find_additions(old, new):
        report.safe.append(ChangeReport(kind, f"{coordinate} was added.", coordinate))
    for item in broken:
        report.broken_operations.append(f"{_label(item)}: {'; '.join(item.errors)}")


def run_check(root: Path, against: str) -> CheckReport:
    """Run every check for the repository at ``root`` against ``against`` (ref or file)."""
    report = CheckReport()
    result = compose(load_subgraph_inputs(root))
    if not result.ok or result.supergraph_sdl is None:
        report.composition_errors = list(result.errors)
        return report
    report.supergraph_sdl = result.supergraph_sdl
    committed = root / SUPERGRAPH_PATH
    if not committed.is_file() or committed.read_text() != result.supergraph_sdl:
        report.stale = True
    registered = read_registered(root, against)
    report.registered_source = registered.source
    operations = load_operations(root / "schema" / "persisted")
    _check_bff(report, root, against, operations)
    if registered.sdl is None:
        report.notes.append(f"no registered supergraph: {registered.note}; nothing to compare")
        return report
    rest = [op for op in operations if _bff_schema_path(root, op) is None]
    _compare(report, registered.sdl, result.supergraph_sdl, registered.source, rest)
    return report


def check_subgraphs(
    subgraphs: list[SubgraphInput],
    registered_sdl: str | None,
    registered_source: str,
    operations: list[PersistedOperation],
) -> CheckReport:
    """The registry service's check of a publish (:mod:`router.registry.service`): compose
    ``subgraphs`` and compare with the registered supergraph like :func:`run_check`, without the
    repository's files. The registry grows one subgraph at a time, so an operation that did not
    validate against the registered supergraph either (it needs a subgraph not published yet)
    is not broken by this change, whatever manifest it comes from."""
    report = CheckReport(registered_source=registered_source)
    result = compose(subgraphs)
    if not result.ok or result.supergraph_sdl is None:
        report.composition_errors = list(result.errors)
        return report
    report.supergraph_sdl = result.supergraph_sdl
    if registered_sdl is None:
        report.notes.append("no registered supergraph yet; nothing to compare")
        return report
    _compare(
        report,
        registered_sdl,
        result.supergraph_sdl,
        registered_source,
        operations,
        only_previously_valid=True,
    )
    return report

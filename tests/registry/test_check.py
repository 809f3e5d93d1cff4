"""``schema check``: composition, staleness, breaking changes and the persisted operations they break.

Each test works in a temporary git repository (tests/registry/support.py), never this repo's
history, and compares the whole output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.registry.support import ACCOUNTS, REVIEWS, Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project(tmp_path)
    assert project.schema("compose") == 0
    project.commit("v1")
    return project


def _propose(project: Project, subgraph: str, sdl: str, capsys: pytest.CaptureFixture[str]) -> None:
    project.write(subgraph, sdl)
    assert project.schema("compose") == 0
    capsys.readouterr()


def test_first_commit_has_nothing_registered(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert project.schema("check", "--against", "HEAD~1") == 0
    assert capsys.readouterr().out.splitlines() == [
        "note: no registered supergraph: HEAD~1 does not exist yet (first commit); nothing to compare",
        "check passed",
    ]


def test_unchanged_schema_passes(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert project.schema("check", "--against", "HEAD") == 0
    assert capsys.readouterr().out.splitlines() == [
        "note: 1 persisted operations of client manifests do not target this schema (they target a BFF's)",
        "check passed",
    ]


def test_removing_a_field_an_operation_uses_fails_naming_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _propose(project, "accounts", ACCOUNTS.replace("  name: String!\n", ""), capsys)

    assert project.schema("check", "--against", "HEAD") == 1
    assert capsys.readouterr().out.splitlines() == [
        "breaking: User.name was removed. [FIELD_REMOVED] used by: UserName (web.json, id"
        " 000000000000), LatestReviews (web.json, id 000000000000)",
        "broken operation: UserName (web.json, id 000000000000): Cannot query field 'name' on type 'User'.",
        "broken operation: LatestReviews (web.json, id 000000000000): Cannot query field 'name' on type 'User'.",
        "note: 1 persisted operations of client manifests do not target this schema (they target a BFF's)",
        "check FAILED",
    ]


def test_removing_an_unused_field_passes_with_a_warning(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _propose(project, "accounts", ACCOUNTS.replace("  nickname: String\n", ""), capsys)

    assert project.schema("check", "--against", "HEAD") == 0
    assert capsys.readouterr().out.splitlines() == [
        "breaking: User.nickname was removed. [FIELD_REMOVED] used by: no persisted operation",
        "warning: breaking change User.nickname was removed. (no persisted operation uses User.nickname)",
        "note: 1 persisted operations of client manifests do not target this schema (they target a BFF's)",
        "check passed",
    ]


def test_changing_an_argument_type_fails(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _propose(
        project, "reviews", REVIEWS.replace("reviews(first: Int)", "reviews(first: String)"), capsys
    )

    assert project.schema("--format", "json", "check", "--against", "HEAD") == 1
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "passed": False,
        "composition_errors": [],
        "stale": False,
        "registered": "HEAD:schema/supergraph.graphql",
        "notes": [],
        "breaking": [
            {
                "type": "ARG_CHANGED_KIND",
                "description": "Query.reviews arg first has changed type from Int to String.",
                "coordinate": "Query.reviews(first:)",
                "operations": ["LatestReviews (web.json, id 000000000000)"],
            }
        ],
        "dangerous": [],
        "safe": [],
        "broken_operations": [
            "LatestReviews (web.json, id 000000000000): String cannot represent a non string value: 5"
        ],
        "skipped_operations": 1,
        "warnings": [],
    }


def test_adding_an_optional_argument_passes(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _propose(
        project,
        "reviews",
        REVIEWS.replace("reviews(first: Int)", "reviews(first: Int, after: String)"),
        capsys,
    )

    assert project.schema("check", "--against", "HEAD") == 0
    assert capsys.readouterr().out.splitlines() == [
        "dangerous: An optional arg after on Query.reviews was added. [OPTIONAL_ARG_ADDED]",
        "note: 1 persisted operations of client manifests do not target this schema (they target a BFF's)",
        "check passed",
    ]


def test_additions_are_listed_as_safe_changes(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _propose(
        project,
        "accounts",
        ACCOUNTS.replace("  nickname: String\n", "  nickname: String\n  bio: String\n"),
        capsys,
    )

    assert project.schema("check", "--against", "HEAD") == 0
    assert capsys.readouterr().out.splitlines() == [
        "safe: User.bio was added. [FIELD_ADDED]",
        "note: 1 persisted operations of client manifests do not target this schema (they target a BFF's)",
        "check passed",
    ]


def test_composition_error_fails_with_its_code(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        "reviews", REVIEWS.replace("  reviewCount: Int!\n", "  reviewCount: Int!\n  name: Int\n")
    )

    assert project.schema("check", "--against", "HEAD") == 1
    assert capsys.readouterr().out.splitlines() == [
        "composition failed:",
        '  FIELD_TYPE_MISMATCH: Type of field "User.name" is incompatible across subgraphs: it has'
        ' type "String!" in subgraph "accounts" but type "Int" in subgraph "reviews"',
        '  INVALID_FIELD_SHARING: Non-shareable field "User.name" is resolved from multiple subgraphs:'
        ' it is resolved from subgraphs "accounts" and "reviews" and defined as non-shareable in all of them',
        "check FAILED",
    ]


def test_stale_committed_supergraph_fails(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        "accounts", ACCOUNTS.replace("  nickname: String\n", "  nickname: String\n  bio: String\n")
    )
    capsys.readouterr()

    assert project.schema("check", "--against", "HEAD") == 1
    assert capsys.readouterr().out.splitlines() == [
        "schema/supergraph.graphql is stale: run `schema compose` and commit it",
        "safe: User.bio was added. [FIELD_ADDED]",
        "note: 1 persisted operations of client manifests do not target this schema (they target a BFF's)",
        "check FAILED",
    ]


def test_against_a_file(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registered = tmp_path / "registered.graphql"
    registered.write_text((project.root / "schema" / "supergraph.graphql").read_text())
    _propose(project, "accounts", ACCOUNTS.replace("  nickname: String\n", ""), capsys)

    assert project.schema("check", "--against", str(registered)) == 0
    assert "breaking: User.nickname was removed." in capsys.readouterr().out


def test_unknown_ref_is_a_usage_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert project.schema("check", "--against", "no-such-branch") == 2
    assert capsys.readouterr().err == "error: no-such-branch is neither a file nor a git ref\n"

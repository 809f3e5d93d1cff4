"""``schema publish``: a passing check is recorded in schema/history/, a failing one is not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.registry.support import ACCOUNTS, Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project(tmp_path / "repo")
    assert project.schema("compose") == 0
    project.commit("v1")
    return project


def _changelog(project: Project) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = json.loads(
        (project.root / "schema" / "history" / "changelog.json").read_text()
    )
    for entry in entries:
        entry.pop("published_at")
        entry.pop("sha256")
    return entries


def test_publish_records_versions_and_their_changes(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert project.schema("publish") == 0
    project.write("accounts", ACCOUNTS.replace("  nickname: String\n", ""))
    assert project.schema("compose") == 0
    capsys.readouterr()

    assert project.schema("publish") == 0

    history = project.root / "schema" / "history"
    supergraph = (project.root / "schema" / "supergraph.graphql").read_text()
    assert sorted(p.name for p in history.iterdir()) == [
        "changelog.json",
        "v0001.graphql",
        "v0002.graphql",
    ]
    assert (history / "v0002.graphql").read_text() == supergraph
    assert _changelog(project) == [
        {
            "version": 1,
            "file": "v0001.graphql",
            "checked_against": "HEAD",
            "breaking": [],
            "dangerous": [],
            "notes": [],
        },
        {
            "version": 2,
            "file": "v0002.graphql",
            "checked_against": str(history / "v0001.graphql"),
            "breaking": ["User.nickname was removed."],
            "dangerous": [],
            "notes": [],
        },
    ]
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "check passed",
        f"published version 2: {history / 'v0002.graphql'}",
    ]


def test_publishing_the_same_supergraph_twice_records_it_once(project: Project) -> None:
    assert project.schema("publish") == 0
    assert project.schema("publish") == 0

    assert [e["version"] for e in _changelog(project)] == [1]


def test_failing_check_is_not_published(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("accounts", ACCOUNTS.replace("  name: String!\n", ""))
    assert project.schema("compose") == 0
    capsys.readouterr()

    assert project.schema("publish", "--against", "HEAD") == 1

    assert not (project.root / "schema" / "history").exists()
    assert capsys.readouterr().out.splitlines()[-2:] == ["check FAILED", "not published"]

"""``schema`` CLI surface: compose output, JSON errors and the usage/input exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from router.registry.cli import main
from tests.registry.support import ACCOUNTS, Project


def test_compose_writes_the_supergraph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = Project(tmp_path)

    assert project.schema("--format", "json", "compose") == 0

    target = tmp_path / "schema" / "supergraph.graphql"
    assert json.loads(capsys.readouterr().out) == {"ok": True, "path": str(target)}
    assert target.read_text().startswith(
        'schema\n  @link(url: "https://specs.apollo.dev/link/v1.0")\n'
    )


def test_compose_failure_is_exit_1_with_the_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Project(tmp_path)
    project.write("accounts", ACCOUNTS.replace('@key(fields: "id")', '@key(fields: "uuid")'))

    assert project.schema("--format", "json", "compose") == 1

    assert json.loads(capsys.readouterr().out) == {
        "ok": False,
        "errors": [
            {
                "code": "KEY_INVALID_FIELDS",
                "message": '[accounts] On type "User", for @key(fields: "uuid"): Cannot query field'
                ' "uuid" on type "User" (the field should either be added to this subgraph or, if it'
                " should not be resolved by this subgraph, you need to add it to this subgraph with"
                " @external).",
                "subgraphs": ["accounts"],
                "element": "User",
            }
        ],
    }
    assert not (tmp_path / "schema" / "supergraph.graphql").exists()


def test_missing_config_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path), "compose"]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read the subgraphs from ")


def test_missing_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "the following arguments are required: command" in capsys.readouterr().err

"""``schema check`` protects the BFFs' router operations (``schema/persisted/bff-*.router.json``)
and the client documents (``schema/persisted/<client>.json``, against ``schema/bff/<client>.graphql``).

Works on a temporary git copy of this repository's ``schema/`` folder: removing a field a BFF
selects from the router, or a BFF field a client document uses, must fail the check and name the
operations that use it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from router.registry.cli import main
from servicekit.topology import PROJECT_ROOT


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _label(root: Path, manifest: str, name: str) -> str:
    document = json.loads((root / "schema" / "persisted" / manifest).read_text())
    (operation,) = [op for op in document["operations"] if op["name"] == name]
    return f"{name} ({manifest}, id {operation['id'][:12]})"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(
        PROJECT_ROOT / "schema", tmp_path / "schema", ignore=shutil.ignore_patterns("history")
    )
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    return tmp_path


def test_unchanged_schemas_pass_with_every_manifest_checked(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(copy), "check", "--against", "HEAD"]) == 0
    assert capsys.readouterr().out.splitlines() == ["check passed"]


def test_a_bff_schema_change_that_breaks_a_client_document_fails_naming_it(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mobile_sdl = copy / "schema" / "bff" / "mobile.graphql"
    sdl = mobile_sdl.read_text()
    line = "  rating: Float\n"
    assert sdl.count(line) == 1
    mobile_sdl.write_text(sdl.replace(line, ""))

    assert main(["--root", str(copy), "check", "--against", "HEAD"]) == 1
    feed = _label(copy, "mobile.json", "Feed")
    assert capsys.readouterr().out.splitlines() == [
        f"breaking: schema/bff/mobile.graphql: Tile.rating was removed. [FIELD_REMOVED] used by: {feed}",
        f"broken operation: {feed}: Cannot query field 'rating' on type 'Tile'.",
        "check FAILED",
    ]


def test_removing_a_field_a_bff_selects_fails_naming_the_bff_operations(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = copy / "schema" / "subgraphs" / "products.graphql"
    sdl = products.read_text()
    line = "  description: String!\n"
    assert line in sdl
    products.write_text(sdl.replace(line, ""))
    assert main(["--root", str(copy), "compose"]) == 0
    capsys.readouterr()

    assert main(["--root", str(copy), "check", "--against", "HEAD"]) == 1
    mobile = _label(copy, "bff-mobile.router.json", "BffMobile_ProductDetail")
    web = _label(copy, "bff-web.router.json", "BffWeb_ProductDetail")
    error = "Cannot query field 'description' on type 'Product'."
    assert capsys.readouterr().out.splitlines() == [
        f"breaking: Product.description was removed. [FIELD_REMOVED] used by: {mobile}, {web}",
        f"broken operation: {mobile}: {error}",
        f"broken operation: {web}: {error}",
        "check FAILED",
    ]

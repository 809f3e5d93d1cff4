"""``schema check`` protects the BFFs' router operations (``schema/persisted/bff-*.router.json``).

Works on a temporary git copy of this repository's ``schema/`` folder: removing a field a BFF
selects from the router must fail the check and name the BFF operations that select it.
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


def test_unchanged_schema_passes_with_only_client_manifests_noted(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(copy), "check", "--against", "HEAD"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "note: 7 persisted operations of client manifests do not target this schema"
        " (they target a BFF's)",
        "check passed",
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
        "note: 7 persisted operations of client manifests do not target this schema"
        " (they target a BFF's)",
        "check FAILED",
    ]

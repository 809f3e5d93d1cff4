"""``router pq list|show|diff`` as a real console process (issue #18), over manifest files and
the router config's ``persisted_queries`` section. Expected output is written by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from servicekit.topology import PROJECT_ROOT

SHA_A = "a" * 64


def write_manifest(path: Path, operations: list[dict[str, str]]) -> Path:
    document = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_text(json.dumps(document))
    return path


def op(id_: str, name: str, body: str, type_: str = "query") -> dict[str, str]:
    return {"id": id_, "name": name, "type": type_, "body": body}


def pq(
    *args: str, entry: tuple[str, ...] = ("router.trusted.cli",)
) -> subprocess.CompletedProcess[str]:
    """``python -m router.trusted.cli ARGS`` (what ``router pq ARGS`` runs; the dispatch itself
    is tested once, since importing the whole router per call is slow on a loaded machine)."""
    return subprocess.run(
        [sys.executable, "-m", *entry, *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )


@pytest.fixture
def manifests(tmp_path: Path) -> tuple[Path, Path]:
    old = write_manifest(
        tmp_path / "old.json",
        [
            op(SHA_A, "A", "query A { a }"),
            op("b:v1", "B", "query B { b }"),
            op("c:v1", "C", "{ c }"),
        ],
    )
    new = write_manifest(
        tmp_path / "new.json",
        [
            op(SHA_A, "A", "query A { a }"),
            op("b:v2", "B", "query B { b c }"),
            op("d:v1", "D", "mutation D { d }", "mutation"),
        ],
    )
    return old, new


def test_list(manifests: tuple[Path, Path]) -> None:
    old, _ = manifests
    result = pq("list", str(old))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        f"{SHA_A}  query        A  {old}",
        f"b:v1  query        B  {old}",
        f"c:v1  query        C  {old}",
    ]


def test_list_from_the_router_config_per_client(
    manifests: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = manifests
    config = tmp_path / "router.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "persisted_queries": {
                    "enabled": True,
                    "manifests": [str(old)],
                    "clients": {
                        "mobile": {
                            "policy": "safelist",
                            "require_id": True,
                            "manifests": [str(new)],
                        },
                        "web": {"policy": "log_unknown"},
                    },
                }
            }
        )
    )
    result = pq("list", "--config", str(config), "--client", "mobile")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "# default: allow",
        "# client mobile: safelist require_id",
        f"{SHA_A}  query        A  {old}",
        f"b:v1  query        B  {old}",
        f"c:v1  query        C  {old}",
        f"{SHA_A}  query        A  {new}",
        f"b:v2  query        B  {new}",
        f"d:v1  mutation     D  {new}",
    ]


def test_show_by_id_and_by_name(manifests: tuple[Path, Path]) -> None:
    old, new = manifests
    expected = f"id: d:v1\nname: D\ntype: mutation\nsource: {new}\n\nmutation D {{ d }}\n"
    for key in ("d:v1", "D"):
        result = pq("show", key, str(old), str(new))
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


def test_show_unknown_exits_1(manifests: tuple[Path, Path]) -> None:
    old, _ = manifests
    result = pq("show", "nope", str(old))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"router pq: no operation 'nope' in {old}\n"


def test_diff(manifests: tuple[Path, Path]) -> None:
    old, new = manifests
    result = pq("diff", str(old), str(new))
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "+ D  d:v1",
        "- C  c:v1",
        "~ B  b:v1 -> b:v2",
        "3 difference(s)",
    ]
    same = pq("diff", str(old), str(old))
    assert (same.returncode, same.stdout) == (0, "no differences\n")


def test_a_manifest_in_another_format_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "relay", "operations": []}))
    result = pq("list", str(bad))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"router pq: {bad}: not an apollo-persisted-query-manifest\n"


def test_router_pq_dispatches_and_reads_the_repository_manifests() -> None:
    result = pq("list", "schema/persisted/bff-mobile.router.json", entry=("router.cli", "pq"))
    assert result.returncode == 0
    names = [line.split()[2] for line in result.stdout.splitlines()]
    assert names == [
        "BffMobile_Feed",
        "BffMobile_OrderUpdates",
        "BffMobile_ProductDetail",
        "BffMobile_ProductTile",
        "BffMobile_Ready",
        "BffMobile_UserName",
        "BffMobile_UserOrders",
    ]

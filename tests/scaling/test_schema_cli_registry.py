"""``schema publish|check --registry URL`` (issue #19) against a running registry process that
holds the repository's persisted operations: every subgraph of schema/supergraph.yaml is
published (whatever their order: a subgraph that needs another's types is retried once that one
is in), a check of the committed SDL passes, and a check that removes ``Product.description``
fails naming the BFF operations that select it (schema/persisted/*.router.json)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.registry.cli import main
from servicekit.topology import PROJECT_ROOT, load_subgraphs
from tests.scaling.support import TOKEN, registry_process

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REGISTRY_TOKEN", TOKEN)
    process, url = registry_process(tmp_path, persisted=PROJECT_ROOT / "schema" / "persisted")
    with process.start(ready_timeout_seconds=60):
        yield url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_publish_all_then_checks(
    registry: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [entry.name for entry in load_subgraphs()]
    code, published = _run(capsys, "publish", "--registry", registry)
    assert code == 0
    answers = published["subgraphs"]
    assert isinstance(answers, dict) and sorted(answers) == sorted(names)
    assert all(answer["accepted"] for answer in answers.values())
    current = httpx.get(
        f"{registry}/v1/supergraph", headers={"authorization": f"Bearer {TOKEN}"}
    ).json()
    committed = (PROJECT_ROOT / "schema" / "supergraph.graphql").read_text()
    assert current["supergraphSdl"] == committed

    code, checked = _run(capsys, "check", "--registry", registry, "--subgraph", "products")
    assert (code, checked["ok"]) == (0, True)

    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "schema", root / "schema")
    products = root / "schema" / "subgraphs" / "products.graphql"
    sdl = products.read_text()
    assert sdl.count("  description: String!\n") == 1
    products.write_text(sdl.replace("  description: String!\n", ""))
    code, failed = _run(
        capsys, "--root", str(root), "check", "--registry", registry, "--subgraph", "products"
    )
    assert (code, failed["ok"]) == (1, False)
    report = failed["subgraphs"]["products"]  # type: ignore[index]
    [change] = report["breaking"]
    assert (change["description"], [o.split(" ")[0] for o in change["operations"]]) == (
        "Product.description was removed.",
        ["BffMobile_ProductDetail", "BffWeb_ProductDetail"],
    )

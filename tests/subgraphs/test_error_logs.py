"""Client-caused GraphQL errors are logged as one INFO line; real failures stay ERROR with the
traceback (records captured from the libraries' own loggers)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from subgraphs.seeding import SeedSizes, generate
from tests.subgraphs.support import in_process

SMALL = generate(SeedSizes(users=2, products=2, reviews_per_product=1, orders_per_user=1))


@pytest.mark.parametrize(
    ("name", "logger"), [("accounts", "strawberry.execution"), ("products", "ariadne")]
)
async def test_bad_input_is_info_without_traceback(
    name: str, logger: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with in_process(name, f"sqlite+aiosqlite:///{tmp_path / name}.db", SMALL) as subgraph:
        with caplog.at_level(logging.INFO, logger=logger):
            await subgraph.entities([{"__typename": "Nope"}], "__typename")
    records = [
        (r.levelname, r.getMessage(), r.exc_info) for r in caplog.records if r.name == logger
    ]
    assert records == [("INFO", "Nope is not an entity this subgraph resolves", None)]


async def test_a_real_failure_stays_an_error_with_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with in_process("accounts", f"sqlite+aiosqlite:///{tmp_path}/a.db", SMALL) as subgraph:
        await subgraph.db.engine.dispose()
        (tmp_path / "a.db").unlink()
        (tmp_path / "a.db").mkdir()  # the store is gone: a directory where the file was
        with caplog.at_level(logging.INFO, logger="strawberry.execution"):
            answer = await subgraph.query('{ user(id: "1") { id } }')
    assert answer["data"] == {"user": None}
    records = [r for r in caplog.records if r.name == "strawberry.execution"]
    assert [r.levelname for r in records] == ["ERROR"]
    assert records[0].exc_info is not None

"""Persisted operations: manifests in Apollo's format, staleness, and each BFF's policy."""

from __future__ import annotations

import dataclasses

import pytest
from graphql import parse
from redis.asyncio import Redis

from bff.cache import RedisCache
from bff.manifest_cli import generate, main
from bff.manifests import CLIENTS, load_manifest
from bff.persisted import MANIFEST_FORMAT, Manifest, build_manifest, sha256_hex
from bff.persisted_http import PersistedPolicy, PersistedQueryError


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_committed_manifest_matches_the_client_documents(client: str) -> None:
    """Fails when someone edits a client document without running `bff-manifest`."""
    committed = CLIENTS[client].manifest.read_bytes()
    assert generate(CLIENTS[client]).to_json_bytes() == committed


def test_check_command_reports_stale_manifests(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "mobile.json"
    stale.write_bytes(Manifest(()).to_json_bytes())
    patched = {**CLIENTS}
    patched["mobile"] = dataclasses.replace(CLIENTS["mobile"], manifest=stale)
    monkeypatch.setattr("bff.manifest_cli.CLIENTS", patched)
    assert main(["--check", "mobile"]) == 1
    assert main(["mobile"]) == 0  # regenerates
    assert main(["--check", "mobile"]) == 0


def test_manifest_entries_carry_their_fragments() -> None:
    document = parse(
        """
        query B { a { ...F } }
        fragment G on T { y }
        fragment F on T { x ...G }
        mutation A { m }
        """
    )
    manifest = build_manifest(document)
    body_b = "query B {\n  a {\n    ...F\n  }\n}\n\nfragment F on T {\n  x\n  ...G\n}\n\nfragment G on T {\n  y\n}"
    assert [op.to_json() for op in manifest.operations] == [
        {
            "id": sha256_hex("mutation A {\n  m\n}"),
            "name": "A",
            "type": "mutation",
            "body": "mutation A {\n  m\n}",
        },
        {"id": sha256_hex(body_b), "name": "B", "type": "query", "body": body_b},
    ]
    reloaded = Manifest.from_json(manifest.to_json_bytes())
    assert reloaded.get(sha256_hex(body_b)) == manifest.operations[1]


def test_manifest_format_is_apollos() -> None:
    raw = CLIENTS["mobile"].manifest.read_bytes()
    assert raw.startswith(b'{\n  "format": "' + MANIFEST_FORMAT.encode())
    with pytest.raises(ValueError, match=r"^not an apollo-persisted-query-manifest version 1$"):
        Manifest.from_json(b'{"format": "other", "version": 1, "operations": []}')


def test_invalid_client_documents_are_refused() -> None:
    from bff_mobile.schema import schema

    with pytest.raises(ValueError, match="do not validate"):
        build_manifest(parse("query X { feed { nope } }"), schema._schema)


MOBILE = load_manifest("mobile")
FEED = next(op for op in MOBILE.operations if op.name == "Feed")


async def test_production_mobile_runs_manifest_operations_by_hash_or_id() -> None:
    policy = PersistedPolicy(MOBILE, allow_freeform=False)
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": FEED.id}}}
    assert (await policy.resolve(by_hash))["query"] == FEED.body
    assert (await policy.resolve({"id": FEED.id, "variables": {"first": 2}})) == {
        "id": FEED.id,
        "variables": {"first": 2},
        "query": FEED.body,
    }
    assert (await policy.resolve({"query": FEED.body})) == {"query": FEED.body}


@pytest.mark.parametrize(
    "payload",
    [
        {"query": "{ feed { tiles { upc } } }"},
        {"id": "0" * 64},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "f" * 64}}},
        {
            "query": "{ __typename }",
            "extensions": {
                "persistedQuery": {"version": 1, "sha256Hash": sha256_hex("{ __typename }")}
            },
        },
        {},
    ],
)
async def test_production_mobile_refuses_everything_else(payload: dict) -> None:
    policy = PersistedPolicy(MOBILE, allow_freeform=False)
    with pytest.raises(PersistedQueryError) as raised:
        await policy.resolve(payload)
    assert (raised.value.code, raised.value.status) == ("PERSISTED_QUERY_NOT_IN_LIST", 400)


async def test_apq_round_trip_in_redis(redis_client: Redis, redis_namespace: str) -> None:
    cache = RedisCache(redis_client, namespace=redis_namespace, bff="web")
    policy = PersistedPolicy(Manifest(()), allow_freeform=True, apq_cache=cache)
    query = "query Q { homePage { featured { upc } } }"
    hashed = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}}
    with pytest.raises(PersistedQueryError) as raised:
        await policy.resolve(hashed)
    assert (raised.value.code, raised.value.status, str(raised.value)) == (
        "PERSISTED_QUERY_NOT_FOUND",
        200,
        "PersistedQueryNotFound",
    )
    assert await policy.resolve({**hashed, "query": query}) == {**hashed, "query": query}
    assert await policy.resolve(hashed) == {**hashed, "query": query}
    assert await redis_client.ttl(f"{redis_namespace}:web:apq:{sha256_hex(query)}") > 0
    with pytest.raises(PersistedQueryError) as mismatch:
        await policy.resolve({**hashed, "query": query + " "})
    assert mismatch.value.code == "PERSISTED_QUERY_HASH_MISMATCH"

"""Signing keys, key sets with rotation, their persistence and the JWKS document (RFC 7517/7638/8037)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette

from servicekit.auth import (
    KeySet,
    KeyStore,
    SigningKey,
    jwk_thumbprint,
    jwks_route,
    keyset_from_pems,
    load_keyset,
)

# RFC 8037 appendix A.1: the Ed25519 example key, and its RFC 7638 thumbprint from A.3.
RFC8037_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_kid_is_the_rfc7638_thumbprint_of_the_rfc8037_example_key() -> None:
    key = SigningKey.from_private_key(Ed25519PrivateKey.from_private_bytes(RFC8037_SECRET), now=1.0)
    assert key.public_jwk() == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC8037_X,
        "kid": RFC8037_THUMBPRINT,
        "use": "sig",
        "alg": "EdDSA",
    }
    assert jwk_thumbprint({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}) == RFC8037_THUMBPRINT


def test_pem_round_trip_keeps_the_kid() -> None:
    key = SigningKey.generate()
    assert SigningKey.from_pem(key.private_pem()).kid == key.kid


def test_rotation_keeps_previous_keys_published_up_to_the_limit() -> None:
    first = KeySet.generate()
    second = first.rotate(max_previous=1)
    third = second.rotate(max_previous=1)
    assert second.previous == (first.current,)
    assert third.previous == (second.current,)
    assert [jwk["kid"] for jwk in third.jwks()["keys"]] == [third.current.kid, second.current.kid]
    assert third.find(first.current.kid) is None
    assert all("d" not in jwk for jwk in third.jwks()["keys"])


def test_key_store_persists_rotates_and_prunes(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    created = store.load_or_create()
    assert store.load() == created
    rotated = store.rotate(max_previous=1)
    rotated_again = store.rotate(max_previous=1)
    assert rotated_again.previous[0].kid == rotated.current.kid
    files = sorted(path.name for path in (tmp_path / "keys").iterdir())
    assert files == sorted(
        [f"{rotated_again.current.kid}.pem", f"{rotated.current.kid}.pem", "keyset.json"]
    )
    pem_mode = (tmp_path / "keys" / f"{rotated.current.kid}.pem").stat().st_mode
    assert stat.S_IMODE(pem_mode) == 0o600
    manifest = json.loads((tmp_path / "keys" / "keyset.json").read_text())
    assert manifest["keys"] == [rotated_again.current.kid, rotated.current.kid]


def test_load_keyset_prefers_environment_pems(tmp_path: Path) -> None:
    current, previous = SigningKey.generate(), SigningKey.generate()
    env = {
        "AUTH_SIGNING_KEY_PEM": current.private_pem().decode(),
        "AUTH_PREVIOUS_KEYS_PEM": previous.private_pem().decode(),
    }
    keyset = load_keyset(tmp_path / "unused", env=env)
    assert [key.kid for key in keyset.keys] == [current.kid, previous.kid]
    assert not (tmp_path / "unused").exists()
    from_disk = load_keyset(tmp_path / "keys", env={})
    assert load_keyset(tmp_path / "keys", env={}) == from_disk


def test_non_ed25519_pem_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        keyset_from_pems(pem)


async def test_jwks_route_serves_the_current_set() -> None:
    holder = {"keyset": KeySet.generate()}
    app = Starlette(routes=[jwks_route(lambda: holder["keyset"], max_age_seconds=30)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://issuer") as client:
        first = await client.get("/.well-known/jwks.json")
        holder["keyset"] = holder["keyset"].rotate()
        second = await client.get("/.well-known/jwks.json")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/jwk-set+json"
    assert first.headers["cache-control"] == "public, max-age=30"
    assert first.json() == {"keys": [holder["keyset"].previous[0].public_jwk()]}
    assert second.json() == holder["keyset"].jwks()

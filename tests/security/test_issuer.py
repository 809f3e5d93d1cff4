"""The issuing side as the accounts service uses it: keys under a data folder, rotation by another
process (the CLI) picked up without a restart, environment-provided keys, the JWKS route."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from servicekit.auth import (
    IssuerSettings,
    KeyStore,
    SigningKey,
    TokenService,
)
from servicekit.topology import PROJECT_ROOT


def settings(tmp_path: Path) -> IssuerSettings:
    return IssuerSettings(
        keys_dir=tmp_path / "keys", issuer="https://accounts.test", max_previous_keys=1
    )


async def test_issue_verify_and_rotate_in_process(tmp_path: Path) -> None:
    service = TokenService.from_settings(settings(tmp_path), env={})
    token = service.issuer.issue("user-1", ["profile"])
    assert (await service.verifier().verify(token)).subject == "user-1"
    first_kid = service.keys().current.kid
    rotated = service.rotate()
    assert rotated.previous[0].kid == first_kid
    assert (await service.verifier().verify(token)).subject == "user-1"  # previous key kept
    service.rotate()
    assert [k.kid for k in service.keys().keys] == [
        service.keys().current.kid,
        rotated.current.kid,
    ]


async def test_rotation_by_another_process_is_picked_up(tmp_path: Path) -> None:
    service = TokenService.from_settings(settings(tmp_path), env={})
    before = service.keys().current.kid
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "servicekit.auth.issuer",
        "rotate",
        "--keys",
        str(tmp_path / "keys"),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 0
    output = stdout.decode()
    after = KeyStore(tmp_path / "keys").load()
    assert after is not None
    assert output == f"current: {after.current.kid}\nprevious: {before}\n"
    assert service.keys() == after

    app = Starlette(routes=[service.route()])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://a"
    ) as client:
        jwks = (await client.get("/.well-known/jwks.json")).json()
    assert [key["kid"] for key in jwks["keys"]] == [after.current.kid, before]


def test_keys_from_the_environment_are_fixed(tmp_path: Path) -> None:
    key = SigningKey.generate()
    env = {"AUTH_SIGNING_KEY_PEM": key.private_pem().decode()}
    service = TokenService.from_settings(settings(tmp_path), env=env)
    assert service.keys().current.kid == key.kid
    assert not (tmp_path / "keys").exists()
    with pytest.raises(RuntimeError, match="environment"):
        service.rotate()


def test_default_keys_dir_is_the_git_ignored_data_folder() -> None:
    assert IssuerSettings().keys_dir == PROJECT_ROOT / "data" / "keys"
    assert "data/" in (PROJECT_ROOT / ".gitignore").read_text().splitlines()

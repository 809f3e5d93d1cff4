"""The issuing side in one object, for the accounts service: the key set (from the environment,
or the key store under ``data/keys`` re-read when another process rotates it), the token issuer,
the JWKS route and a local verifier.

Rotation from the command line while the service runs (the next request sees the new key):
``python -m servicekit.auth.issuer rotate --keys data/keys``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Route

from servicekit.auth.endpoint import jwks_route
from servicekit.auth.keyset import KeySet
from servicekit.auth.keystore import MANIFEST, KeyStore, keyset_from_env
from servicekit.auth.tokens import TokenIssuer
from servicekit.auth.verify import KeySetResolver, TokenVerifier
from servicekit.topology import PROJECT_ROOT

__all__ = ["IssuerSettings", "KeySetSource", "TokenService"]


class IssuerSettings(BaseModel):
    """Where keys live and what tokens say; nest it in the accounts service's settings."""

    model_config = ConfigDict(extra="forbid")

    keys_dir: Path = PROJECT_ROOT / "data" / "keys"
    issuer: str = "http://127.0.0.1:4001"
    audience: str = "federation-router"
    ttl_seconds: int = Field(default=900, gt=0)
    max_previous_keys: int = Field(default=2, ge=0)


class KeySetSource:
    """A callable returning the current key set: fixed when it came from the environment, else
    the key store, re-read whenever its manifest changes on disk."""

    def __init__(self, store: KeyStore | None, fixed: KeySet | None = None) -> None:
        if store is None and fixed is None:
            raise ValueError("a key store or a fixed key set is needed")
        self._store = store
        self._keyset = fixed or (store.load_or_create() if store else None)
        self._stamp = self._manifest_stamp()

    @classmethod
    def from_env(
        cls, keys_dir: Path, env: Mapping[str, str] | None = None, prefix: str = "AUTH_"
    ) -> KeySetSource:
        fixed = keyset_from_env(env, prefix)
        if fixed is not None:
            return cls(None, fixed)
        return cls(KeyStore(keys_dir))

    def _manifest_stamp(self) -> tuple[int, int, int] | None:
        if self._store is None:
            return None
        try:
            stat = (self._store.directory / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a rename changes the inode

    def __call__(self) -> KeySet:
        stamp = self._manifest_stamp()
        if self._store is not None and stamp != self._stamp:
            self._keyset = self._store.load() or self._keyset
            self._stamp = stamp
        if self._keyset is None:  # pragma: no cover - the constructor always sets one
            raise RuntimeError("no key set")
        return self._keyset

    def rotate(self, *, max_previous: int = 2) -> KeySet:
        """Rotate the stored keys (a fixed, environment-provided set cannot rotate)."""
        if self._store is None:
            raise RuntimeError("keys come from the environment: rotate them there")
        self._store.rotate(max_previous=max_previous)
        return self()


class TokenService:
    """Issuer, JWKS route and local verifier over one key set source."""

    def __init__(self, settings: IssuerSettings, keys: KeySetSource) -> None:
        self.settings = settings
        self.keys = keys
        self.issuer = TokenIssuer(
            keys,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl_seconds=settings.ttl_seconds,
        )

    @classmethod
    def from_settings(
        cls, settings: IssuerSettings, env: Mapping[str, str] | None = None
    ) -> TokenService:
        return cls(settings, KeySetSource.from_env(settings.keys_dir, env))

    def rotate(self) -> KeySet:
        return self.keys.rotate(max_previous=self.settings.max_previous_keys)

    def route(self) -> Route:
        return jwks_route(self.keys)

    def verifier(self) -> TokenVerifier:
        """Verifies against the keys as they are now (build a new one after a rotation)."""
        return TokenVerifier(
            KeySetResolver(self.keys()),
            issuer=self.settings.issuer,
            audience=self.settings.audience,
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m servicekit.auth.issuer")
    parser.add_argument("command", choices=["rotate", "show"])
    parser.add_argument("--keys", type=Path, default=IssuerSettings().keys_dir)
    parser.add_argument("--max-previous", type=int, default=2)
    arguments = parser.parse_args()
    store = KeyStore(arguments.keys)
    keyset = (
        store.rotate(max_previous=arguments.max_previous)
        if arguments.command == "rotate"
        else store.load_or_create()
    )
    print("current:", keyset.current.kid)
    for key in keyset.previous:
        print("previous:", key.kid)


if __name__ == "__main__":
    main()

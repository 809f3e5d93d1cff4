"""Where signing keys live: PEM files in a git-ignored folder (``data/keys`` in dev), or PEMs from
the environment (containers, CI).

Layout of the folder: ``<kid>.pem`` (PKCS#8, mode 0600) per key and ``keyset.json`` naming the
current and previous kids. Files are written to a temporary name and renamed, so a reader (the
JWKS endpoint of another process) never sees half a key set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from servicekit.auth.keys import SigningKey
from servicekit.auth.keyset import KeySet

__all__ = ["MANIFEST", "KeyStore", "keyset_from_env", "keyset_from_pems", "load_keyset"]

MANIFEST = "keyset.json"


class KeyStore:
    """A key set persisted in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def load(self) -> KeySet | None:
        """The stored key set, or None when the folder holds none yet."""
        manifest_path = self.directory / MANIFEST
        if not manifest_path.exists():
            return None
        manifest = json.loads(manifest_path.read_text())
        created = manifest.get("created_at", {})
        keys = [self._read_key(kid, created.get(kid, 0.0)) for kid in manifest["keys"]]
        return KeySet(current=keys[0], previous=tuple(keys[1:]))

    def save(self, keyset: KeySet) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for key in keyset.keys:
            path = self.directory / f"{key.kid}.pem"
            if not path.exists():
                _write_atomic(path, key.private_pem(), mode=0o600)
        manifest = {
            "keys": [key.kid for key in keyset.keys],
            "created_at": {key.kid: key.created_at for key in keyset.keys},
        }
        _write_atomic(self.directory / MANIFEST, json.dumps(manifest, indent=2).encode(), 0o600)
        self._remove_retired(keyset)

    def load_or_create(self) -> KeySet:
        keyset = self.load()
        if keyset is None:
            keyset = KeySet.generate()
            self.save(keyset)
        return keyset

    def rotate(self, *, max_previous: int = 2) -> KeySet:
        """Rotate the stored set and persist it; returns the new set."""
        keyset = self.load_or_create().rotate(max_previous=max_previous)
        self.save(keyset)
        return keyset

    def _read_key(self, kid: str, created_at: float) -> SigningKey:
        key = SigningKey.from_pem(
            (self.directory / f"{kid}.pem").read_bytes(), created_at=created_at
        )
        if key.kid != kid:
            raise ValueError(f"{kid}.pem holds key {key.kid}")
        return key

    def _remove_retired(self, keyset: KeySet) -> None:
        live = {f"{key.kid}.pem" for key in keyset.keys}
        for path in self.directory.glob("*.pem"):
            if path.name not in live:
                path.unlink(missing_ok=True)


def _write_atomic(path: Path, content: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def keyset_from_pems(current_pem: str, previous_pems: Sequence[str] = ()) -> KeySet:
    """A key set from PEM text (the current key first), e.g. from secrets in the environment."""
    return KeySet(
        current=SigningKey.from_pem(current_pem),
        previous=tuple(SigningKey.from_pem(pem) for pem in previous_pems),
    )


def keyset_from_env(env: Mapping[str, str] | None = None, prefix: str = "AUTH_") -> KeySet | None:
    """``<prefix>SIGNING_KEY_PEM`` (plus ``<prefix>PREVIOUS_KEYS_PEM``, PEMs concatenated), or
    None when the environment provides no key."""
    environment = os.environ if env is None else env
    current = environment.get(f"{prefix}SIGNING_KEY_PEM")
    if not current:
        return None
    return keyset_from_pems(current, _split_pems(environment.get(f"{prefix}PREVIOUS_KEYS_PEM", "")))


def load_keyset(
    directory: Path, *, env: Mapping[str, str] | None = None, prefix: str = "AUTH_"
) -> KeySet:
    """The environment's keys when set, else the key store in ``directory`` (created with a
    fresh key on first use)."""
    return keyset_from_env(env, prefix) or KeyStore(directory).load_or_create()


def _split_pems(text: str) -> list[str]:
    end = "-----END PRIVATE KEY-----"
    return [part.strip() + "\n" + end + "\n" for part in text.split(end) if part.strip()]

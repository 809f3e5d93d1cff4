"""Secrets of a dev stack, generated on this machine and never committed (issue #11).

``stack up`` creates the identity-forwarding secret once per data folder
(``<data>/secrets/identity.key``, mode 0600) and gives it to the router and the subgraphs through
``IDENTITY_HMAC_SECRET``; ``stack env-file`` writes the git-ignored ``.env`` compose.yaml reads.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

__all__ = ["ENV_FILE_KEYS", "identity_secret", "write_env_file"]

# What compose.yaml takes from .env (see .env.example).
ENV_FILE_KEYS = ("IDENTITY_HMAC_SECRET", "POSTGRES_PASSWORD", "REGISTRY_TOKEN")


def _new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def identity_secret(path: Path) -> str:
    """The secret stored at ``path``, created (random, mode 0600) when absent. A file others can
    read is narrowed to 0600 (it signs identities the subgraphs trust)."""
    if not path.exists():
        # FileExistsError: another stack on the same folder won the race.
        with contextlib.suppress(FileExistsError):
            _write_private(path, _new_secret() + "\n")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    value = path.read_text().strip()
    if not value:
        raise SystemExit(f"stack: {path} is empty: delete it and a new secret is generated")
    return value


def write_env_file(path: Path) -> list[str]:
    """Write compose's ``.env`` with fresh random values (mode 0600); returns the keys written.
    Refuses to replace an existing file (the database password is already in its volume)."""
    if path.exists():
        raise SystemExit(f"stack: {path} exists; delete it first to generate new secrets")
    _write_private(path, "".join(f"{key}={_new_secret()}\n" for key in ENV_FILE_KEYS))
    return list(ENV_FILE_KEYS)

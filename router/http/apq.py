"""Automatic persisted queries (Apollo's APQ protocol), shared by every replica through Redis.

The protocol (``extensions.persistedQuery = {"version": 1, "sha256Hash": <hex>}``), as Apollo
Router answers it:

- hash only, known: run the stored document;
- hash only, unknown: ``PersistedQueryNotFound`` (code ``PERSISTED_QUERY_NOT_FOUND``), HTTP 200 and
  ``Cache-Control: private, no-cache, must-revalidate`` so the client's retry with the full query
  is not answered from a cache;
- hash and query: the SHA-256 of the query must equal the hash (else 400
  ``provided sha does not match query``, code ``PERSISTED_QUERY_HASH_MISMATCH``, nothing runs);
  the query is stored with a TTL and runs;
- APQ disabled: ``PersistedQueryNotSupported`` (code ``PERSISTED_QUERY_NOT_SUPPORTED``), HTTP 200;
- a registration larger than ``max_query_bytes`` (issue #11: 1.9 MB documents were stored for
  24 h): 400 with code ``PERSISTED_QUERY_TOO_LARGE``, nothing stored, nothing runs.

Redis failures degrade instead of failing requests: registration is skipped and lookups miss, with
a warning; after a failure Redis is left alone for a few seconds so a dead server does not add its
connect timeout to every request.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from router.http.errors import HttpError
from router.http.params import INVALID_REQUEST
from servicekit.logging import get_logger

__all__ = ["NO_CACHE", "ApqStore", "persisted_query_hash", "resolve_query"]

NO_CACHE = "private, no-cache, must-revalidate"
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_log = get_logger("router.http.apq")


class ApqStore:
    """Documents by SHA-256 hash in Redis under ``key_prefix``, each with a TTL."""

    def __init__(
        self,
        redis: Redis | None,
        *,
        key_prefix: str,
        ttl_seconds: int,
        retry_after_seconds: float = 5.0,
        max_query_bytes: int = 65_536,
    ) -> None:
        self._redis = redis
        self.max_query_bytes = max_query_bytes
        self._prefix = key_prefix
        self._ttl = ttl_seconds
        self._retry_after = retry_after_seconds
        self._unavailable_until = 0.0

    def _usable(self) -> Redis | None:
        if self._redis is None or time.monotonic() < self._unavailable_until:
            return None
        return self._redis

    def _degrade(self, action: str, error: Exception) -> None:
        self._unavailable_until = time.monotonic() + self._retry_after
        _log.warning(
            "apq store unavailable, degrading",
            action=action,
            error=f"{type(error).__name__}: {error}",
        )

    async def get(self, sha256_hash: str) -> str | None:
        """The stored document, or ``None`` (unknown hash, or Redis unavailable)."""
        redis = self._usable()
        if redis is None:
            return None
        try:
            value = await redis.get(self._prefix + sha256_hash.lower())
        except (RedisError, OSError) as error:
            self._degrade("lookup", error)
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, sha256_hash: str, query: str) -> None:
        """Register ``query`` under its hash; skipped with a warning when Redis is unavailable."""
        redis = self._usable()
        if redis is None:
            return
        try:
            await redis.set(self._prefix + sha256_hash.lower(), query.encode(), ex=self._ttl)
        except (RedisError, OSError) as error:
            self._degrade("registration", error)


def persisted_query_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """``extensions.persistedQuery.sha256Hash`` lower-cased, ``None`` when absent; 400 when
    malformed (version not 1, not 64 hex digits)."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(persisted.get("sha256Hash"), str)
        or not _SHA256_HEX.match(persisted["sha256Hash"])
    ):
        raise HttpError(
            400,
            'Invalid persisted query: expected {"version": 1, "sha256Hash": <64 hex digits>}',
            INVALID_REQUEST,
        )
    return str(persisted["sha256Hash"]).lower()


async def resolve_query(
    query: str | None, extensions: Mapping[str, Any] | None, store: ApqStore | None
) -> str:
    """The document text to run; ``store=None`` means APQ is disabled."""
    if extensions and "persistedQuery" in extensions and store is None:
        raise HttpError(200, "PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
    sha256_hash = persisted_query_hash(extensions)
    if sha256_hash is None or store is None:
        if query is None:  # params parsing guarantees a query unless persistedQuery is present
            raise HttpError(400, "Invalid GraphQL request: 'query' is missing", INVALID_REQUEST)
        return query
    if query is None:
        stored = await store.get(sha256_hash)
        if stored is None:
            raise HttpError(
                200,
                "PersistedQueryNotFound",
                "PERSISTED_QUERY_NOT_FOUND",
                headers={"cache-control": NO_CACHE},
            )
        return stored
    encoded = query.encode()
    if len(encoded) > store.max_query_bytes:
        raise HttpError(
            400,
            f"Persisted query too large: {len(encoded)} bytes, more than the limit of "
            f"{store.max_query_bytes} bytes for a registration",
            "PERSISTED_QUERY_TOO_LARGE",
        )
    if hashlib.sha256(encoded).hexdigest() != sha256_hash:
        raise HttpError(400, "provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
    await store.put(sha256_hash, query)
    return query

"""A cached client for a remote JWK Set (RFC 7517 section 5) such as the accounts service's
``/.well-known/jwks.json``.

Keys are cached; an unknown ``kid`` triggers a refresh (the issuer may just have rotated), but at
most once per ``min_refresh_interval_seconds``, so a flood of tokens with invented kids cannot turn
the verifier into a load generator against the issuer. The cache also refreshes after
``max_age_seconds``; when a refresh fails the old keys keep serving (stale beats down). Keys that
are not signature keys (``use`` other than ``sig``) or that PyJWT cannot load are skipped, as RFC
7517 section 5 says a JWK Set reader should ignore keys it does not understand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from jwt import PyJWK, PyJWKError

from servicekit.auth.errors import AuthenticationError, AuthFailure
from servicekit.logging import get_logger

__all__ = ["JwksClient"]

log = get_logger(__name__)


class JwksClient:
    """Implements :class:`servicekit.auth.verify.KeyResolver` over HTTP (httpx)."""

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        min_refresh_interval_seconds: float = 30.0,
        max_age_seconds: float = 300.0,
        timeout_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self.min_refresh_interval_seconds = min_refresh_interval_seconds
        self.max_age_seconds = max_age_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetch_count = 0

    async def get_key(self, kid: str) -> PyJWK | None:
        """The key for ``kid``, refreshing the set when stale or when ``kid`` is unknown; raises
        ``JWKS_UNAVAILABLE`` while no JWKS has ever been loaded."""
        if self._fetched_at is None or self._age() > self.max_age_seconds:
            await self._refresh_if_allowed()
        key = self._keys.get(kid)
        if key is None:
            await self._refresh_if_allowed()
            key = self._keys.get(kid)
        if key is None and self._fetched_at is None:
            raise AuthenticationError(
                AuthFailure.JWKS_UNAVAILABLE, f"cannot load signing keys from {self.url}"
            )
        return key

    def snapshot(self) -> dict[str, Any]:
        """Cache state for ``/ready`` details and debugging."""
        return {
            "url": self.url,
            "kids": sorted(self._keys),
            "age_seconds": None if self._fetched_at is None else round(self._age(), 3),
            "fetch_count": self.fetch_count,
        }

    def _age(self) -> float:
        return self._clock() - (self._fetched_at or 0.0)

    def _refresh_due(self) -> bool:
        return (
            self._attempted_at is None
            or self._clock() - self._attempted_at >= self.min_refresh_interval_seconds
        )

    async def _refresh_if_allowed(self) -> None:
        async with self._lock:  # a refresh in progress is waited for, never duplicated
            if not self._refresh_due():
                return
            self._attempted_at = self._clock()
            try:
                self._keys = await self._fetch()
                self._fetched_at = self._clock()
            except (httpx.HTTPError, ValueError) as error:
                log.warning("jwks_refresh_failed", url=self.url, error=str(error))

    async def _fetch(self) -> dict[str, PyJWK]:
        self.fetch_count += 1
        response = await self._http.get(self.url, timeout=self.timeout_seconds)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWK Set: no 'keys' array")
        return _parse_keys(document["keys"])


def _parse_keys(entries: list[Any]) -> dict[str, PyJWK]:
    keys: dict[str, PyJWK] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            keys[entry["kid"]] = PyJWK(entry)
        except PyJWKError:
            log.warning("jwks_key_skipped", kid=entry["kid"])
    return keys

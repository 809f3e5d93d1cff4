"""Bearer tokens for the registry's API (RFC 6750), compared in constant time.

Two secrets from the environment, never committed: the publish token (``REGISTRY_TOKEN``:
publishing, checks, operations, deregistration; what subgraphs and CI hold) and an optional read
token (``REGISTRY_READ_TOKEN``: the supergraph and the history; what routers hold, like Hive's CDN
access tokens). The publish token may read too.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

__all__ = ["Scope", "Tokens"]

Scope = Literal["read", "publish"]


@dataclass(frozen=True)
class Tokens:
    publish: str
    read: str | None = None

    def allows(self, request: Request, scope: Scope) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        candidates = [self.publish] if scope == "publish" else [self.publish, self.read]
        return any(
            hmac.compare_digest(token.encode(), candidate.encode())
            for candidate in candidates
            if candidate
        )

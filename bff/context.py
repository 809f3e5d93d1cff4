"""The per-request GraphQL context of a BFF: its loaders and the caller's identity.

Identity, for now, is the ``x-user-id`` header or a bearer token forwarded to the router (JWT
verification is added later in front of this); both are forwarded on every router request.
"""

from __future__ import annotations

from typing import Any

from strawberry.fastapi import BaseContext

from bff.loaders import Loaders, RootField
from bff.router_client import FORWARDED_HEADERS
from bff.runtime import BffRuntime

__all__ = ["BffContext", "build_context"]


class BffContext(BaseContext):
    """Loaders live exactly as long as this object: one request."""

    def __init__(self, runtime: BffRuntime, headers: dict[str, str]) -> None:
        super().__init__()
        self.runtime = runtime
        self.headers = headers
        self.router = runtime.router
        self.loaders = Loaders(runtime.cache, runtime.router, headers)

    @property
    def user_id(self) -> str | None:
        return self.headers.get("x-user-id") or None

    @property
    def has_bearer_token(self) -> bool:
        return self.headers.get("authorization", "").lower().startswith("bearer ")

    @property
    def specs(self) -> Any:
        """The BFF's entity specs (built from its settings at start)."""
        return self.runtime.specs

    async def current_user_id(self) -> str | None:
        """``x-user-id``, else the router's ``me`` for a bearer token (never cached), else None."""
        if self.user_id:
            return self.user_id
        if not self.has_bearer_token:
            return None
        me = await self.loaders.root_field(RootField("me { id }"))
        return str(me["id"]) if me else None


def build_context(runtime: BffRuntime, raw_headers: dict[str, str]) -> BffContext:
    headers = {k.lower(): v for k, v in raw_headers.items() if k.lower() in FORWARDED_HEADERS}
    return BffContext(runtime, headers)

"""The per-request GraphQL context of a BFF: its loaders and the caller's identity.

Identity is the caller's bearer token, verified by the BFF before the context is built
(:mod:`bff.authentication`), forwarded on every router request (the router verifies it again for
its own authorization) and read as a user id by :mod:`bff.identity`.
"""

from __future__ import annotations

from typing import Any

from strawberry.fastapi import BaseContext

from bff.identity import current_user_id
from bff.loaders import Loaders
from bff.router_client import FORWARDED_HEADERS
from bff.runtime import BffRuntime
from servicekit.auth import ANONYMOUS, Principal

__all__ = ["BffContext", "build_context"]


class BffContext(BaseContext):
    """Loaders live exactly as long as this object: one request."""

    def __init__(
        self, runtime: BffRuntime, headers: dict[str, str], principal: Principal = ANONYMOUS
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.headers = headers
        self.principal = principal
        self.router = runtime.router
        self.loaders = Loaders(runtime.cache, runtime.router, headers)

    @property
    def specs(self) -> Any:
        """The BFF's entity specs (built from its settings at start)."""
        return self.runtime.specs

    def authenticate(self, principal: Principal, authorization: str | None) -> None:
        """A WebSocket's caller, known only at ``connection_init`` (:mod:`bff.live_socket`):
        the context was built at the upgrade, before the token arrived."""
        self.principal = principal
        self.headers = {"authorization": authorization} if authorization else {}
        self.loaders = Loaders(self.runtime.cache, self.runtime.router, self.headers)

    @property
    def authorization(self) -> str | None:
        """The verified caller's ``Authorization`` value, forwarded to the router."""
        return self.headers.get("authorization")

    async def current_user_id(self) -> str | None:
        """See :mod:`bff.identity`: the verified token's subject."""
        return await current_user_id(self)


def build_context(
    runtime: BffRuntime, raw_headers: dict[str, str], principal: Principal = ANONYMOUS
) -> BffContext:
    """Keep the headers forwarded to the router (the bearer token, nothing a client could use to
    claim an identity); ``principal`` is the caller the authentication middleware verified."""
    headers = {k.lower(): v for k, v in raw_headers.items() if k.lower() in FORWARDED_HEADERS}
    return BffContext(runtime, headers, principal)

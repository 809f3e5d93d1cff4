"""The client address of a router request, resolved once at the edge.

uvicorn runs with ``proxy_headers=False`` (:mod:`servicekit.serve`), so ``request.client`` is the
TCP peer; forwarding headers count only when that peer is one of ``client_address.
trusted_proxies`` (none by default), read by :func:`servicekit.client_address.
resolve_client_address`. The result feeds the per-IP rate limit and ``GraphQLRequest.client_ip``.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import HTTPConnection

from servicekit.client_address import (
    ClientAddressSettings,
    TrustedProxies,
    resolve_client_address,
)

__all__ = ["ClientIpResolver"]


class ClientIpResolver:
    """Built once from the configuration; ``resolve`` per request."""

    def __init__(self, settings: ClientAddressSettings) -> None:
        self.settings = settings
        self.trusted = TrustedProxies(settings.trusted_proxies)

    def resolve(self, request: HTTPConnection, headers: Mapping[str, str]) -> str | None:
        """``headers``: lower-cased names, repeated fields joined (``GraphQLRequest.headers``)."""
        peer = request.client.host if request.client else None
        return resolve_client_address(peer, headers, self.settings, self.trusted)

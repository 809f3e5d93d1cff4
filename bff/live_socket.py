"""A BFF's WebSocket edge (issue #16): the same identity, trusted-operation and limit rules as its
HTTP edge, for graphql-transport-ws.

HTTP requests (queries, and subscriptions over SSE or multipart) pass
:mod:`bff.authentication` and :mod:`bff.persisted_http`. A WebSocket carries its operations in
messages instead, so:

* **Identity**: browsers cannot set headers on a WebSocket, so the token rides in
  ``connection_init``'s payload (``{"Authorization": "Bearer …"}``, or ``headers.Authorization``,
  or ``token``: what the router accepts, :mod:`router.http.websocket`), else the upgrade's
  ``Authorization`` header. It is verified like a bearer header; a token that does not verify
  closes the socket with ``4403 Forbidden`` (graphql-ws's rejection code, the router's answer).
* **Trusted operations and limits**: every ``subscribe`` message's payload goes through the
  BFF's :class:`~bff.persisted_http.PersistedPolicy` (mobile in production: manifest
  operations only, by ``extensions.persistedQuery.sha256Hash`` or ``id``) and its operation
  limits before Strawberry sees it; a refused one is answered with the protocol's ``error``
  message for that id (the same GraphQL error as over HTTP) and never reaches the schema.
  Only graphql-transport-ws is served on the socket (the legacy ``graphql-ws`` protocol's
  ``start`` messages would bypass this check, so the BFF does not offer it).
"""

from __future__ import annotations

from typing import Any

import orjson

from bff.limits import OperationLimits
from bff.persisted_http import (
    ASGIApp,
    Message,
    PersistedPolicy,
    PersistedQueryError,
    Receive,
    Scope,
    Send,
)
from servicekit.auth import ANONYMOUS, Principal, TokenVerifier, bearer_token

__all__ = ["TrustedSocketMiddleware", "connection_authorization", "verify_connection"]


def connection_authorization(params: Any, upgrade_headers: dict[str, str]) -> str | None:
    """The ``Authorization`` value of a socket: ``connection_init``'s payload, else the upgrade's
    header (payload keys in any case, as the router reads them)."""
    if isinstance(params, dict):
        flat = {str(k).lower(): v for k, v in params.items()}
        nested = flat.get("headers")
        if isinstance(nested, dict):
            flat = {**{str(k).lower(): v for k, v in nested.items()}, **flat}
        value = flat.get("authorization")
        if isinstance(value, str) and value:
            return value
        token = flat.get("token")
        if isinstance(token, str) and token:
            return f"Bearer {token}"
    return upgrade_headers.get("authorization") or None


async def verify_connection(verifier: TokenVerifier, authorization: str | None) -> Principal:
    """The socket's caller; raises :class:`servicekit.auth.AuthenticationError` for a credential
    that does not verify (none: anonymous, as over HTTP)."""
    token = None if authorization is None else bearer_token({"authorization": authorization})
    return ANONYMOUS if token is None else await verifier.verify(token)


class TrustedSocketMiddleware:
    """Resolves and checks each ``subscribe`` message of WebSockets to ``path``."""

    def __init__(
        self,
        app: ASGIApp,
        policy: PersistedPolicy,
        limits: OperationLimits | None,
        path: str = "/graphql",
    ) -> None:
        self.app = app
        self.policy = policy
        self.limits = limits
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return

        async def checked_receive() -> Message:
            while True:
                message = await receive()
                if message["type"] != "websocket.receive":
                    return message
                replaced = await self._check(message, send)
                if replaced is not None:
                    return replaced

        await self.app(scope, checked_receive, send)

    async def _check(self, message: Message, send: Send) -> Message | None:
        """The message to pass on (rewritten with the resolved document), or None when it was
        refused here (its ``error`` already sent)."""
        raw = message.get("text")
        if raw is None:
            raw = (message.get("bytes") or b"").decode("utf-8", errors="replace")
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return message  # Strawberry closes with 4400
        if not isinstance(parsed, dict) or parsed.get("type") != "subscribe":
            return message
        payload = parsed.get("payload")
        if not isinstance(payload, dict):
            return message  # Strawberry closes with 4400
        try:
            resolved = await self.policy.resolve(payload)
            self._check_limits(resolved.get("query"))
        except PersistedQueryError as error:
            body = orjson.loads(error.body())
            answer = {"id": parsed.get("id"), "type": "error", "payload": body["errors"]}
            await send({"type": "websocket.send", "text": orjson.dumps(answer).decode()})
            return None
        text = orjson.dumps({**parsed, "payload": resolved}).decode()
        return {"type": "websocket.receive", "text": text}

    def _check_limits(self, query: object) -> None:
        if self.limits is None or not isinstance(query, str):
            return
        violation = self.limits.check(query)
        if violation is not None:
            error = violation.to_graphql_error()
            raise PersistedQueryError(error["message"], violation.code, 400, error["extensions"])

"""Persisted operations at the HTTP edge: a pure-ASGI middleware in front of Strawberry's view.

It turns a request carrying only an operation id into a normal one with ``query`` filled in,
before Strawberry sees it. Policies (issue #6):

* mobile in production: only manifest operations (by ``extensions.persistedQuery.sha256Hash`` or
  ``id``); anything else is ``PERSISTED_QUERY_NOT_IN_LIST`` with status 400 (Apollo's code).
* web (and mobile in development): free-form operations too, and Apollo's APQ protocol with the
  documents stored in Redis (``PERSISTED_QUERY_NOT_FOUND`` tells the client to send the text).

Here the document's text is known before Strawberry parses it, so this is also where the
request's cheap limits run (issue #11): the body's size while it is read (413
``PAYLOAD_TOO_LARGE``, the router's answer), then the operation limits of :mod:`bff.limits` on the
resolved text, before any validation or execution. A refused operation is a request error
(GraphQL-over-HTTP, "Response"): 400 under ``application/graphql-response+json`` when the client
accepts it, else 200 under ``application/json``, as the router answers; the error carries the
limit's code (``MAX_DEPTH_EXCEEDED`` ...), the measured value and the limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from bff.cache import RedisCache
from bff.http_errors import graphql_error_answers, method_not_allowed, respond_error
from bff.limits import OperationLimits
from bff.persisted import Manifest, sha256_hex

__all__ = ["PersistedOperationsMiddleware", "PersistedPolicy", "PersistedQueryError"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
MAX_BODY_BYTES = 2_000_000
"""The router's ``http.max_body_bytes`` default."""

# ``{"query": ""}`` is a well-formed request whose document does not parse: a request error,
# 200 under application/json like any other parse error (GraphQL-over-HTTP, "application/json").
_EMPTY_DOCUMENT = orjson.dumps(
    {
        "errors": [
            {
                "message": "Syntax Error: Unexpected <EOF>.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ]
    }
)


class PersistedQueryError(Exception):
    """A request refused before Strawberry sees it: one GraphQL error with ``status``."""

    def __init__(
        self,
        message: str,
        code: str,
        status: int,
        extensions: dict[str, Any] | None = None,
        media_type: str = "application/json",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.extensions = {"code": code, **(extensions or {})}
        self.media_type = media_type

    def body(self) -> bytes:
        error = {"message": str(self), "extensions": self.extensions}
        return orjson.dumps({"errors": [error]})


@dataclass
class PersistedPolicy:
    """What a BFF accepts: its manifest, free-form documents or not, APQ in Redis or not."""

    manifest: Manifest
    allow_freeform: bool
    apq_cache: RedisCache | None = None
    apq_ttl_seconds: int = 86_400

    async def resolve(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the payload with ``query`` set, or raise :class:`PersistedQueryError`."""
        extensions = payload.get("extensions") or {}
        if not isinstance(extensions, dict):
            raise PersistedQueryError("extensions must be an object", "BAD_REQUEST", 400)
        persisted = extensions.get("persistedQuery") or {}
        if not isinstance(persisted, dict):
            raise PersistedQueryError("persistedQuery must be an object", "BAD_REQUEST", 400)
        operation_id = persisted.get("sha256Hash") or payload.get("id")
        query = payload.get("query")
        if query is not None and not isinstance(query, str):
            raise PersistedQueryError("the query must be a string", "BAD_REQUEST", 400)
        if operation_id is not None and not isinstance(operation_id, str):
            raise PersistedQueryError("the operation id must be a string", "BAD_REQUEST", 400)
        if not operation_id:
            if isinstance(query, str) and self._accepts_text(query):
                return payload
            raise self._not_in_list()
        if query:
            return await self._register(payload, operation_id, query)
        known = self.manifest.get(operation_id)
        if known is not None:
            return {**payload, "query": known.body}
        if self.apq_cache is not None:
            stored = await self.apq_cache.get_raw(f"apq:{operation_id}")
            if stored is not None:
                return {**payload, "query": stored.decode()}
            raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", 200)
        raise self._not_in_list()

    def _accepts_text(self, query: str) -> bool:
        return self.allow_freeform or self.manifest.get(sha256_hex(query)) is not None

    async def _register(
        self, payload: dict[str, Any], operation_id: str, query: Any
    ) -> dict[str, Any]:
        if not isinstance(query, str) or sha256_hex(query) != operation_id:
            raise PersistedQueryError(
                "provided sha256Hash does not match the query", "PERSISTED_QUERY_HASH_MISMATCH", 400
            )
        if self.manifest.get(operation_id) is not None:
            return payload
        if not self.allow_freeform:
            raise self._not_in_list()
        if self.apq_cache is not None:
            await self.apq_cache.set_raw(
                f"apq:{operation_id}", query.encode(), self.apq_ttl_seconds
            )
        return payload

    def _not_in_list(self) -> PersistedQueryError:
        return PersistedQueryError(
            "this operation is not in the persisted operation list of this client",
            "PERSISTED_QUERY_NOT_IN_LIST",
            400,
        )


class PersistedOperationsMiddleware:
    """Resolves persisted operations for requests to ``path`` (POST JSON and GET)."""

    def __init__(
        self,
        app: ASGIApp,
        policy: PersistedPolicy,
        path: str = "/graphql",
        *,
        limits: OperationLimits | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.policy = policy
        self.path = path
        self.limits = limits
        self.max_body_bytes = max_body_bytes

    def _check_limits(self, scope: Scope, query: object) -> None:
        """Refuse a document over an operation limit (before it is validated or run)."""
        if self.limits is None or not isinstance(query, str):
            return
        violation = self.limits.check(query)
        if violation is None:
            return
        error = violation.to_graphql_error()
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1").lower()
        if GRAPHQL_RESPONSE_JSON in accept:
            status, media_type = 400, GRAPHQL_RESPONSE_JSON
        else:
            status, media_type = 200, "application/json"
        raise PersistedQueryError(
            error["message"], violation.code, status, error["extensions"], media_type
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "POST"):
            await method_not_allowed(send, method)
            return
        send = graphql_error_answers(send)
        try:
            if method == "POST":
                await self._post(scope, receive, send)
                return
            if method == "GET" and scope.get("query_string"):
                scope = await self._get(scope)
        except PersistedQueryError as error:
            await respond_error(send, error.status, error.body(), media_type=error.media_type)
            return
        await self.app(scope, receive, send)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, self.max_body_bytes)
        # media types are case-insensitive (RFC 9110 8.3.1); Strawberry compares them verbatim
        content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
        if content_type.split(b";")[0].strip() == b"application/json":
            scope = _with_header(scope, b"content-type", b"application/json")
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError:
                payload = None
            if not isinstance(payload, dict):
                raise PersistedQueryError("the body must be a JSON object", "BAD_REQUEST", 400)
            resolved = await self.policy.resolve(payload)
            self._check_limits(scope, resolved.get("query"))
            if resolved.get("query") == "":  # Strawberry: 400 "No GraphQL query found"
                await respond_error(send, 200, _EMPTY_DOCUMENT)
                return
            body = orjson.dumps(resolved)
        elif not self.policy.allow_freeform:
            raise PersistedQueryError("send persisted operations as JSON", "BAD_REQUEST", 415)
        else:  # GraphQL-over-HTTP, "POST": application/json (Strawberry took application/jsonx)
            raise PersistedQueryError(
                "the Content-Type must be application/json", "INVALID_CONTENT_TYPE_HEADER", 415
            )
        await self.app(_with_length(scope, len(body)), _replay(body, receive), send)

    async def _get(self, scope: Scope) -> Scope:
        params = dict(parse_qsl(scope["query_string"].decode(), keep_blank_values=True))
        payload: dict[str, Any] = {k: v for k, v in params.items() if k in ("query", "id")}
        if "extensions" in params:
            try:
                payload["extensions"] = orjson.loads(params["extensions"])
            except orjson.JSONDecodeError as error:
                raise PersistedQueryError("extensions is not JSON", "BAD_REQUEST", 400) from error
        if not payload:
            return scope
        resolved = await self.policy.resolve(payload)
        self._check_limits(scope, resolved.get("query"))
        params["query"] = resolved["query"]
        return {**scope, "query_string": urlencode(params).encode()}


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PersistedQueryError(
                f"Request body larger than the limit of {limit} bytes", "PAYLOAD_TOO_LARGE", 413
            )
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body once, then the real channel (so disconnects still arrive)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _with_header(scope: Scope, name: bytes, value: bytes) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k != name]
    headers.append((name, value))
    return {**scope, "headers": headers}


def _with_length(scope: Scope, length: int) -> Scope:
    return _with_header(scope, b"content-length", str(length).encode())

"""GraphQL over WebSocket, the ``graphql-transport-ws`` protocol of graphql-ws
(https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md), as Hive Gateway and Cosmo
serve it at the GraphQL path.

- The caller is verified once, from ``connection_init``: its payload's ``Authorization``
  (``Bearer <token>``, any case, also under ``headers``) or ``token`` is checked by the same
  gate as an HTTP bearer token (rate limit included); refused: close ``4403 Forbidden``.
  A browser cannot set headers on a WebSocket, so the token travels in the payload (as Apollo
  Client and graphql-ws clients send ``connectionParams``); CSRF prevention does not apply, the
  page must hold the token. The identity is not re-checked while the socket stays open.
- Close codes: 4400 invalid message, 4401 ``subscribe`` before ``connection_ack``, 4403
  refused ``connection_init``, 4406 subprotocol not acceptable, 4408 no ``connection_init``
  within ``subscriptions.connection_init_timeout_seconds``, 4409 a second subscriber with one id,
  4429 a second ``connection_init``.
- ``ping`` is answered ``pong`` (same payload); ``subscribe`` runs a subscription (a query or
  mutation is one ``next`` then ``complete``); a refused operation is an ``error`` message with
  the GraphQL errors (validation, authorization, the per-connection/global caps); an error after
  events started (subgraph disconnect, supergraph reload) is a ``next`` with ``errors``, then
  ``complete``; the client's ``complete`` stops its subscription (and its subgraph stream).
- Plugins (:mod:`router.plugins`) see each ``subscribe`` as a request (method ``GET``, the
  upgrade's, and its path; the headers are the upgrade's plus the ``connection_init`` token):
  a refusal at subscribe time is an ``error`` message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from router.http.admission import admit
from router.http.endpoint import GraphQLEndpoint
from router.http.errors import HttpError
from router.http.params import RequestParams
from router.request import GraphQLRequest, GraphQLResponse
from router.security.gate import Admission
from router.subscriptions.service import (
    ConnectionSlots,
    SubscriptionRefused,
    SubscriptionService,
    operation_kind,
)
from servicekit.auth.principal import ANONYMOUS

__all__ = ["PROTOCOL", "GraphQLWebSocket"]

PROTOCOL = "graphql-transport-ws"
_MAX_REASON = 120


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason.encode()[:_MAX_REASON].decode(errors="ignore")


def _token_headers(payload: Any) -> dict[str, str]:
    """``authorization`` from ``connection_init``'s payload (its keys in any case)."""
    if not isinstance(payload, dict):
        return {}
    flat = {str(k).lower(): v for k, v in payload.items()}
    nested = flat.get("headers")
    if isinstance(nested, dict):
        flat = {**{str(k).lower(): v for k, v in nested.items()}, **flat}
    value = flat.get("authorization")
    if isinstance(value, str) and value:
        return {"authorization": value}
    token = flat.get("token")
    if isinstance(token, str) and token:
        return {"authorization": f"Bearer {token}"}
    return {}


class _Connection:
    """One client WebSocket: its caller, its subscriptions by id, serialized sends."""

    def __init__(self, owner: GraphQLWebSocket, websocket: WebSocket) -> None:
        self.owner = owner
        self.websocket = websocket
        self.headers = {k: v for k, v in websocket.headers.items()}
        self.client_ip = owner.endpoint.client_ip.resolve(websocket, self.headers)
        self.admission: Admission | None = None
        self.init_received = False
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.slots: ConnectionSlots = owner.service.connection_slots()
        self.lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self.lock:
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await self.websocket.send_text(orjson.dumps(message).decode())

    async def on_message(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError as error:
            raise _Close(4400, "Invalid message received") from error
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise _Close(4400, "Invalid message received")
        kind = message["type"]
        if kind == "connection_init":
            await self._init(message.get("payload"))
        elif kind == "ping":
            pong: dict[str, Any] = {"type": "pong"}
            if "payload" in message:
                pong["payload"] = message["payload"]
            await self.send(pong)
        elif kind == "pong":
            return
        elif kind == "subscribe":
            self._subscribe(message)
        elif kind == "complete":
            task = self.tasks.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            raise _Close(4400, f"Invalid message received: unknown type {kind!r}")

    async def _init(self, payload: Any) -> None:
        if self.init_received:
            raise _Close(4429, "Too many initialisation requests")
        self.init_received = True
        headers = {**self.headers, **_token_headers(payload), "content-type": "application/json"}
        gate = self.owner.endpoint.gate
        if gate is None:
            self.admission = Admission(ANONYMOUS)
        else:
            admission = await admit(gate, "POST", headers, self.client_ip, None)
            if admission.refusal is not None:
                errors = admission.refusal.errors
                reason = errors[0]["message"] if errors else "refused"
                raise _Close(4403, f"Forbidden: {reason}")
            self.admission = admission
        self.headers = headers
        await self.send({"type": "connection_ack"})

    def _subscribe(self, message: dict[str, Any]) -> None:
        if self.admission is None:
            raise _Close(4401, "Unauthorized")
        operation_id, payload = message.get("id"), message.get("payload")
        if not isinstance(operation_id, str) or not operation_id or not isinstance(payload, dict):
            raise _Close(4400, "Invalid message received: subscribe needs an id and a payload")
        if operation_id in self.tasks:
            raise _Close(4409, f"Subscriber for {operation_id} already exists")
        task = asyncio.create_task(self._run(operation_id, payload))
        self.tasks[operation_id] = task

    async def _request(self, payload: dict[str, Any]) -> GraphQLRequest:
        query, name = payload.get("query"), payload.get("operationName")
        variables, extensions = payload.get("variables"), payload.get("extensions")
        if query is not None and not isinstance(query, str):
            raise HttpError(400, "query must be a string", "BAD_REQUEST")
        if name is not None and not isinstance(name, str):
            raise HttpError(400, "operationName must be a string", "BAD_REQUEST")
        if variables is not None and not isinstance(variables, dict):
            raise HttpError(400, "variables must be an object", "BAD_REQUEST")
        if extensions is not None and not isinstance(extensions, dict):
            raise HttpError(400, "extensions must be an object", "BAD_REQUEST")
        document_id = payload.get("documentId")
        if document_id is not None and (not isinstance(document_id, str) or not document_id):
            raise HttpError(400, "documentId must be a non-empty string", "BAD_REQUEST")
        params = RequestParams(query, name, variables, extensions, document_id)
        # trusted documents per client (issue #18) hold on this transport too, else APQ
        text = await self.owner.endpoint.resolve_document(params, self.headers)
        principal = self.admission.principal if self.admission is not None else ANONYMOUS
        return GraphQLRequest(
            query=text,
            operation_name=name,
            variables=variables,
            extensions=extensions,
            headers=self.headers,
            allowed_operation_types=frozenset({"query", "mutation", "subscription"}),
            principal=principal,
            client_ip=self.client_ip,
        )

    async def _run(self, operation_id: str, payload: dict[str, Any]) -> None:
        completed_by_client = True
        try:
            try:
                request = await self._request(payload)
            except HttpError as error:
                await self._error(operation_id, error.body().get("errors", []))
                completed_by_client = False
                return
            if operation_kind(request.query, request.operation_name) != "subscription":
                completed_by_client = False
                await self._single(operation_id, request)
                return
            try:
                live = await self.owner.service.start(
                    request,
                    self.slots,
                    plugins=self.owner.endpoint.options.plugins,
                    method="GET",  # the upgrade request's
                    path=self.websocket.url.path,
                )
            except SubscriptionRefused as refused:
                completed_by_client = False
                await self._error(operation_id, refused.response.errors)
                return
            live.begin()
            try:
                while True:
                    event = await live.next()
                    if event is None:
                        continue
                    if event.terminal and event.before_first and event.response is not None:
                        completed_by_client = False
                        await self._error(operation_id, event.response.errors)
                        return
                    if event.response is not None:
                        await self._next(operation_id, event.response)
                    if event.complete or event.terminal:
                        completed_by_client = False
                        await self.send({"id": operation_id, "type": "complete"})
                        return
            finally:
                await live.close()
        finally:
            if not completed_by_client:
                self.tasks.pop(operation_id, None)

    async def _single(self, operation_id: str, request: GraphQLRequest) -> None:
        endpoint = self.owner.endpoint  # through the plugins, redaction, masking
        response = await endpoint.run_request(request, method="GET", path=self.websocket.url.path)
        if not response.has_data:
            await self._error(operation_id, response.errors)
            return
        await self._next(operation_id, response)
        await self.send({"id": operation_id, "type": "complete"})

    async def _next(self, operation_id: str, response: GraphQLResponse) -> None:
        await self.send({"id": operation_id, "type": "next", "payload": response.to_dict()})

    async def _error(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        await self.send({"id": operation_id, "type": "error", "payload": errors})

    async def close_all(self) -> None:
        tasks = list(self.tasks.values())
        self.tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class GraphQLWebSocket:
    """The WebSocket route at the GraphQL path."""

    def __init__(self, endpoint: GraphQLEndpoint, service: SubscriptionService) -> None:
        self.endpoint = endpoint
        self.service = service

    async def handle(self, websocket: WebSocket) -> None:
        if PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.accept()
            await websocket.close(4406, "Subprotocol not acceptable")
            return
        await websocket.accept(subprotocol=PROTOCOL)
        connection = _Connection(self, websocket)
        timeout = self.service.settings.connection_init_timeout_seconds
        try:
            await self._serve(connection, timeout)
        except _Close as close:
            with contextlib.suppress(Exception):
                await websocket.close(close.code, close.reason)
        except WebSocketDisconnect:
            pass
        finally:
            await connection.close_all()

    async def _serve(self, connection: _Connection, init_timeout: float) -> None:
        websocket = connection.websocket
        loop = asyncio.get_running_loop()
        deadline = loop.time() + init_timeout
        while True:
            if connection.init_received:
                raw = await _receive(websocket)
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        raw = await _receive(websocket)
                except TimeoutError as error:
                    raise _Close(4408, "Connection initialisation timeout") from error
            await connection.on_message(raw)


async def _receive(websocket: WebSocket) -> str:
    """The next text frame; a binary frame breaks the protocol (4400)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if not isinstance(text, str):
        raise _Close(4400, "Invalid message received: binary frame")
    return text

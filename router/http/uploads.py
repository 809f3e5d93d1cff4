"""File uploads: the GraphQL multipart request spec (jaydenseric/graphql-multipart-request-spec),
streamed to the subgraph that owns the ``Upload`` argument (issue #18).

A ``multipart/form-data`` POST carries, in this order, ``operations`` (the request object, with
``null`` where each file goes), ``map`` (``{"0": ["variables.image"], ...}``) and one part per
file, named by its ``map`` key. As Apollo Router's ``preview_file_uploads`` in ``mode: stream``:

- ``operations`` and ``map`` are read (``file_uploads.max_operations_bytes``), the operation is
  admitted (CSRF: ``multipart/form-data`` is a "simple" content type, so the browser-preflight
  header ``apollo-require-preflight`` or ``x-apollo-operation-name`` is required, exactly as
  Apollo Router and Apollo Server require it), validated, planned and run while **the files are
  still unread**: the fetch whose variables take a file (:mod:`router.execution.uploads`) is
  sent to its subgraph as a multipart request of its own (``operations`` with the subgraph
  operation, its own ``map``, the files) whose file bytes are copied from the client's stream
  as they arrive. Memory stays one network chunk per upload, whatever the file's size.
- Files must come in the order the plan uses them (Apollo Router's stream-mode rule, which it
  enforces with ``FILE_UPLOADS_OPERATION_CANNOT_STREAM``; this router answers 400 with that code
  when a fetch finds another file than the one it needs next).
- Limits: more than ``max_files`` files, or a declared ``Content-Length`` that cannot fit
  ``max_files`` files of ``max_file_size`` plus the operation, is 413 ``PAYLOAD_TOO_LARGE``
  before anything is read; a file passing ``max_file_size`` while it streams aborts the subgraph
  request at once (the rest of the body is never read) and the client gets 413
  ``PAYLOAD_TOO_LARGE`` instead of the operation's answer.
- Batches (an array in ``operations``) are refused, as Apollo Router refuses them.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from typing import Any

import httpx
import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from router.config import FileUploadsConfig
from router.execution.subgraphs import SubgraphAnswer, transport_failure
from router.execution.uploads import Through, current_uploads
from router.http.errors import HttpError
from router.http.multipart_reader import MultipartError, MultipartReader, boundary_of
from router.http.params import RequestParams, params_from_object
from router.http.render import error_response, graphql_response
from router.request import GraphQLResponse
from router.security.gate import Admission

__all__ = ["CANNOT_STREAM", "RequestUploads", "UploadHandler", "is_multipart"]

CANNOT_STREAM = "FILE_UPLOADS_OPERATION_CANNOT_STREAM"
_INVALID = "INVALID_GRAPHQL_REQUEST"
_OVERHEAD_BYTES = 64 * 1024
"""Part headers and boundaries a declared Content-Length may add to the files and operation."""

RunOne = Callable[[RequestParams, Admission | None], Awaitable[GraphQLResponse]]
AdmitLate = Callable[[str | None], Awaitable[Admission | None]]
Path = tuple[str | int, ...]


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "multipart/form-data"


def _invalid(message: str) -> HttpError:
    return HttpError(400, f"Invalid multipart request: {message}", _INVALID)


def _too_large(message: str) -> HttpError:
    return HttpError(413, message, "PAYLOAD_TOO_LARGE")


def _path(text: Any) -> Path:
    """``variables.a.0.b`` → ``("a", 0, "b")`` (the spec's object-path notation)."""
    if not isinstance(text, str) or not text.startswith("variables."):
        raise _invalid(f"the map path {text!r} does not start with 'variables.'")
    segments = text.split(".")[1:]
    if not segments or not segments[0]:
        raise _invalid(f"the map path {text!r} names no variable")
    return tuple(int(s) if s.isdigit() else s for s in segments)


def _put(variables: Any, path: Path, value: Any, *, expect_null: bool) -> None:
    """Set ``value`` at ``path`` inside ``variables``; 400 when the path leads nowhere."""
    node = variables
    for segment in path[:-1]:
        try:
            node = node[segment]
        except (KeyError, IndexError, TypeError):
            node = None
        if not isinstance(node, dict | list):
            break
    last = path[-1]
    fits = (isinstance(node, dict) and isinstance(last, str) and last in node) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    )
    if not fits or (expect_null and node[last] is not None):
        shown = ".".join(str(s) for s in path)
        raise _invalid(f"'variables.{shown}' is not a null value in 'operations'")
    node[last] = value


def _form_field(boundary: str, name: str, extra: str = "") -> bytes:
    quoted = name.replace('"', "%22")
    return f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"{extra}\r\n'.encode()


class RequestUploads:
    """One request's files: which variables they fill, and the streamed forwarding of them
    (:class:`router.execution.uploads.UploadForwarder`)."""

    def __init__(
        self, reader: MultipartReader, files: Mapping[str, list[Path]], settings: FileUploadsConfig
    ) -> None:
        self._reader = reader
        self._files = dict(files)
        self._settings = settings
        self._variables = {str(path[0]) for paths in files.values() for path in paths}
        self._lock = asyncio.Lock()
        self.refusal: HttpError | None = None
        """Set when the request must be refused as a whole (413, files out of order)."""
        self.forwarded: dict[str, int] = {}
        """Bytes forwarded per file key (``/ready`` and logs do not need it; tests read it)."""

    def used_by(self, variables: Collection[str]) -> bool:
        return not self._variables.isdisjoint(variables)

    def _paths_for(self, variables: Collection[str]) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        for key, paths in self._files.items():  # map order: the order the files come in
            mine = [path for path in paths if path[0] in variables]
            if mine:
                found[key] = mine
        return found

    def subgraph_operations(self, body: bytes, variables: Collection[str]) -> bytes:
        document = orjson.loads(body)
        values = document.get("variables") or {}
        for paths in self._paths_for(variables).values():
            for path in paths:
                _put(values, path, None, expect_null=False)
        return orjson.dumps(document)

    async def send(
        self,
        name: str,
        url: str,
        operations: bytes,
        headers: dict[str, str],
        variables: Collection[str],
        *,
        through: Through,
    ) -> SubgraphAnswer:
        mine = self._paths_for(variables)
        boundary = f"router-{secrets.token_hex(12)}"
        outbound = {**headers, "content-type": f"multipart/form-data; boundary={boundary}"}
        timeout = httpx.Timeout(30.0, connect=5.0)

        async def post(target: str) -> tuple[int, bytes, str | None]:
            """To the replica chosen; our own abort (a refusal, a client gone) is not the
            subgraph's failure: status 0, so neither the breaker nor the balancer counts it."""
            try:
                async with httpx.AsyncClient(timeout=timeout) as client:
                    response = await client.post(
                        target, content=self._body(boundary, operations, mine), headers=outbound
                    )
            except (HttpError, MultipartError) as error:
                if self.refusal is None:
                    self.refusal = error if isinstance(error, HttpError) else _invalid(str(error))
                return 0, b"", None
            except ClientDisconnect:  # the client went away mid-file: nothing to answer
                self.refusal = _invalid("the client disconnected during the upload")
                return 0, b"", None
            except httpx.HTTPError:
                if self.refusal is not None:  # our own abort, surfaced by httpx
                    return 0, b"", None
                raise
            return response.status_code, response.content, None

        async with self._lock:  # one client stream: one forwarding at a time
            answer = await through(post)
        if self.refusal is not None:
            return transport_failure(name, self.refusal.message)
        return answer

    async def _body(
        self, boundary: str, operations: bytes, files: Mapping[str, list[Path]]
    ) -> AsyncIterator[bytes]:
        """The subgraph's multipart body; file bytes are yielded as the client sends them."""
        sub_map = {
            key: ["variables." + ".".join(str(s) for s in path) for path in paths]
            for key, paths in files.items()
        }
        yield _form_field(boundary, "operations") + b"\r\n" + operations + b"\r\n"
        yield _form_field(boundary, "map") + b"\r\n" + orjson.dumps(sub_map) + b"\r\n"
        for key in files:
            part = await self._reader.next_part()
            if part is None or part.name != key:
                found = "nothing" if part is None else f"file '{part.name}'"
                self.refusal = HttpError(
                    400,
                    f"Cannot stream the upload: the operation needs file '{key}' next but the "
                    f"request has {found}; send the files in the order the operation uses them",
                    CANNOT_STREAM,
                )
                raise self.refusal
            filename = (part.filename or key).replace('"', "%22")
            head = _form_field(boundary, key, f'; filename="{filename}"')
            content_type = part.content_type or "application/octet-stream"
            yield head + f"Content-Type: {content_type}\r\n\r\n".encode()
            size = 0
            async for chunk in self._reader.data():
                size += len(chunk)
                if size > self._settings.max_file_size:
                    self.refusal = _too_large(
                        f"File '{key}' is larger than the limit of "
                        f"{self._settings.max_file_size} bytes"
                    )
                    raise self.refusal
                yield chunk
            self.forwarded[key] = size
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()


class UploadHandler:
    """Serves multipart requests for the endpoint (``file_uploads.enabled``)."""

    def __init__(self, settings: FileUploadsConfig) -> None:
        self.settings = settings

    def _check_declared_length(self, declared: str | None) -> None:
        limit = (
            self.settings.max_operations_bytes
            + self.settings.max_files * self.settings.max_file_size
            + _OVERHEAD_BYTES
        )
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _too_large(
                f"Request body larger than {limit} bytes ({self.settings.max_files} files of at "
                f"most {self.settings.max_file_size} bytes and the operation)"
            )

    async def _read_field(self, reader: MultipartReader, name: str, budget: int) -> Any:
        part = await reader.next_part()
        if part is None or part.name != name or part.filename is not None:
            raise _invalid(
                f"the '{name}' field must come {'first' if name == 'operations' else 'second'}"
            )
        try:
            raw = await reader.read_part(budget)
        except OverflowError:
            raise _too_large(
                f"'operations' and 'map' are larger than {self.settings.max_operations_bytes} bytes"
            ) from None
        try:
            return raw, orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _invalid(f"the '{name}' field is not JSON") from None

    async def _open(
        self, request: Request
    ) -> tuple[MultipartReader, RequestParams, dict[str, list[Path]]]:
        self._check_declared_length(request.headers.get("content-length"))
        try:
            reader = MultipartReader(
                request.stream(), boundary_of(request.headers.get("content-type", ""))
            )
            budget = self.settings.max_operations_bytes
            raw, operations = await self._read_field(reader, "operations", budget)
            _, files = await self._read_field(reader, "map", budget - len(raw))
        except MultipartError as error:
            raise _invalid(str(error)) from None
        if isinstance(operations, list):
            raise _invalid("batched operations cannot carry file uploads")
        if not isinstance(files, dict) or not all(
            isinstance(paths, list) and paths for paths in files.values()
        ):
            raise _invalid("'map' must be an object of non-empty path lists")
        if len(files) > self.settings.max_files:
            raise _too_large(
                f"Exceeded the limit of {self.settings.max_files} file uploads in one request"
            )
        parsed = {str(key): [_path(p) for p in paths] for key, paths in files.items()}
        variables = operations.get("variables") if isinstance(operations, dict) else None
        for key, paths in parsed.items():
            for path in paths:  # a placeholder the router's coercion accepts (Upload is opaque)
                _put(variables, path, f"<upload {key}>", expect_null=True)
        return reader, params_from_object(operations), parsed

    async def serve(
        self, request: Request, media_type: str, run: RunOne, admit: AdmitLate
    ) -> Response:
        """The whole multipart request: read, admit, run with the files, answer."""
        try:
            reader, params, files = await self._open(request)
        except HttpError as error:
            return error_response(error, media_type)
        admission = await admit(params.operation_name)
        if admission is not None and admission.refusal is not None:
            return graphql_response(admission.refusal, media_type, admission.headers)
        uploads = RequestUploads(reader, files, self.settings)
        token = current_uploads.set(uploads)
        try:
            response = await run(params, admission)
        except HttpError as error:
            return error_response(error, media_type)
        finally:
            current_uploads.reset(token)
        if uploads.refusal is not None:
            return error_response(uploads.refusal, media_type)
        return graphql_response(response, media_type, admission.headers if admission else None)

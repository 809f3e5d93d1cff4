"""Subgraph error redaction at the client boundary (issue #18), Apollo Router's model.

Production mode (unless ``include_subgraph_errors`` says otherwise) keeps internal detail off
the wire while clients still learn *which* subgraph failed and how (``extensions.code``,
``extensions.service``, ``path``):

- the router's own subrequest failures (``SUBREQUEST_HTTP_ERROR``,
  ``SUBREQUEST_MALFORMED_RESPONSE``) carried the connection error's text, with the subgraph's
  internal address (``ConnectError: ... ('10.0.3.7', 4002)``), or the status line; they become
  Apollo Router's message with the subgraph name only (``HTTP fetch failed from 'products'``)
  and lose ``reason``;
- errors a subgraph returned lose ``extensions.exception``/``stacktrace``/``traceback``
  (debug output of Strawberry, Ariadne, graphql-js servers) and any URL in their message;
- ``include_subgraph_errors`` (Apollo's section: ``all`` and per subgraph) set to false replaces
  a subgraph's messages with ``Subgraph errors redacted``, as Apollo Router does.

Development mode keeps every detail (``include_subgraph_errors`` may still redact a subgraph).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from router.config import IncludeSubgraphErrors, RouterConfig
from router.request import GraphQLResponse
from servicekit.suggestions import mask_suggestions

__all__ = [
    "REDACTED",
    "ClientErrors",
    "Redaction",
    "client_errors_for",
    "redact_errors",
    "redaction_for",
]

REDACTED = "Subgraph errors redacted"
_SUBREQUEST_MESSAGES = {
    "SUBREQUEST_HTTP_ERROR": "HTTP fetch failed from '{service}'",
    "SUBREQUEST_MALFORMED_RESPONSE": "service '{service}' response was malformed",
}
_DEBUG_EXTENSIONS = ("exception", "stacktrace", "traceback")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>)]*[^\s'\"<>).,:;]")


@dataclass(frozen=True, slots=True)
class Redaction:
    """What to hide: ``detail`` false hides internal detail; ``include`` is the switch list."""

    detail: bool
    include: IncludeSubgraphErrors | None


def redaction_for(config: RouterConfig) -> Redaction | None:
    """``None`` when nothing is redacted (development without ``include_subgraph_errors``)."""
    development = config.mode == "development"
    if development and config.include_subgraph_errors is None:
        return None
    return Redaction(detail=development, include=config.include_subgraph_errors)


def _redact(error: dict[str, Any], redaction: Redaction) -> dict[str, Any]:
    extensions = error.get("extensions")
    if not isinstance(extensions, dict) or not isinstance(extensions.get("service"), str):
        return error  # not about a subgraph
    service: str = extensions["service"]
    code = extensions.get("code")
    included = redaction.include.includes(service) if redaction.include else True
    if not included:
        kept = {k: v for k, v in (("code", code), ("service", service)) if v is not None}
        return _rebuilt(error, REDACTED, kept)
    if redaction.detail:
        return error
    template = _SUBREQUEST_MESSAGES.get(code) if isinstance(code, str) else None
    if template is not None:
        return _rebuilt(error, template.format(service=service), {"code": code, "service": service})
    message = _URL.sub("[redacted]", str(error.get("message", "")))
    cleaned = {k: v for k, v in extensions.items() if k not in _DEBUG_EXTENSIONS}
    return _rebuilt(error, message, cleaned)


def _rebuilt(error: dict[str, Any], message: str, extensions: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message}
    for key in ("locations", "path"):
        if key in error:
            out[key] = error[key]
    out["extensions"] = extensions
    return out


def redact_errors(errors: list[dict[str, Any]], redaction: Redaction) -> list[dict[str, Any]]:
    """The errors as the client may see them (new objects; the input is not changed)."""
    return [_redact(error, redaction) for error in errors]


@dataclass(frozen=True, slots=True)
class ClientErrors:
    """What a client may see of a response's errors: redaction (issue #18) and, in production,
    no "Did you mean ...?" schema hints. The endpoint applies it to every query's response and
    the subscription service to every event (an event's errors come from subgraphs too)."""

    redaction: Redaction | None
    mask: bool

    def __call__(self, response: GraphQLResponse) -> GraphQLResponse:
        if response.subsequent is not None and (self.redaction is not None or self.mask):
            response = replace(response, subsequent=self._parts(response.subsequent))
        if not response.errors:
            return response
        errors = self._errors(response.errors)
        return response if errors is response.errors else replace(response, errors=errors)

    def _errors(self, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.redaction is not None:
            errors = redact_errors(errors, self.redaction)
        if self.mask:
            errors = mask_suggestions(errors)
        return errors

    def _part(self, part: dict[str, Any]) -> dict[str, Any]:
        """A subsequent payload of ``@defer``/``@stream`` (incremental delivery): the errors of
        each ``incremental`` item and of the payload itself."""
        items = part.get("incremental")
        if items:
            part = {
                **part,
                "incremental": [
                    {**item, "errors": self._errors(item["errors"])} if item.get("errors") else item
                    for item in items
                ],
            }
        if part.get("errors"):
            part = {**part, "errors": self._errors(part["errors"])}
        return part

    async def _parts(self, parts: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        try:
            async for part in parts:
                yield self._part(part)
        finally:
            close = getattr(parts, "aclose", None)
            if close is not None:
                await close()


def client_errors_for(config: RouterConfig) -> ClientErrors:
    """Production masks schema hints; redaction as :func:`redaction_for` says."""
    return ClientErrors(redaction_for(config), mask=config.mode != "development")

"""CSRF prevention, as Apollo Router's ``csrf`` plugin and Apollo Server's ``csrfPrevention``.

A browser sends a cross-origin "simple" request (no CORS preflight) only with a ``Content-Type`` of
``application/x-www-form-urlencoded``, ``multipart/form-data`` or ``text/plain``, or none at all,
and without custom headers. So a request is let through only when it *would have been
preflighted*: its ``Content-Type`` is present and not one of those three (an unparseable value
counts as non-simple, since browsers cannot send it simply either), or it carries a non-empty
header from ``required_headers`` (``x-apollo-operation-name``, ``apollo-require-preflight``).
Anything else is refused with a 400 ``CSRF_ERROR`` before the operation is even parsed. CORS
preflights (``OPTIONS``) are the CORS layer's and pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from router.request import GraphQLResponse

__all__ = ["CSRF_ERROR", "SIMPLE_CONTENT_TYPES", "check_csrf", "is_preflighted"]

CSRF_ERROR = "CSRF_ERROR"
SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
DEFAULT_REQUIRED_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"^\s*({_TOKEN}/{_TOKEN})\s*(;.*)?$", re.DOTALL)


def _non_simple_content_type(value: str) -> bool:
    match = _MEDIA_TYPE.match(value)
    if match is None:
        return True  # not a media type a browser could send without a preflight
    return match[1].lower() not in SIMPLE_CONTENT_TYPES


def is_preflighted(
    headers: Mapping[str, str], required_headers: Iterable[str] = DEFAULT_REQUIRED_HEADERS
) -> bool:
    """Whether a browser must have preflighted this request (header names lower-cased)."""
    content_type = headers.get("content-type")
    if content_type is not None and _non_simple_content_type(content_type):
        return True
    return any(headers.get(name.lower(), "").strip() for name in required_headers)


def check_csrf(
    method: str,
    headers: Mapping[str, str],
    *,
    enabled: bool = True,
    required_headers: Iterable[str] = DEFAULT_REQUIRED_HEADERS,
) -> GraphQLResponse | None:
    """None when the request may proceed, else the 400 response to send."""
    required = tuple(required_headers)
    if not enabled or method.upper() == "OPTIONS" or is_preflighted(headers, required):
        return None
    message = (
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
        "Please either specify a 'content-type' header (with a mime-type that is not one of "
        f"{', '.join(sorted(SIMPLE_CONTENT_TYPES))}) or provide one of the following headers: "
        f"{', '.join(required)}"
    )
    return GraphQLResponse.request_error(message, CSRF_ERROR, status_hint=400)

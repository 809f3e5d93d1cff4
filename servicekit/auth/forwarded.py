"""Identity the router hands to subgraphs: the verified subject and scopes in plain headers,
signed with HMAC-SHA256 under a secret shared by the router and the subgraphs only.

Subgraphs never see or verify bearer tokens themselves; they trust ``x-user-id`` /
``x-user-scopes`` only when ``x-identity-signature`` is a valid MAC over them, a recent
timestamp **and the SHA-256 of the request body it came with**, so a captured signature cannot be
replayed on another request (AWS SigV4 binds its signature to the payload hash the same way) and
expires after :data:`MAX_AGE_SECONDS`. Format: ``v2;<unix seconds>;<hex mac>``; the MAC covers
``v2\\n<timestamp>\\n<user id>\\n<scopes>\\n<hex sha256(body)>``.

No random nonce: identical subgraph fetches of one caller within a second keep identical headers,
so the router's outbound deduplication still shares them. The router signs once per request
(:func:`sign_identity`) and binds the headers to each fetch body (:func:`bind_identity`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "MAX_AGE_SECONDS",
    "SCOPES_HEADER",
    "SIGNATURE_HEADER",
    "USER_ID_HEADER",
    "ForwardedIdentity",
    "bind_identity",
    "is_header_safe",
    "sign_identity",
    "verify_identity",
]

USER_ID_HEADER = "x-user-id"
SCOPES_HEADER = "x-user-scopes"
SIGNATURE_HEADER = "x-identity-signature"
MAX_AGE_SECONDS = 30.0
"""How long a forwarded identity is accepted (both ways, for clock skew between hosts)."""
_VERSION = "v2"
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]+$")
"""RFC 6749 section 3.3 scope-token characters: also always a valid header value."""
_VISIBLE = re.compile(r"^[\x21-\x7E]{1,255}$")


@dataclass(frozen=True, slots=True)
class ForwardedIdentity:
    user_id: str
    scopes: frozenset[str]


def is_header_safe(value: str) -> bool:
    """Visible ASCII only, 1 to 255 characters (no CR/LF, no spaces): a subject this module can
    carry in a header without a proxy or HTTP library refusing it."""
    return bool(_VISIBLE.fullmatch(value))


def _mac(secret: str, timestamp: str, user_id: str, scopes: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    message = f"{_VERSION}\n{timestamp}\n{user_id}\n{scopes}\n{digest}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_identity(
    secret: str,
    user_id: str,
    scopes: Iterable[str],
    *,
    body: bytes = b"",
    now: float | None = None,
) -> dict[str, str]:
    """The three headers for an authenticated caller, bound to ``body`` (rebind them to each
    outgoing body with :func:`bind_identity`). Scopes that are not RFC 6749 scope tokens are left
    out, as no header could carry them; a subject that is not header-safe is a ``ValueError``
    (token verification refuses such subjects first)."""
    if not is_header_safe(user_id):
        raise ValueError("the subject cannot be forwarded in a header")
    scope_text = " ".join(sorted({scope for scope in scopes if _SCOPE_TOKEN.fullmatch(scope)}))
    timestamp = str(int(time.time() if now is None else now))
    mac = _mac(secret, timestamp, user_id, scope_text, body)
    return {
        USER_ID_HEADER: user_id,
        SCOPES_HEADER: scope_text,
        SIGNATURE_HEADER: f"{_VERSION};{timestamp};{mac}",
    }


def bind_identity(
    headers: dict[str, str], body: bytes, secret: str | None, *, now: float | None = None
) -> dict[str, str]:
    """``headers`` with the identity signature bound to ``body`` (a new dict); ``headers``
    itself when it carries no identity or forwarding is off (no secret)."""
    user_id = headers.get(USER_ID_HEADER)
    if secret is None or not user_id or SIGNATURE_HEADER not in headers:
        return headers
    scopes = headers.get(SCOPES_HEADER, "").split()
    return {**headers, **sign_identity(secret, user_id, scopes, body=body, now=now)}


def verify_identity(
    headers: Mapping[str, str],
    secret: str,
    *,
    body: bytes,
    max_age_seconds: float = MAX_AGE_SECONDS,
    now: float | None = None,
) -> ForwardedIdentity | None:
    """The caller when the signature is valid for ``body`` and fresh, else None (anonymous)."""
    user_id = headers.get(USER_ID_HEADER, "")
    scopes = headers.get(SCOPES_HEADER, "")
    version, _, rest = headers.get(SIGNATURE_HEADER, "").partition(";")
    timestamp, _, mac = rest.partition(";")
    if not is_header_safe(user_id) or version != _VERSION:
        return None
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return None
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age_seconds:
        return None
    if not hmac.compare_digest(mac, _mac(secret, timestamp, user_id, scopes, body)):
        return None
    return ForwardedIdentity(user_id, frozenset(scopes.split()))

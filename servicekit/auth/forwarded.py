"""Identity the router hands to subgraphs: the verified subject and scopes in plain headers,
signed with HMAC-SHA256 under a secret shared by the router and the subgraphs only.

Subgraphs never see or verify bearer tokens themselves; they trust ``x-user-id`` /
``x-user-scopes`` only when ``x-identity-signature`` is a valid MAC over them and a recent
timestamp (so a client cannot set them through the router or call a subgraph directly with
them). Format of the signature header: ``v1;<unix seconds>;<hex mac>``; the MAC covers
``v1\\n<timestamp>\\n<user id>\\n<scopes>``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "SCOPES_HEADER",
    "SIGNATURE_HEADER",
    "USER_ID_HEADER",
    "ForwardedIdentity",
    "sign_identity",
    "verify_identity",
]

USER_ID_HEADER = "x-user-id"
SCOPES_HEADER = "x-user-scopes"
SIGNATURE_HEADER = "x-identity-signature"
_VERSION = "v1"
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]+$")
"""RFC 6749 section 3.3 scope-token characters: also always a valid header value."""


@dataclass(frozen=True, slots=True)
class ForwardedIdentity:
    user_id: str
    scopes: frozenset[str]


def _mac(secret: str, timestamp: str, user_id: str, scopes: str) -> str:
    message = f"{_VERSION}\n{timestamp}\n{user_id}\n{scopes}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_identity(
    secret: str, user_id: str, scopes: Iterable[str], *, now: float | None = None
) -> dict[str, str]:
    """The three headers for an authenticated caller; scopes that are not RFC 6749 scope tokens
    (control characters, quotes, backslashes) are left out, as no header could carry them."""
    scope_text = " ".join(sorted({scope for scope in scopes if _SCOPE_TOKEN.match(scope)}))
    timestamp = str(int(time.time() if now is None else now))
    return {
        USER_ID_HEADER: user_id,
        SCOPES_HEADER: scope_text,
        SIGNATURE_HEADER: f"{_VERSION};{timestamp};{_mac(secret, timestamp, user_id, scope_text)}",
    }


def verify_identity(
    headers: Mapping[str, str],
    secret: str,
    *,
    max_age_seconds: float = 300.0,
    now: float | None = None,
) -> ForwardedIdentity | None:
    """The caller when the signature is valid and fresh, else None (anonymous)."""
    user_id = headers.get(USER_ID_HEADER, "").strip()
    scopes = headers.get(SCOPES_HEADER, "")
    version, _, rest = headers.get(SIGNATURE_HEADER, "").partition(";")
    timestamp, _, mac = rest.partition(";")
    if not user_id or version != _VERSION or not timestamp.isdigit():
        return None
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age_seconds:
        return None
    if not hmac.compare_digest(mac, _mac(secret, timestamp, user_id, scopes)):
        return None
    return ForwardedIdentity(user_id, frozenset(scopes.split()))

"""Service-to-service identity: which service sent a request, signed and short-lived.

A service calling another one's internal API (orders -> inventory ``reserveStock``) adds
``x-service-name`` and ``x-service-signature: s1;<unix seconds>;<hex mac>``; the MAC
(HMAC-SHA256) covers ``s1\\n<timestamp>\\n<caller>\\n<audience>\\n<hex sha256(body)>``, so a
signature names its caller and target, is bound to its body (no replay on another request) and
expires after :data:`MAX_AGE_SECONDS`. The key is derived from the shared secret
(``SERVICE_IDENTITY_SECRET``, else ``IDENTITY_HMAC_SECRET``) under its own label, so a user
identity signature (:mod:`servicekit.auth.forwarded`) can never pass as a service one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Mapping

__all__ = [
    "MAX_AGE_SECONDS",
    "SERVICE_HEADER",
    "SERVICE_SIGNATURE_HEADER",
    "service_secret",
    "sign_service",
    "verify_service",
]

SERVICE_HEADER = "x-service-name"
SERVICE_SIGNATURE_HEADER = "x-service-signature"
MAX_AGE_SECONDS = 30.0
_VERSION = "s1"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def service_secret(env: Mapping[str, str] | None = None) -> str | None:
    """The shared secret services sign with; None when none is configured (then no service
    identity can be given or verified, and internal APIs refuse every call)."""
    environment = os.environ if env is None else env
    return (
        environment.get("SERVICE_IDENTITY_SECRET")
        or environment.get("IDENTITY_HMAC_SECRET")
        or None
    )


def _mac(secret: str, timestamp: str, caller: str, audience: str, body: bytes) -> str:
    key = hmac.new(secret.encode(), b"service-identity", hashlib.sha256).digest()
    digest = hashlib.sha256(body).hexdigest()
    message = f"{_VERSION}\n{timestamp}\n{caller}\n{audience}\n{digest}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_service(
    secret: str, caller: str, audience: str, body: bytes, *, now: float | None = None
) -> dict[str, str]:
    """Headers saying ``caller`` sends ``body`` to ``audience``."""
    if not _NAME.fullmatch(caller) or not _NAME.fullmatch(audience):
        raise ValueError("service names are lower-case identifiers")
    timestamp = str(int(time.time() if now is None else now))
    mac = _mac(secret, timestamp, caller, audience, body)
    return {SERVICE_HEADER: caller, SERVICE_SIGNATURE_HEADER: f"{_VERSION};{timestamp};{mac}"}


def verify_service(
    headers: Mapping[str, str],
    secret: str,
    audience: str,
    body: bytes,
    *,
    max_age_seconds: float = MAX_AGE_SECONDS,
    now: float | None = None,
) -> str | None:
    """The calling service when its signature is valid, fresh and meant for ``audience``."""
    caller = headers.get(SERVICE_HEADER, "")
    version, _, rest = headers.get(SERVICE_SIGNATURE_HEADER, "").partition(";")
    timestamp, _, mac = rest.partition(";")
    if not _NAME.fullmatch(caller) or version != _VERSION:
        return None
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return None
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age_seconds:
        return None
    if not hmac.compare_digest(mac, _mac(secret, timestamp, caller, audience, body)):
        return None
    return caller

"""A secured platform as real processes: the five seeded subgraphs (sharing the router's identity
secret, accounts signing with a key store in a temp folder) and our ``router`` process with JWT
authentication against the accounts JWKS, signed identity forwarding and its own Redis prefixes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from servicekit.auth.issuer import IssuerSettings, TokenService
from servicekit.auth.keys import SigningKey
from servicekit.auth.keystore import KeyStore
from servicekit.topology import PROJECT_ROOT
from subgraphs.registry import SUBGRAPHS
from tests.http.router_process import RunningRouter, running_router
from tests.support.stack import RunningStack, running_stack

__all__ = ["ISSUER", "SECRET", "Platform", "router_config", "running_platform"]

ISSUER = "http://accounts.test"
AUDIENCE = "federation-router"
SECRET = "e2e-identity-secret"
SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"


@dataclass
class Platform:
    stack: RunningStack
    keys_dir: Path
    workdir: Path

    @property
    def jwks_url(self) -> str:
        return self.stack.urls["accounts"].removesuffix("/graphql") + "/.well-known/jwks.json"

    def tokens(self) -> TokenService:
        return TokenService.from_settings(
            IssuerSettings(keys_dir=self.keys_dir, issuer=ISSUER, audience=AUDIENCE)
        )

    def token(self, subject: str, scopes: tuple[str, ...] = ("read:orders",)) -> str:
        return self.tokens().issuer.issue(subject, scopes)

    def crafted(self, claims: Mapping[str, Any], key: SigningKey | None = None) -> str:
        """A token with exactly ``claims`` over registered defaults, signed by ``key``
        (default: the current key of the store) under that key's ``kid``."""
        signing = key or self.tokens().keys().current
        now = int(time.time())
        body = {"iss": ISSUER, "sub": "1", "aud": AUDIENCE, "iat": now, "nbf": now}
        body |= {"exp": now + 600, "jti": uuid.uuid4().hex, "scope": "read:orders", **claims}
        headers = {"kid": signing.kid}
        return jwt.encode(body, signing.private_key, algorithm="EdDSA", headers=headers)

    def router_config(self, **security: Any) -> dict[str, Any]:
        return router_config(self, **security)


def router_config(platform: Platform, **security: Any) -> dict[str, Any]:
    """The router's YAML: subgraph URLs of this stack, JWT via its JWKS, signed identity, fresh
    Redis prefixes; ``security`` entries override (``http`` goes to the ``http`` section)."""
    prefix = f"e2e:{uuid.uuid4().hex[:8]}"
    jwt_settings = {
        "enabled": True,
        "jwks_url": platform.jwks_url,
        "issuer": ISSUER,
        "jwks_min_refresh_interval_seconds": 0,
    }
    rate_limit = {"key_prefix": f"{prefix}:rl", **security.pop("rate_limit", {})}
    http = {"apq": {"key_prefix": f"{prefix}:apq:"}, **security.pop("http", {})}
    return {
        "subgraphs": {name: {"url": platform.stack.urls[name]} for name in SUBGRAPHS},
        "identity_forwarding": {"secret": SECRET},
        "http": http,
        "security": {"jwt": jwt_settings, "rate_limit": rate_limit, **security},
    }


@contextmanager
def running_platform(workdir: Path) -> Iterator[Platform]:
    keys_dir = workdir / "keys"
    KeyStore(keys_dir).load_or_create()
    env = {name: {"IDENTITY_HMAC_SECRET": SECRET} for name in SUBGRAPHS}
    env["accounts"] |= {"ACCOUNTS_KEYS_DIR": str(keys_dir), "ACCOUNTS_TOKEN_ISSUER": ISSUER}
    with running_stack(workdir, list(SUBGRAPHS), extra_env=env) as stack:
        yield Platform(stack, keys_dir, workdir)


@contextmanager
def routers(platform: Platform, count: int, **security: Any) -> Iterator[list[RunningRouter]]:
    """``count`` router processes sharing one config (and so one set of Redis prefixes)."""
    config = platform.router_config(**security)
    name = uuid.uuid4().hex[:6]
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running_router(
                    platform.workdir, supergraph=SUPERGRAPH, config=config, name=f"r{name}{i}"
                )
            )
            for i in range(count)
        ]

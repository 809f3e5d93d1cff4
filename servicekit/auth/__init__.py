"""Identity shared by the accounts subgraph (issuer), the router and the BFFs (verifiers):
Argon2id passwords, Ed25519 signing keys with rotation, a JWKS document and endpoint, token
issuing, and verification against a cached remote JWKS.
"""

from __future__ import annotations

from servicekit.auth.endpoint import jwks_route
from servicekit.auth.errors import AuthenticationError, AuthFailure
from servicekit.auth.issuer import IssuerSettings, KeySetSource, TokenService
from servicekit.auth.jwks_client import JwksClient
from servicekit.auth.keys import ALGORITHM, SigningKey, jwk_thumbprint
from servicekit.auth.keyset import JWKS_PATH, KeySet
from servicekit.auth.keystore import KeyStore, keyset_from_pems, load_keyset
from servicekit.auth.passwords import PasswordHashing
from servicekit.auth.principal import ANONYMOUS, Principal
from servicekit.auth.tokens import TokenIssuer
from servicekit.auth.verify import KeyResolver, KeySetResolver, TokenVerifier, bearer_token

__all__ = [
    "ALGORITHM",
    "ANONYMOUS",
    "JWKS_PATH",
    "AuthFailure",
    "AuthenticationError",
    "IssuerSettings",
    "JwksClient",
    "KeyResolver",
    "KeySet",
    "KeySetResolver",
    "KeySetSource",
    "KeyStore",
    "PasswordHashing",
    "Principal",
    "SigningKey",
    "TokenIssuer",
    "TokenService",
    "TokenVerifier",
    "bearer_token",
    "jwk_thumbprint",
    "jwks_route",
    "keyset_from_pems",
    "load_keyset",
]

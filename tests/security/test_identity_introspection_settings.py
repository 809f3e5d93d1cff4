"""Principal resolution from headers, the introspection switch, and the settings' safe defaults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import DocumentNode, build_schema, parse
from pydantic import ValidationError

from router.config import SecurityConfig as SecuritySettings
from router.limits.cost_directives import CostDirectives
from router.limits.settings import RateLimitRule
from router.operations.analysis import analyze_document
from router.security.authorization_rules import AuthorizationRules
from router.security.identity import (
    authenticate,
    authentication_error_response,
    verifier_from_settings,
)
from router.security.introspection import check_introspection
from router.security.settings import JwtSettings
from servicekit.auth import (
    ANONYMOUS,
    AuthenticationError,
    AuthFailure,
    KeySet,
    KeySetResolver,
    TokenIssuer,
    TokenVerifier,
)

KEYS = KeySet.generate()
VERIFIER = TokenVerifier(KeySetResolver(KEYS), issuer="https://accounts.test", audience="router")
ISSUER = TokenIssuer(lambda: KEYS, issuer="https://accounts.test", audience="router")


async def test_no_header_is_anonymous_unless_authentication_is_required() -> None:
    assert await authenticate({}, VERIFIER) is ANONYMOUS
    with pytest.raises(AuthenticationError) as caught:
        await authenticate({}, VERIFIER, require_authentication=True)
    assert caught.value.reason == AuthFailure.MISSING_TOKEN


async def test_valid_and_invalid_tokens() -> None:
    token = ISSUER.issue("user-9", ["orders:read"])
    principal = await authenticate({"authorization": f"Bearer {token}"}, VERIFIER)
    assert (principal.subject, principal.scopes) == ("user-9", frozenset({"orders:read"}))
    with pytest.raises(AuthenticationError) as caught:
        await authenticate({"authorization": f"Bearer {token[:-4]}AAAA"}, VERIFIER)
    assert authentication_error_response(caught.value).to_dict() == {
        "errors": [
            {
                "message": "Signature verification failed",
                "extensions": {"code": "UNAUTHENTICATED", "reason": "INVALID_SIGNATURE"},
            }
        ]
    }
    assert authentication_error_response(caught.value).status_hint == 401


async def test_without_jwt_settings_headers_are_not_judged() -> None:
    async with httpx.AsyncClient() as http:
        assert verifier_from_settings(JwtSettings(), http) is None
        settings = JwtSettings(
            enabled=True, jwks_url="http://127.0.0.1:1/jwks.json", issuer="https://a.test"
        )
        assert isinstance(verifier_from_settings(settings, http), TokenVerifier)
    assert await authenticate({"authorization": "Basic abc"}, None) is ANONYMOUS


def uses_introspection(document: DocumentNode) -> bool:
    schema = build_schema("type A { name: String a: A } type Query { a: A me: A }")
    analysis = analyze_document(
        schema, document, rules=AuthorizationRules(), directives=CostDirectives()
    )
    return analysis.operations[0].uses_introspection


def test_introspection_detection_through_fragments() -> None:
    assert uses_introspection(parse("{ __schema { types { name } } }"))
    assert uses_introspection(
        parse('{ ...F } fragment F on Query { a { __type(name: "A") { name } } }')
    )
    assert not uses_introspection(parse("{ __typename me { __typename } }"))


def test_introspection_refused_in_production_only() -> None:
    settings = SecuritySettings()
    assert check_introspection(True, enabled=settings.introspection_enabled("development")) is None
    assert check_introspection(False, enabled=settings.introspection_enabled("production")) is None
    refused = check_introspection(True, enabled=settings.introspection_enabled("production"))
    assert refused is not None and refused.status_hint is None and not refused.has_data
    assert refused.to_dict() == {
        "errors": [
            {
                "message": "GraphQL introspection is not allowed, but the query contained __schema or __type",
                "extensions": {"code": "INTROSPECTION_DISABLED"},
            }
        ]
    }
    assert SecuritySettings(introspection=True).introspection_enabled("production") is True


def test_safe_defaults() -> None:
    defaults: dict[str, Any] = SecuritySettings().model_dump()
    assert defaults == {
        "jwt": {
            "enabled": False,
            "jwks_url": None,
            "issuer": None,
            "audience": "federation-router",
            "algorithms": ("EdDSA",),
            "leeway_seconds": 5.0,
            "jwks_min_refresh_interval_seconds": 30.0,
            "jwks_max_age_seconds": 300.0,
        },
        "authorization": {
            "directives_enabled": True,
            "require_authentication": False,
            "reject_unauthorized": False,
        },
        "csrf": {
            "enabled": True,
            "required_headers": ("x-apollo-operation-name", "apollo-require-preflight"),
        },
        "limits": {
            "max_depth": 12,
            "max_aliases": 30,
            "max_root_fields": 20,
            "max_document_bytes": 65_536,
            "max_tokens": 2_000,
            "max_variables": 100,
            "max_merge_comparisons": 400,
            "max_cost": 5000.0,
            "default_list_size": 5,
            "cost_mode": "enforce",
        },
        "rate_limit": {
            "anonymous": None,
            "authenticated": None,
            "per_operation": {},
            "fail_closed": False,
            "key_prefix": "ratelimit",
        },
        "resilience": {
            "breaker": {
                "enabled": True,
                "window_seconds": 10.0,
                "minimum_requests": 20,
                "failure_ratio": 0.5,
                "consecutive_failures": 5,
                "open_seconds": 5.0,
                "half_open_probes": 1,
            },
            "retry": {"max_attempts": 2, "base_delay_seconds": 0.05, "max_delay_seconds": 1.0},
            "concurrency": {"max_in_flight": 128, "queue_timeout_seconds": 1.0},
        },
        "introspection": None,
    }
    assert SecuritySettings().rate_limit.enabled is False


def test_development_preset_limits_anonymous_callers_per_ip_and_subjects() -> None:
    preset = SecuritySettings.development()
    assert preset.rate_limit.anonymous == RateLimitRule(requests=300, per_seconds=10)
    assert preset.rate_limit.authenticated == RateLimitRule(requests=300, per_seconds=10)
    assert preset.rate_limit.enabled is True


def test_settings_load_from_yaml_shaped_dicts_and_refuse_unsafe_values() -> None:
    loaded = SecuritySettings.model_validate(
        {"limits": {"max_depth": 8}, "rate_limit": {"anonymous": {"requests": 5, "per_seconds": 1}}}
    )
    assert (loaded.limits.max_depth, loaded.limits.max_aliases) == (8, 30)
    with pytest.raises(ValidationError, match="jwks_url and issuer"):
        JwtSettings(enabled=True)
    with pytest.raises(ValidationError, match="none"):
        JwtSettings(algorithms=("EdDSA", "none"))
    with pytest.raises(
        ValidationError, match=r"limits\.max_depht\n  Extra inputs are not permitted"
    ):
        SecuritySettings.model_validate({"limits": {"max_depht": 3}})  # typos are refused

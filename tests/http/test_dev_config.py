"""config/router.dev.yaml (``stack up`` and compose.yaml through ``ROUTER_CONFIG``): the security
the dev stack runs with, and the bare default that has no rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.cli import effective_config, parse_args
from router.config import RouterConfig, load_config
from router.limits.settings import RateLimitRule
from servicekit.topology import PROJECT_ROOT, load_subgraphs

DEV = PROJECT_ROOT / "config" / "router.dev.yaml"


def test_dev_config_turns_on_rate_limit_csrf_and_jwt() -> None:
    config = load_config(DEV)
    security = config.security
    assert config.mode == "development"
    assert security.rate_limit.anonymous == RateLimitRule(requests=300, per_seconds=10)
    # issue #11: a verified subject has its own budget too (it had none)
    assert security.rate_limit.authenticated == RateLimitRule(requests=300, per_seconds=10)
    assert security.rate_limit.fail_closed is False
    assert security.csrf.enabled is True
    accounts = next(e for e in load_subgraphs() if e.name == "accounts")
    base = accounts.routing_url.removesuffix("/graphql")
    assert (security.jwt.enabled, security.jwt.jwks_url) == (True, f"{base}/.well-known/jwks.json")
    assert config.identity_forwarding.secret is None  # IDENTITY_HMAC_SECRET (issue #11)


def test_introspection_follows_the_mode() -> None:
    security = load_config(DEV).security
    assert (
        security.introspection_enabled("development"),
        security.introspection_enabled("production"),
    ) == (
        True,
        False,
    )


def test_bare_router_has_no_rate_limit_and_router_config_env_selects_a_file(
    monkeypatch: object,
) -> None:
    assert RouterConfig().security.rate_limit.enabled is False

    patch = pytest.MonkeyPatch()
    try:
        patch.setenv("ROUTER_CONFIG", str(DEV))
        assert parse_args(["--supergraph", "x"]).config == Path(DEV)
        assert effective_config(parse_args(["--supergraph", "x", "--prod"])).mode == "production"
        patch.setenv("ROUTER_CONFIG", "")
        assert parse_args(["--supergraph", "x"]).config is None
    finally:
        patch.undo()

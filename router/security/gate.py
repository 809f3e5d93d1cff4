"""The pieces of this package in request order, so the HTTP layer and the gateway each wire
security with one call.

:class:`RequestGate` runs before the body is parsed as GraphQL: CSRF prevention, then
authentication (401 with an RFC 6750 ``WWW-Authenticate`` challenge), then rate limiting, keyed
by the verified subject (429 with ``Retry-After``). :class:`OperationGate` runs after parsing and
validation and before planning: the introspection switch, the operation limits, then the
authorization filter. It returns the document to plan, the errors to add to the response and
the paths the shaper must null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import DocumentNode, GraphQLSchema, parse

from router.limits.checks import check_operation_limits
from router.limits.cost_directives import CostDirectives
from router.limits.rate_limit import RedisRateLimiter, check_request_rate
from router.request import GraphQLResponse
from router.security.authorization import authorize_operation
from router.security.authorization_rules import AuthorizationRules
from router.security.csrf import check_csrf
from router.security.identity import authenticate, authentication_error_response
from router.security.introspection import check_introspection
from router.security.settings import SecuritySettings
from servicekit.auth.errors import AuthenticationError, AuthFailure
from servicekit.auth.principal import ANONYMOUS, Principal
from servicekit.auth.verify import TokenVerifier

__all__ = ["Admission", "OperationGate", "PreparedOperation", "RequestGate"]


@dataclass(frozen=True)
class Admission:
    """Who is calling, and the response to send instead when the request is refused."""

    principal: Principal
    refusal: GraphQLResponse | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers either way (``RateLimit-*``, ``Retry-After``, ``WWW-Authenticate``)."""


class RequestGate:
    def __init__(
        self,
        settings: SecuritySettings,
        *,
        verifier: TokenVerifier | None = None,
        limiter: RedisRateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.verifier = verifier
        self.limiter = limiter

    async def admit(
        self,
        method: str,
        headers: Mapping[str, str],
        client_ip: str | None,
        operation_name: str | None,
    ) -> Admission:
        """``headers`` with lower-cased names, as in :class:`router.request.GraphQLRequest`."""
        csrf = self.settings.csrf
        refused = check_csrf(
            method, headers, enabled=csrf.enabled, required_headers=csrf.required_headers
        )
        if refused is not None:
            return Admission(ANONYMOUS, refused)
        try:
            principal = await authenticate(
                headers,
                self.verifier,
                require_authentication=self.settings.authorization.require_authentication,
            )
        except AuthenticationError as error:
            return Admission(ANONYMOUS, authentication_error_response(error), _challenge(error))
        if self.limiter is None or not self.settings.rate_limit.enabled:
            return Admission(principal)
        decision = await check_request_rate(
            self.limiter, self.settings.rate_limit, principal, client_ip, operation_name
        )
        if decision is None:
            return Admission(principal)
        refusal = None if decision.allowed else decision.to_response()
        return Admission(principal, refusal, decision.headers())


def _challenge(error: AuthenticationError) -> dict[str, str]:
    """RFC 6750 section 3: no error code when credentials were simply missing."""
    if error.reason is AuthFailure.MISSING_TOKEN:
        return {"WWW-Authenticate": "Bearer"}
    return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True)
class PreparedOperation:
    """What to plan and what to tell the client; ``refusal`` set means do not execute."""

    document: DocumentNode
    errors: list[dict[str, Any]]
    unauthorized_paths: tuple[tuple[str, ...], ...]
    refusal: GraphQLResponse | None = None
    estimated_cost: float | None = None


class OperationGate:
    """Built once per supergraph (rules and cost directives are read from its SDL)."""

    def __init__(
        self,
        settings: SecuritySettings,
        *,
        mode: Literal["development", "production"],
        api_schema: GraphQLSchema,
        supergraph_sdl: str | DocumentNode,
    ) -> None:
        document = parse(supergraph_sdl) if isinstance(supergraph_sdl, str) else supergraph_sdl
        self.settings = settings
        self.api_schema = api_schema
        self.introspection = settings.introspection_enabled(mode)
        enforce = settings.authorization.directives_enabled
        self.rules = AuthorizationRules.from_sdl(document) if enforce else AuthorizationRules()
        self.cost_directives = CostDirectives.from_sdl(document)

    def prepare(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        principal: Principal,
    ) -> PreparedOperation:
        """Run after validation; the document handed in is never mutated."""
        refused = check_introspection(document, operation_name, enabled=self.introspection)
        if refused is not None:
            return PreparedOperation(document, [], (), refused)
        report = check_operation_limits(
            document,
            operation_name,
            variables,
            settings=self.settings.limits,
            schema=self.api_schema,
            cost_directives=self.cost_directives,
        )
        if report.violation is not None:
            # A request error like a validation error: 400 under graphql-response+json, 200
            # under application/json (GraphQL-over-HTTP, "Response"); the renderer decides.
            refusal = GraphQLResponse(errors=[report.violation.to_graphql_error()], has_data=False)
            return PreparedOperation(document, [], (), refusal, report.estimated_cost)
        result = authorize_operation(
            self.api_schema, self.rules, document, operation_name, variables, principal=principal
        )
        rejection = result.rejection() if self.settings.authorization.reject_unauthorized else None
        return PreparedOperation(
            result.document,
            result.errors(),
            result.unauthorized_paths,
            rejection,
            report.estimated_cost,
        )

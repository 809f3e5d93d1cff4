"""The accounts subgraph's GraphQL schema (Strawberry, Apollo Federation v2).

``User`` is the entity (``@key(fields: "id")``) other subgraphs extend; ``_entities`` loads N users
with one SQL statement through the request's loader. ``signUp`` / ``login`` answer a bearer token
(:mod:`subgraphs.accounts.auth`); ``me`` is ``@authenticated`` (the router removes it for
anonymous callers) and answers the caller only; ``User.lastLoginAt`` needs the ``read:activity``
scope (``@requiresScopes``) and is answered to its owner only. Personal fields (``email``) are
answered to their owner or a caller with :data:`ADMIN_SCOPE`, null to anyone else; ``id``,
``username``, ``name`` and ``createdAt`` are public (they appear beside every review).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import select
from sqlmodel import col
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from servicekit.auth.issuer import TokenService
from servicekit.auth.passwords import PasswordHashing
from servicekit.client_address import (
    ClientAddressSettings,
    TrustedProxies,
    resolve_client_address,
)
from subgraphs.accounts.auth import DEFAULT_SCOPES, AccountError, check_login, create_account
from subgraphs.accounts.loaders import Loaders, parse_user_id
from subgraphs.accounts.models import Credential
from subgraphs.accounts.models import User as UserRow
from subgraphs.accounts.throttle import LoginThrottle, LoginThrottledError
from subgraphs.common.cache_directive import CacheControl, CacheControlScope
from subgraphs.common.clock import as_utc
from subgraphs.common.db import Database
from subgraphs.common.identity import caller, current_user_id
from subgraphs.common.limits import MAX_IDS, check_size
from subgraphs.common.pagination import clamp_first, decode_cursor, encode_cursor, page_of
from subgraphs.common.strawberry_app import federation_schema, given

__all__ = ["ADMIN_SCOPE", "Context", "schema"]

CURSOR_KIND = "user"
ADMIN_SCOPE = "users:admin"


class Context(BaseContext):
    """Per request: the store and fresh loaders (a loader's cache never outlives its request)."""

    def __init__(
        self,
        db: Database,
        tokens: TokenService,
        hashing: PasswordHashing,
        throttle: LoginThrottle,
        client_addresses: ClientAddressSettings | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.loaders = Loaders.create(db)
        self.tokens = tokens
        self.hashing = hashing
        self.throttle = throttle
        self.client_addresses = client_addresses or ClientAddressSettings()
        self._trusted = TrustedProxies(self.client_addresses.trusted_proxies)

    def client_address(self) -> str:
        """The client's address: the TCP peer, unless the peer is a trusted proxy (the router,
        which forwards the address it resolved as ``X-Forwarded-For``); the same rules as the
        router's own (:mod:`servicekit.client_address`)."""
        request = self.request
        if request is None:
            return "unknown"
        peer = request.client.host if request.client else None
        headers = {name: ", ".join(request.headers.getlist(name)) for name in request.headers}
        resolved = resolve_client_address(peer, headers, self.client_addresses, self._trusted)
        return resolved or "unknown"


async def _load_user(info: Info[Context, None], user_id: object) -> User | None:
    key = parse_user_id(user_id)
    if key is None:
        return None
    row = await info.context.loaders.users.load(key)
    return User.from_row(row) if row else None


@strawberry.federation.type(keys=["id"], directives=[CacheControl(max_age=60)])
class User:
    id: strawberry.ID
    name: str
    # @shareable: reviews @provides it (Review.author), Fed 2 then requires it here.
    username: str = strawberry.federation.field(shareable=True)
    email_address: strawberry.Private[str]
    created_at: datetime

    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        authenticated=True,
        description="The owner's only (or with scope users:admin); null for anyone else.",
        directives=[CacheControl(scope=CacheControlScope.PRIVATE)],
    )
    def email(self, info: Info[Context, None]) -> str | None:
        identity = caller(info.context.request)
        if identity is None:
            return None
        if identity.user_id == str(self.id) or ADMIN_SCOPE in identity.scopes:
            return self.email_address
        return None

    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        requires_scopes=[["read:activity"]],
        description="When the user last logged in; the owner only, with scope read:activity.",
        directives=[CacheControl(scope=CacheControlScope.PRIVATE)],
    )
    async def last_login_at(self, info: Info[Context, None]) -> datetime | None:
        if current_user_id(info.context.request) != str(self.id):
            return None
        async with info.context.db.session() as session:
            credential = await session.get(Credential, int(self.id))
        if credential is None or credential.last_login_at is None:
            return None
        return as_utc(credential.last_login_at)

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            username=row.username,
            email_address=row.email,
            created_at=as_utc(row.created_at),
        )

    @classmethod
    def resolve_reference(
        cls, info: Info[Context, None], id: strawberry.ID, **_: Any
    ) -> Awaitable[User | None]:
        return _load_user(info, id)


@strawberry.federation.type(shareable=True, directives=[CacheControl(inherit_max_age=True)])
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(directives=[CacheControl(inherit_max_age=True)])
class UserEdge:
    cursor: str
    node: User


@strawberry.type(directives=[CacheControl(inherit_max_age=True)])
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo


async def _users_after(db: Database, after: int | None, limit: int | None) -> list[UserRow]:
    statement = select(UserRow).order_by(col(UserRow.id))
    if after is not None:
        statement = statement.where(col(UserRow.id) > after)
    if limit is not None:
        statement = statement.limit(limit)
    async with db.session() as session:
        return list((await session.scalars(statement)).all())


def _after_id(after: str | None) -> int | None:
    if after is None:
        return None
    parsed = parse_user_id(after)
    if parsed is None:
        raise ValueError(f"invalid user id {after!r}")
    return parsed


@strawberry.type
class AuthPayload:
    token: str = strawberry.field(description="A bearer token for the router (EdDSA JWT).")
    expires_in: int = strawberry.field(description="Seconds until the token expires.")
    user: User


@strawberry.input
class SignUpInput:
    username: str
    name: str
    email: str
    password: str


def _payload(info: Info[Context, None], row: UserRow) -> AuthPayload:
    tokens = info.context.tokens
    token = tokens.issuer.issue(str(row.id), DEFAULT_SCOPES, {"username": row.username})
    return AuthPayload(token=token, expires_in=tokens.settings.ttl_seconds, user=User.from_row(row))


def _client_error(error: AccountError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code, **error.extensions})


def _throttled(info: Info[Context, None], error: LoginThrottledError) -> GraphQLError:
    response = info.context.response
    if response is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    extensions = {"code": "LOGIN_THROTTLED", "retryAfter": error.retry_after, "by": error.scope}
    return GraphQLError(str(error), extensions=extensions)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an account and log it in.")  # type: ignore[untyped-decorator]
    async def sign_up(self, info: Info[Context, None], input: SignUpInput) -> AuthPayload:
        context = info.context
        try:
            row = await create_account(
                context.db,
                context.hashing,
                username=input.username,
                name=input.name,
                email=input.email,
                password=input.password,
            )
        except AccountError as error:
            raise _client_error(error) from None
        return _payload(info, row)

    @strawberry.mutation(description="Exchange a username and password for a bearer token.")  # type: ignore[untyped-decorator]
    async def login(self, info: Info[Context, None], username: str, password: str) -> AuthPayload:
        context = info.context
        client = context.client_address()
        try:
            await context.throttle.check(username, client)
            row = await check_login(
                context.db, context.hashing, username=username, password=password
            )
        except LoginThrottledError as error:
            raise _throttled(info, error) from None
        except AccountError as error:
            if error.code == "INVALID_CREDENTIALS":
                await context.throttle.failed(username, client)
            raise _client_error(error) from None
        await context.throttle.succeeded(username, client)
        return _payload(info, row)


@strawberry.type
class Query:
    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        authenticated=True,
        description="The calling user (from the request's identity).",
        directives=[CacheControl(max_age=30, scope=CacheControlScope.PRIVATE)],
    )
    async def me(self, info: Info[Context, None]) -> User | None:
        return await _load_user(info, current_user_id(info.context.request))

    @strawberry.field
    async def user(self, info: Info[Context, None], id: strawberry.ID) -> User | None:
        return await _load_user(info, id)

    @strawberry.field(description="Users in id order; all of them without arguments.")  # type: ignore[untyped-decorator]
    async def users(
        self,
        info: Info[Context, None],
        first: int | None = strawberry.UNSET,
        after: strawberry.ID | None = strawberry.UNSET,
    ) -> list[User]:
        size = given(first)
        limit = None if size is None else max(size, 0)
        rows = await _users_after(info.context.db, _after_id(given(after)), limit)
        return [User.from_row(row) for row in rows]

    @strawberry.field
    async def users_connection(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
    ) -> UserConnection:
        size = clamp_first(first, 20)
        after_id = _after_id(decode_cursor(CURSOR_KIND, given(after)))
        rows = await _users_after(info.context.db, after_id, size + 1)
        page = page_of(rows, size, lambda row: encode_cursor(CURSOR_KIND, row.id))
        return UserConnection(
            edges=[UserEdge(cursor=c, node=User.from_row(row)) for c, row in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="Batch lookup for BFFs: order kept, null for unknown ids.")  # type: ignore[untyped-decorator]
    async def users_by_id(
        self, info: Info[Context, None], ids: list[strawberry.ID]
    ) -> list[User | None]:
        check_size("ids", ids, MAX_IDS)
        return list(await asyncio.gather(*(_load_user(info, i) for i in ids)))


schema = federation_schema(Query, mutation=Mutation)

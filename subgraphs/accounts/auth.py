"""Sign-up and login for the accounts subgraph: Argon2id passwords and EdDSA tokens.

Tokens come from :class:`servicekit.auth.TokenService` (keys under ``ACCOUNTS_KEYS_DIR``, JWKS
served at ``/.well-known/jwks.json`` by this service); the router verifies them against that
JWKS. A login for an unknown user spends the same hashing time as a wrong password
(``verify_dummy``), so response times do not reveal which usernames exist. Hashing runs in a
worker thread (``PasswordHashing.*_async``), never on the event loop; failed logins are throttled
(:mod:`subgraphs.accounts.throttle`) before any hashing.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from servicekit.auth.passwords import PasswordHashing
from subgraphs.accounts.models import Credential, User
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.common.limits import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MAX_USERNAME

__all__ = [
    "DEFAULT_SCOPES",
    "MIN_PASSWORD_LENGTH",
    "AccountError",
    "check_login",
    "create_account",
]

MIN_PASSWORD_LENGTH = 8
DEFAULT_SCOPES = ("read:orders",)
"""Scopes a login token carries; ``read:activity`` (``User.lastLoginAt``) is never self-granted."""


class AccountError(Exception):
    """A client error with its GraphQL error code (and extensions beside it)."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = extensions


def _check_lengths(**values: tuple[str, int]) -> None:
    for argument, (value, limit) in values.items():
        if len(value) > limit:
            raise AccountError(
                f"{argument} is limited to {limit} characters",
                "BAD_USER_INPUT",
                argument=argument,
                maximum=limit,
            )


async def create_account(
    db: Database, hashing: PasswordHashing, *, username: str, name: str, email: str, password: str
) -> User:
    """A new user with a hashed password; ``USERNAME_TAKEN`` / ``BAD_USER_INPUT`` otherwise."""
    _check_lengths(
        username=(username, MAX_USERNAME),
        name=(name, MAX_NAME),
        email=(email, MAX_EMAIL),
        password=(password, MAX_PASSWORD),
    )
    username = username.strip()
    if not username or "@" not in email or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"username, a valid email and a password of at least {MIN_PASSWORD_LENGTH} "
            "characters are required",
            "BAD_USER_INPUT",
        )
    password_hash = await hashing.hash_password_async(password)
    user = User(name=name, username=username, email=email, created_at=utcnow())
    try:
        async with db.session() as session:
            session.add(user)
            await session.flush()
            if user.id is None:
                raise AccountError("user was not created", "INTERNAL_SERVER_ERROR")
            session.add(Credential(user_id=user.id, password_hash=password_hash))
            await session.commit()
            await session.refresh(user)
    except IntegrityError as error:
        raise AccountError(f"username {username!r} is taken", "USERNAME_TAKEN") from error
    return user


async def check_login(
    db: Database, hashing: PasswordHashing, *, username: str, password: str
) -> User:
    """The user when the password matches, else ``INVALID_CREDENTIALS`` (same time either way)."""
    _check_lengths(username=(username, MAX_USERNAME), password=(password, MAX_PASSWORD))
    statement = (
        select(User, Credential)
        .join(Credential, col(Credential.user_id) == col(User.id))
        .where(col(User.username) == username)
    )
    async with db.session() as session:  # no connection is held while hashing
        found = (await session.execute(statement)).first()
    if found is None:
        await hashing.verify_dummy_async(password)
        raise AccountError("invalid username or password", "INVALID_CREDENTIALS")
    user, credential = found
    if not await hashing.verify_password_async(credential.password_hash, password):
        raise AccountError("invalid username or password", "INVALID_CREDENTIALS")
    async with db.session() as session, session.begin():
        await session.execute(
            update(Credential)
            .where(col(Credential.user_id) == user.id)
            .values(last_login_at=utcnow())
        )
    return user

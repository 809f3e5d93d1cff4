"""Password hashing with Argon2id (argon2-cffi), the algorithm RFC 9106 and OWASP recommend.

``verify_password`` never raises on a wrong or corrupt hash: a login answers yes or no.
``verify_dummy`` spends the same time as a real check so a login for an unknown user cannot be
told apart by timing. ``needs_rehash`` lets the accounts service upgrade hashes on login when
parameters change.

Argon2 costs tens of milliseconds of CPU and 64 MiB per call by design: a service must never run
it on its event loop (24 concurrent logins held every other request of the accounts service for
9 s). The ``*_async`` methods run it in a worker thread (argon2-cffi releases the GIL) and at
most ``max_concurrent`` at a time, so a login flood queues instead of starving the loop or
allocating 64 MiB per waiting request.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["PasswordHashing"]

T = TypeVar("T")


class PasswordHashing:
    """Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile) unless told otherwise."""

    def __init__(
        self,
        *,
        time_cost: int | None = None,
        memory_cost_kib: int | None = None,
        parallelism: int | None = None,
        max_concurrent: int | None = None,
    ) -> None:
        self.max_concurrent = max_concurrent or max(1, os.cpu_count() or 1)
        self._slots: asyncio.Semaphore | None = None
        defaults = PasswordHasher()
        self._hasher = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost_kib or defaults.memory_cost,
            parallelism=parallelism or defaults.parallelism,
        )
        self._dummy_hash = self._hasher.hash("dummy password for unknown users")

    def hash_password(self, password: str) -> str:
        """An encoded ``$argon2id$...`` string holding salt and parameters."""
        return self._hasher.hash(password)

    def verify_password(self, encoded_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a mismatch or an unreadable hash."""
        try:
            return self._hasher.verify(encoded_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> bool:
        """Spend one verification's time for a user that does not exist; always False."""
        self.verify_password(self._dummy_hash, password)
        return False

    def needs_rehash(self, encoded_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(encoded_hash)
        except InvalidHashError:
            return True

    async def _off_loop(self, function: Callable[..., T], *arguments: str) -> T:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        async with self._slots:
            return await asyncio.to_thread(function, *arguments)

    async def hash_password_async(self, password: str) -> str:
        """:meth:`hash_password` in a worker thread."""
        return await self._off_loop(self.hash_password, password)

    async def verify_password_async(self, encoded_hash: str, password: str) -> bool:
        """:meth:`verify_password` in a worker thread."""
        return await self._off_loop(self.verify_password, encoded_hash, password)

    async def verify_dummy_async(self, password: str) -> bool:
        """:meth:`verify_dummy` in a worker thread; always False."""
        await self._off_loop(self.verify_dummy, password)
        return False

"""Password hashing with Argon2id (argon2-cffi), the algorithm RFC 9106 and OWASP recommend.

``verify_password`` never raises on a wrong or corrupt hash: a login answers yes or no.
``verify_dummy`` spends the same time as a real check so a login for an unknown user cannot be
told apart by timing. ``needs_rehash`` lets the accounts service upgrade hashes on login when
parameters change.

Argon2 costs tens of milliseconds of CPU and 64 MiB per call by design: a service must never run
it on its event loop (24 concurrent logins held every other request of the accounts service for
9 s). The ``*_async`` methods run it on a small pool of worker threads (argon2-cffi releases the
GIL; at most ``max_concurrent`` at once, so a flood queues instead of allocating 64 MiB per
waiting request). The pool's threads run at a lower CPU priority (Linux: a per-thread nice
value, inherited by libargon2's lane threads), so under a login flood the event loop still gets
the CPU it needs to answer everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["PasswordHashing"]

T = TypeVar("T")
HASHING_NICENESS = 10
"""How much lower than serving the hashing threads run (``nice`` increment)."""


def _lower_priority() -> None:
    """Pool initializer: this worker thread (and the threads it starts) yields the CPU to the
    event loop's thread. Where threads have no priority of their own, nothing changes."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


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
        self._pool: ThreadPoolExecutor | None = None
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
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.max_concurrent, thread_name_prefix="argon2", initializer=_lower_priority
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *arguments)

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

"""Password hashing with Argon2id (argon2-cffi), the algorithm RFC 9106 and OWASP recommend.

``verify_password`` never raises on a wrong or corrupt hash: a login answers yes or no.
``verify_dummy`` spends the same time as a real check so a login for an unknown user cannot be
told apart by timing. ``needs_rehash`` lets the accounts service upgrade hashes on login when
parameters change.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["PasswordHashing"]


class PasswordHashing:
    """Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile) unless told otherwise."""

    def __init__(
        self,
        *,
        time_cost: int | None = None,
        memory_cost_kib: int | None = None,
        parallelism: int | None = None,
    ) -> None:
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

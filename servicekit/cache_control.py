"""HTTP cache policies of GraphQL responses: parse, merge (most restrictive wins) and print.

Apollo Server's ``CachePolicy`` semantics (``@cacheControl``, ``cachePolicy.restrict``): the
policy of a response is the lowest ``maxAge`` of its hints and ``PRIVATE`` when any hint is
private; a policy with ``maxAge`` 0 is not cacheable and prints as ``no-store``. Hive Gateway
and Apollo Router merge the ``Cache-Control`` headers of subgraph responses the same way
(RFC 9111 section 5.2.2: ``max-age``, ``private``/``public``, ``no-store``; ``no-cache`` is
treated as not cacheable, as both peers do). Shared by the subgraphs (which print the header)
and the router (which reads, merges and prints it again).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NOT_CACHEABLE", "CachePolicy"]


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """``max_age`` in seconds (``None``: no hint yet, so no restriction); ``private``: per user."""

    max_age: int | None = None
    private: bool = False
    no_store: bool = False

    @property
    def cacheable(self) -> bool:
        return not self.no_store and self.max_age is not None and self.max_age > 0

    def restrict(self, other: CachePolicy) -> CachePolicy:
        """The most restrictive of both: lowest max-age, PRIVATE over PUBLIC, no-store wins."""
        if self.max_age is None:
            max_age = other.max_age
        elif other.max_age is None:
            max_age = self.max_age
        else:
            max_age = min(self.max_age, other.max_age)
        return CachePolicy(max_age, self.private or other.private, self.no_store or other.no_store)

    def header(self) -> str:
        """The ``Cache-Control`` value Apollo Server prints: ``max-age=N, public|private`` for a
        cacheable policy, else ``no-store``."""
        if not self.cacheable:
            return "no-store"
        return f"max-age={self.max_age}, {'private' if self.private else 'public'}"

    @classmethod
    def parse(cls, value: str | None) -> CachePolicy:
        """A ``Cache-Control`` header; a missing or unreadable one is not cacheable (a response
        that does not say it may be cached is not cached, as Apollo Router does)."""
        if not value:
            return NOT_CACHEABLE
        max_age: int | None = None
        private = no_store = False
        for part in value.split(","):
            name, _, argument = part.strip().partition("=")
            name = name.strip().lower()
            if name in ("no-store", "no-cache"):
                no_store = True
            elif name == "private":
                private = True
            elif name in ("max-age", "s-maxage") and max_age is None:
                try:
                    max_age = int(argument.strip().strip('"'))
                except ValueError:
                    no_store = True
        if max_age is None or no_store:
            return cls(0, private, True)
        return cls(max_age, private, no_store)


NOT_CACHEABLE = CachePolicy(0, False, True)

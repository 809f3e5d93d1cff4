"""Router security: authorization directives, CSRF prevention and the security settings."""

from __future__ import annotations

__all__: list[str] = []

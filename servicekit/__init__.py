"""Plumbing shared by every service: settings, logging, health routes, Redis and HTTP clients,
process supervision and the service topology. Imported, never copied."""

from __future__ import annotations

__all__: list[str] = []

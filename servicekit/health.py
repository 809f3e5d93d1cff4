"""``/health`` (the process is alive) and ``/ready`` (its dependencies answer) as Starlette routes.

Readiness checks are async callables that raise when the dependency is not usable; a check may
return a mapping of details. A check marked optional reports ``degraded`` instead of failing the
probe (a BFF keeps serving from the router when Redis is down).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["DRAINING", "WORKERS_STARTING", "CheckFailed", "ReadinessCheck", "health_routes"]

DRAINING = threading.Event()
"""Set when the process was asked to stop and drains (``servicekit.serve``): ``/ready`` answers
503 ``draining`` so load balancers take it out of rotation before it stops accepting."""

WORKERS_STARTING = threading.Event()
"""Set in a worker of ``--workers N`` (:mod:`servicekit.workers`) until the parent saw every
worker accept connections: ``/ready`` answers 503 ``starting`` meanwhile, so readiness means the
whole set of workers is up (issue #20)."""


class CheckFailed(Exception):
    """A failed check that still has details to show (e.g. the state of every circuit breaker)."""

    def __init__(self, message: str, details: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.details = dict(details)


@dataclass(frozen=True)
class ReadinessCheck:
    """One dependency probe; ``required=False`` means a failure degrades but does not fail."""

    probe: Callable[[], Awaitable[Mapping[str, Any] | None]]
    required: bool = True
    timeout_seconds: float = 2.0


async def _run_check(check: ReadinessCheck) -> dict[str, Any]:
    try:
        details = await asyncio.wait_for(check.probe(), timeout=check.timeout_seconds)
    except CheckFailed as error:
        return {"ok": False, "required": check.required, "error": str(error), **error.details}
    except Exception as error:  # a probe failing for any reason is the answer, not a crash
        return {
            "ok": False,
            "required": check.required,
            "error": f"{type(error).__name__}: {error}",
        }
    return {"ok": True, **(dict(details) if details else {})}


def health_routes(checks: Mapping[str, ReadinessCheck] | None = None) -> list[Route]:
    """Routes to mount on any Starlette/FastAPI app."""
    named_checks = dict(checks or {})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> JSONResponse:
        if DRAINING.is_set():
            return JSONResponse({"status": "draining", "checks": {}}, status_code=503)
        if WORKERS_STARTING.is_set():
            return JSONResponse({"status": "starting", "checks": {}}, status_code=503)
        results = await asyncio.gather(*(_run_check(c) for c in named_checks.values()))
        report = dict(zip(named_checks, results, strict=True))
        failed_required = any(not r["ok"] and r.get("required", True) for r in report.values())
        degraded = any(not r["ok"] for r in report.values())
        status = "unavailable" if failed_required else ("degraded" if degraded else "ready")
        return JSONResponse(
            {"status": status, "checks": report}, status_code=503 if failed_required else 200
        )

    return [Route("/health", health, methods=["GET"]), Route("/ready", ready, methods=["GET"])]

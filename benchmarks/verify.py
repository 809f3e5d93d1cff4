"""Check a gateway's answer against the expected response before and after each run.

A gateway is only measured when its answer equals the oracle's (``workload.expected_response``)
as JSON; its exact bytes then become what wrk compares every response with, so a wrong body
under load is counted as an error even though gateways differ in trailing whitespace.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Verification", "answer_errors", "first_difference", "verify_gateway"]


def first_difference(actual: Any, expected: Any, path: str = "$") -> str | None:
    """The JSON path of the first difference between two JSON values, or ``None`` if equal."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in expected:
            if key not in actual:
                return f"{path}.{key}: missing"
            found = first_difference(actual[key], expected[key], f"{path}.{key}")
            if found:
                return found
        extra = [key for key in actual if key not in expected]
        return f"{path}: unexpected keys {extra}" if extra else None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(actual) != len(expected):
            return f"{path}: {len(actual)} items, expected {len(expected)}"
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            found = first_difference(got, want, f"{path}[{index}]")
            if found:
                return found
        return None
    if type(actual) is not type(expected) or actual != expected:
        return f"{path}: {json.dumps(actual)[:80]} != expected {json.dumps(expected)[:80]}"
    return None


def answer_errors(answer: Any, limit: int = 3, width: int = 300) -> str | None:
    """The answer's first GraphQL ``errors`` (message, path, extensions), compact: why a field
    came back null is in them, not in the difference."""
    errors = answer.get("errors") if isinstance(answer, Mapping) else None
    if not errors or not isinstance(errors, list):
        return None
    shown = [json.dumps(error, separators=(",", ":"))[:width] for error in errors[:limit]]
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    return f"{len(errors)} error(s): {'; '.join(shown)}{more}"


@dataclass(frozen=True)
class Verification:
    """The outcome of one check: ``body`` is the raw answer, ``problem`` why it is wrong."""

    ok: bool
    body: bytes
    problem: str | None = None


def verify_gateway(url: str, body: bytes, expected: Mapping[str, Any]) -> Verification:
    """POST the benchmark request once and compare the whole answer with ``expected``."""
    try:
        response = httpx.post(
            url,
            content=body,
            headers={"content-type": "application/json", "accept": "application/json"},
            timeout=60.0,
        )
    except httpx.HTTPError as error:
        return Verification(False, b"", f"{type(error).__name__}: {error}")
    if response.status_code != 200:
        return Verification(False, response.content, f"status {response.status_code}")
    try:
        answer = response.json()
    except ValueError as error:
        return Verification(False, response.content, f"not JSON: {error}")
    problem = first_difference(answer, expected)
    if problem is not None:
        errors = answer_errors(answer)
        if errors:
            problem = f"{problem}; {errors}"
    return Verification(problem is None, response.content, problem)

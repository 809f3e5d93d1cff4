"""``schema check|publish --registry URL``: the same commands against the registry service
(:mod:`router.registry.service`) instead of the repository's files and git history.

Each subgraph of ``schema/supergraph.yaml`` (or those named with ``--subgraph``) is sent with
its SDL file and routing URL; ``check`` asks ``POST /v1/subgraphs/{name}/check`` (nothing is
stored), ``publish`` ``POST /v1/subgraphs/{name}``. Publishing several subgraphs into a registry
that lacks some of them can fail composition until the others are in (a type one needs is
defined by another), so the subgraphs rejected for composition errors only are tried again as
long as the previous round accepted something. The publish token is ``$REGISTRY_TOKEN``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from router.composition import SubgraphInput
from router.registry.sources import InputError, load_subgraph_inputs

__all__ = ["run_remote"]


def _lines(name: str, answer: dict[str, Any]) -> list[str]:
    report = answer.get("report", answer)
    lines = [f"  {e['code']}: {e['message']}" for e in report.get("composition_errors", [])]
    for change in report.get("breaking", []):
        users = ", ".join(change["operations"]) or "no persisted operation"
        lines.append(f"  breaking: {change['description']} [{change['type']}] used by: {users}")
    lines += [f"  dangerous: {c['description']} [{c['type']}]" for c in report.get("dangerous", [])]
    lines += [f"  safe: {c['description']} [{c['type']}]" for c in report.get("safe", [])]
    lines += [f"  broken operation: {line}" for line in report.get("broken_operations", [])]
    return [f"{name}:", *lines]


def _selected(root: Path, names: Sequence[str]) -> list[SubgraphInput]:
    inputs = load_subgraph_inputs(root)
    unknown = sorted(set(names) - {i.name for i in inputs})
    if unknown:
        raise InputError(f"not in schema/supergraph.yaml: {', '.join(unknown)}")
    return [i for i in inputs if not names or i.name in names]


def run_remote(root: Path, registry: str, command: str, names: Sequence[str], fmt: str) -> int:
    """Exit code: 0 all passed (or accepted), 1 a check failed, 2 the registry is unusable."""
    token = os.environ.get("REGISTRY_TOKEN", "")
    headers = {"authorization": f"Bearer {token}"}
    pending = _selected(root, names)
    answers: dict[str, dict[str, Any]] = {}
    passed: dict[str, bool] = {}
    base = registry.rstrip("/")
    try:
        with httpx.Client(timeout=60.0, headers=headers) as client:
            while pending:
                retry: list[SubgraphInput] = []
                for item in pending:
                    path = f"/v1/subgraphs/{item.name}" + ("/check" if command == "check" else "")
                    response = client.post(base + path, json={"sdl": item.sdl, "url": item.url})
                    if response.status_code not in (200, 422):
                        raise InputError(
                            f"{base}{path}: HTTP {response.status_code}: {response.text}"
                        )
                    answer = response.json()
                    answers[item.name], passed[item.name] = answer, response.status_code == 200
                    report = answer.get("report", answer)
                    rejected = command == "publish" and not passed[item.name]
                    if rejected and report.get("composition_errors"):
                        retry.append(item)
                progress = len(retry) < len(pending)
                pending = retry if progress else []
    except httpx.HTTPError as error:
        raise InputError(f"registry {base} unusable: {type(error).__name__}: {error}") from error
    ok = all(passed.values())
    lines = [line for name, answer in answers.items() for line in _lines(name, answer)]
    verb = "accepted" if command == "publish" else "passed"
    lines.append(f"{command} {verb}" if ok else f"{command} FAILED")
    data = {"ok": ok, "registry": base, "subgraphs": answers}
    print(json.dumps(data, indent=2) if fmt == "json" else "\n".join(lines))
    return 0 if ok else 1

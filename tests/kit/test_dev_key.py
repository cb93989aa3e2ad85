"""The dev signing key: the services of `redress dev` start at once, each may find no key,
and all of them must end up signing and verifying with the same one."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from redress.kit.auth import load_or_create_dev_key

STARTING = 6  # processes making the key at once, as the five services and the relay do
ROUNDS = 5  # a race is lost by chance: the code before failed two starts in three


def _start(path: str, ready: object) -> bytes:
    ready.wait()  # type: ignore[attr-defined]
    key = load_or_create_dev_key(Path(path))
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_services_starting_at_once_share_one_dev_key(tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(STARTING) as pool:
        for start in range(ROUNDS):  # each a first start, with no key yet
            path = tmp_path / str(start) / "signing.pem"
            ready = manager.Barrier(STARTING)
            keys = pool.starmap(_start, [(str(path), ready)] * STARTING)
            on_disk = (
                load_or_create_dev_key(path)
                .public_key()
                .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            )
            assert set(keys) == {on_disk}
            assert path.stat().st_mode & 0o777 == 0o600
            assert [p.name for p in path.parent.iterdir()] == ["signing.pem"]  # none aside

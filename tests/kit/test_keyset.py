"""Where the keys live: the keyset of key-encryption keys, apart from the data outside dev
mode and zero-config in dev mode; the root secret of derived keys, apart from both."""

from __future__ import annotations

import base64
import os

import pytest

from redress.kit.admin import init_keys
from redress.kit.keyset import INITIAL, Keyset, KeysetFile, keyset_file, root_secret
from redress.kit.settings import ConfigurationError, Settings


def production(tmp_path, **overrides) -> Settings:
    return Settings(dev=False, jwks_url="https://idp.example/jwks", data_dir=tmp_path / "data",
                    _env_file=None, **overrides)  # fmt: skip


def test_outside_dev_mode_the_keyset_must_be_named_and_apart_from_the_data(tmp_path):
    with pytest.raises(ConfigurationError, match="REDRESS_KEYSET_FILE is required"):
        keyset_file(production(tmp_path))
    inside = production(tmp_path, keyset_file=tmp_path / "data" / "keys" / "keyset.json")
    with pytest.raises(ConfigurationError, match="outside the data directory"):
        keyset_file(inside)
    with pytest.raises(ConfigurationError, match="outside the data directory"):
        init_keys(inside)
    apart = production(tmp_path, keyset_file=tmp_path / "keys" / "keyset.json")
    with pytest.raises(ConfigurationError, match="redress keys init"):
        keyset_file(apart)  # never created behind the operator's back
    path, created = init_keys(apart)
    assert created and (path.stat().st_mode & 0o777) == 0o600
    assert keyset_file(apart).keyset().current == INITIAL
    assert init_keys(apart, if_missing=True) == (path, False)
    with pytest.raises(ConfigurationError, match="already exists"):
        init_keys(apart)
    with pytest.raises(ConfigurationError, match="REDRESS_SECRET_KEY is required"):
        root_secret(apart)


def test_a_legacy_master_key_becomes_the_first_key_encryption_key(tmp_path):
    legacy = os.urandom(32)
    settings = production(tmp_path, keyset_file=tmp_path / "keys" / "keyset.json",
                          master_key=base64.b64encode(legacy).decode())  # fmt: skip
    init_keys(settings)
    assert KeysetFile(settings.keyset_path).keyset().keys == {INITIAL: legacy}
    dev_dir = tmp_path / "dev"
    dev_dir.mkdir()
    (dev_dir / "master.key").write_text(base64.b64encode(legacy).decode())
    dev = Settings(dev=True, data_dir=dev_dir, _env_file=None)
    assert keyset_file(dev).keyset().keys == {INITIAL: legacy}
    assert not (dev_dir / "master.key").exists()  # only the keyset holds it now


def test_dev_mode_needs_no_configuration_and_keeps_derived_keys_apart(tmp_path):
    dev = Settings(dev=True, data_dir=tmp_path, _env_file=None)
    keys = keyset_file(dev)
    assert keys.path == tmp_path / "keyset.json"
    root = root_secret(dev)
    assert root == root_secret(dev) and root not in keys.keyset().keys.values()


def test_a_rewritten_keyset_is_noticed_and_a_broken_one_refused(tmp_path):
    keys = KeysetFile(tmp_path / "keyset.json")
    keys.write(Keyset.fresh("a"))
    other = KeysetFile(keys.path)
    assert other.keyset().current == "a"
    keys.write(Keyset.fresh("b"))
    assert other.keyset().current == "b"  # no restart, no forced reload
    assert not [p for p in tmp_path.iterdir() if p.name != "keyset.json"]  # no temp files
    keys.path.write_text('{"current": "x", "keys": {"y": "AAAA"}}')
    with pytest.raises(ConfigurationError, match="lacks its current"):
        KeysetFile(keys.path).keyset()
    keys.path.write_text("not json")
    with pytest.raises(ConfigurationError, match="not valid"):
        KeysetFile(keys.path).keyset()


def test_services_starting_together_in_dev_mode_share_one_keyset_and_one_secret(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    dev = Settings(dev=True, data_dir=tmp_path, _env_file=None)
    with ThreadPoolExecutor(8) as pool:
        keysets = list(pool.map(lambda _: keyset_file(dev).keyset(), range(16)))
        roots = list(pool.map(lambda _: root_secret(dev), range(16)))
    assert len({k.key for k in keysets}) == 1 and len(set(roots)) == 1
    assert keysets[0] == KeysetFile(tmp_path / "keyset.json").keyset()

"""Key-encryption keys (KEKs) in a keyset file, and the root secret of derived keys.

The keyset is a JSON file `{"current": id, "keys": {id: base64}}`. New data keys are
wrapped under the current KEK; a rotation adds a KEK, re-wraps every data key under it and
then removes the old KEK from the file, so that a data key erased before the rotation can
no longer be unwrapped from any copy of the database (WAL, dead tuples, backups).

Processes notice a rewritten file by its identity (inode, mtime, size) on each use, and
reload it at once when they meet a KEK id they do not know.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from redress.kit.settings import ConfigurationError, Settings

INITIAL = "initial"  # the KEK id of data keys wrapped before keysets existed (migration 004)


@dataclass(frozen=True)
class Keyset:
    current: str
    keys: dict[str, bytes]

    @property
    def key(self) -> bytes:
        return self.keys[self.current]

    def to_json(self) -> str:
        encoded = {kid: base64.b64encode(k).decode() for kid, k in self.keys.items()}
        return json.dumps({"current": self.current, "keys": encoded}, indent=1)

    @classmethod
    def from_json(cls, text: str, where: Path) -> Keyset:
        try:
            raw = json.loads(text)
            keys = {kid: base64.b64decode(k, validate=True) for kid, k in raw["keys"].items()}
            keyset = cls(str(raw["current"]), keys)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigurationError(f"the keyset {where} is not valid") from None
        if keyset.current not in keys or any(len(k) != 32 for k in keys.values()):
            raise ConfigurationError(f"the keyset {where} lacks its current 32-byte key")
        return keyset

    @classmethod
    def fresh(cls, kek_id: str = INITIAL, key: bytes | None = None) -> Keyset:
        return cls(kek_id, {kek_id: key or AESGCM.generate_key(bit_length=256)})


class KeysetFile:
    """The keyset on disk, reloaded when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._keyset: Keyset | None = None

    def keyset(self, *, force: bool = False) -> Keyset:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise ConfigurationError(
                f"no keyset at {self.path}: create it with `redress keys init`"
            ) from None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if force or self._keyset is None or stamp != self._stamp:
            self._keyset = Keyset.from_json(self.path.read_text(), self.path)
            self._stamp = stamp
        return self._keyset

    def write(self, keyset: Keyset) -> None:
        """Replace the file atomically and durably: a crash leaves the old or the new one."""
        tmp = _durable_temp(self.path, keyset.to_json())
        os.replace(tmp, self.path)
        _fsync_directory(self.path.parent)
        self._keyset, self._stamp = None, None

    def create(self, keyset: Keyset) -> bool:
        """Write the first keyset unless one exists; False when another process was first."""
        return create_exclusively(self.path, keyset.to_json())

    def exists(self) -> bool:
        return self.path.exists()


def create_exclusively(path: Path, text: str) -> bool:
    """Write a whole file only if none exists; False when another process was first.

    Written aside and linked into place, so that no process ever reads it half-written.
    """
    tmp = _durable_temp(path, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    _fsync_directory(path.parent)
    return True


def _durable_temp(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def keyset_location(settings: Settings) -> Path:
    """Where the keyset lives: outside dev mode, named and apart from the data."""
    path = settings.keyset_path
    if not settings.dev:
        if settings.keyset_file is None:
            raise ConfigurationError("REDRESS_KEYSET_FILE is required outside dev mode")
        if _inside(path, settings.data_dir):
            raise ConfigurationError(
                "REDRESS_KEYSET_FILE must lie outside the data directory outside dev mode "
                "(mount it separately, so that no copy of the data carries its keys)"
            )
    return path


def keyset_file(settings: Settings) -> KeysetFile:
    """The keyset of this deployment; dev mode creates one under the data folder."""
    keys = KeysetFile(keyset_location(settings))
    if settings.dev and not keys.exists():
        init_keyset(settings, keys)
    keys.keyset()
    return keys


def init_keyset(settings: Settings, keys: KeysetFile) -> Keyset:
    """A first keyset; the legacy master key (variable or dev file) becomes its KEK."""
    legacy = settings.data_dir / "master.key"
    adopted = None
    if settings.master_key is not None:
        key = _b64(settings.master_key.get_secret_value(), "REDRESS_MASTER_KEY")
    elif settings.dev and legacy.exists():
        key, adopted = _b64(legacy.read_text(), str(legacy)), legacy
    else:
        key = None
    keyset = Keyset.fresh(INITIAL, key)
    if not keys.create(keyset):  # services starting together: the first one's keyset wins
        return keys.keyset(force=True)
    if adopted is not None:
        adopted.unlink(missing_ok=True)  # the keyset holds it now; the next rotation destroys it
    return keyset


def root_secret(settings: Settings) -> bytes:
    """The root of derived keys (proofs of filing, sessions, CSRF, SMS threads).

    Kept apart from the KEKs: rotating those must not invalidate a proof of filing.
    """
    if settings.secret_key is not None:
        return _b64(settings.secret_key.get_secret_value(), "REDRESS_SECRET_KEY")
    if not settings.dev:
        raise ConfigurationError("REDRESS_SECRET_KEY is required outside dev mode")
    path = settings.data_dir / "secret.key"
    if not path.exists():
        # Through a temporary file and a link, so that services starting together share one.
        create_exclusively(path, base64.b64encode(os.urandom(32)).decode())
    return _b64(path.read_text(), str(path))


def derive(root: bytes, purpose: str) -> bytes:
    """A key of its own for each purpose, so that no two uses share one."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=purpose.encode()).derive(root)


def _b64(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ConfigurationError(f"{where} is not valid base64") from None
    if len(key) != 32:
        raise ConfigurationError(f"{where} must be 32 bytes, base64-encoded")
    return key

"""The frameworks assessments are made against: versioned data files in this package.

Each file of `data/` is one version of one framework (`<id>-<version>.toml`). A published
version is never edited nor removed: an assessment names the framework and version it was
started on, and is read and scored against that version for ever, so a new version changes
no earlier result. `tests/assessment/test_frameworks.py` holds the digest of every
published file and fails if one changes.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from redress.assessment.frameworks.model import Criterion, Framework, Source, Ungp

__all__ = ["Criterion", "Framework", "Frameworks", "Source", "Ungp", "catalogue", "check"]

DATA = Path(str(resources.files(__package__) / "data"))


class FrameworkError(ValueError):
    """A framework file the service will not start with."""


@dataclass(frozen=True)
class Published:
    framework: Framework
    digest: str
    """sha256 of the file, recorded by each assessment started on it."""


class Frameworks:
    """Every version of every framework, by id and version."""

    def __init__(self, published: list[Published]) -> None:
        self._all = {(p.framework.id, p.framework.version): p for p in published}
        self._criteria = {k: p.framework.criteria() for k, p in self._all.items()}

    def get(self, framework: str, version: int) -> Framework | None:
        found = self._all.get((framework, version))
        return found.framework if found else None

    def digest(self, framework: str, version: int) -> str:
        return self._all[(framework, version)].digest

    def criteria(self, framework: str, version: int) -> dict[str, Criterion]:
        return self._criteria[(framework, version)]

    def latest(self, framework: str) -> Framework | None:
        versions = [v for (i, v) in self._all if i == framework]
        return self._all[(framework, max(versions))].framework if versions else None

    def all(self) -> list[Framework]:
        return [p.framework for _, p in sorted(self._all.items())]


def load(directory: Path = DATA) -> Frameworks:
    published, problems = [], []
    for path in sorted(directory.glob("*.toml")):
        raw = path.read_bytes()
        try:
            framework = Framework.model_validate(tomllib.loads(raw.decode("utf-8")))
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if path.stem != f"{framework.id}-{framework.version}":
            problems.append(f"{path.name}: holds {framework.id} version {framework.version}")
            continue
        published.append(Published(framework, hashlib.sha256(raw).hexdigest()))
    if problems:
        raise FrameworkError("frameworks that do not validate: " + " | ".join(problems))
    return Frameworks(published)


@cache
def catalogue() -> Frameworks:
    """The frameworks shipped with this build (read once)."""
    return load()


def check(_settings: object) -> None:
    """Refuse to start on a framework file that does not validate."""
    catalogue()

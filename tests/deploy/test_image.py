"""The container image: its Containerfile passes hadolint and keeps its promises, and the
`redress` entry points run as a non-root user from a read-only install.

No container engine runs here, so the image itself is never built in `make test`. What the
image relies on is tested instead: the same pinned requirements, installed and then made
read-only, run every role's entry point as an unprivileged user with an unwritable HOME and
nothing writable but a fresh /tmp (the emptyDir of the manifests)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
BIN = Path(sys.executable).parent
UNPRIVILEGED = 65534  # nobody


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def stages(text: str) -> list[list[str]]:
    """The Containerfile's instructions (continuation lines joined), split by FROM."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.startswith("#")]
    result: list[list[str]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            result.append([])
        if result:
            result[-1].append(line)
    return result


def test_containerfile_passes_hadolint() -> None:
    result = hadolint(CONTAINERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_an_unpinned_root_image(tmp_path: Path) -> None:
    """The lint is no formality: the mistakes it is there for make it fail."""
    broken = tmp_path / "Containerfile"
    broken.write_text("FROM python:latest\nRUN pip install redress\nCMD redress\n")
    result = hadolint(broken)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3013", "DL3025"):
        assert rule in result.stdout, result.stdout


def test_final_stage_is_pinned_non_root_with_redress_as_entry_point() -> None:
    text = CONTAINERFILE.read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base, "the base image is one ARG, shared by both stages"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base[1])
    build, final = stages(text)
    assert build[0].startswith("FROM ${PYTHON_IMAGE} AS build")
    assert final[0] == "FROM ${PYTHON_IMAGE} AS runtime"
    users = [ln.split()[1] for ln in final if ln.startswith("USER ")]
    assert users == ["10001:10001"], "numeric and non-root, as runAsUser in deploy/k8s"
    assert 'ENTRYPOINT ["redress"]' in final
    runs = " ".join(ln for ln in final if ln.startswith("RUN "))
    assert not re.search(r"apt-get|apk|gcc|build-essential|pip install", runs), runs
    assert any(ln.startswith("COPY --from=build /opt/redress") for ln in final)


SANDBOX = r"""
set -eu
venv="$1"; shift
base="$("$venv/bin/python" -c 'import sys; print(sys.base_prefix)')"
if [ "$(id -u)" = 0 ]; then
    # The interpreter may live where an unprivileged user cannot look (pyenv under /root):
    # cover the closed ancestor with an empty, searchable tmpfs and put the interpreter back.
    closed=""
    d="$base"
    while [ "$d" != / ]; do
        [ $(( 0$(stat -c %a "$d") & 1 )) = 0 ] && closed="$d"
        d="$(dirname "$d")"
    done
    if [ -n "$closed" ]; then
        stash="$(mktemp -d)"
        mount --bind "$base" "$stash"
        mount -t tmpfs -o mode=755,size=1m tmpfs "$closed"
        mkdir -p "$base"
        mount --move "$stash" "$base"
    fi
fi
# readOnlyRootFilesystem: true, with an emptyDir on /tmp.
mount -o remount,bind,ro /
mount -t tmpfs -o mode=1777,size=64m tmpfs /tmp
cd /
as_user=""
if [ "$(id -u)" = 0 ]; then
    as_user="setpriv --reuid=@UID@ --regid=@UID@ --clear-groups --no-new-privs"
fi
for cmd in "$@"; do
    echo "== $cmd"
    # shellcheck disable=SC2086
    $as_user env -i HOME=/nonexistent PATH="$venv/bin:/usr/bin:/bin" LANG=C.UTF-8 \
        sh -c "id -u; touch \"$venv/written\" 2>/dev/null && echo WROTE-INSTALL; $cmd"
done
""".replace("@UID@", str(UNPRIVILEGED))


def test_entry_points_run_as_non_root_from_a_read_only_install() -> None:
    """Reuses the project's .venv (the pinned requirements of `make install`) rather than
    building another venv, which would take minutes on two cores. The Redress packages are
    installed editable there, so their source tree is part of the install: the whole root
    filesystem, both included, is remounted read-only in a private mount namespace, and the
    commands run as uid 65534 (or, for a non-root developer, as themselves in a user
    namespace)."""
    venv = Path(sys.prefix)
    assert venv != Path(sys.base_prefix), "run the tests from the project's venv"
    if os.geteuid() == 0:
        unshare = ["unshare", "--mount", "--propagation", "private"]
    else:
        unshare = ["unshare", "--user", "--map-current-user", "--mount"]
    commands = [
        "redress --help",
        "redress serve --help",
        "redress relay --help",
        "redress migrate --help",
        # Every service is found by entry point and its app factory imports.
        "python -c 'from redress.kit.registry import services; print(sorted(services()))'",
    ]
    assert shutil.which("unshare") and shutil.which("setpriv")
    result = subprocess.run(
        [*unshare, "sh", "-c", SANDBOX, "sandbox", str(venv), *commands],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    runs = out.split("== ")[1:]
    assert len(runs) == len(commands), out
    for run, command in zip(runs, commands, strict=True):
        uid = run.splitlines()[1]
        assert uid != "0", f"{command} ran as root"
        if os.geteuid() == 0:
            assert uid == str(UNPRIVILEGED)
        assert "WROTE-INSTALL" not in run, "the install was writable"
        assert "Traceback" not in run, run
    assert "Usage: redress [OPTIONS] COMMAND" in runs[0]
    for role, run in zip(["serve", "relay", "migrate"], runs[1:4], strict=True):
        assert f"Usage: redress {role} [OPTIONS]" in run, run
    assert "['assessment', 'cases', 'intake', 'metrics', 'referral']" in runs[4], runs[4]


@pytest.fixture(autouse=True)
def _on_linux() -> None:
    assert sys.platform == "linux", "these tests use Linux namespaces"

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
import sysconfig
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
BIN = Path(sys.executable).parent
UNPRIVILEGED = 65534  # nobody
SERVICES = ["intake", "cases", "referral", "metrics", "assessment"]


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
    assert not re.search(r"apk|gcc|g\+\+|build-essential|-dev\b|pip install", runs), runs
    # From Debian only what the PDF export runs on (ADR 30): shared libraries and fonts, each
    # pinned, without recommends, and the package lists removed in the same layer.
    installed = re.findall(r"apt-get install -y --no-install-recommends ([^&]+)", runs)
    assert len(installed) == runs.count("apt-get install") == 1, runs
    pinned = dict(p.split("=", 1) for p in installed[0].split())
    assert set(pinned) == {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-core",
                           "fonts-noto-cjk"}  # fmt: skip
    assert all(pinned.values()) and "rm -rf /var/lib/apt/lists/*" in runs
    assert any(ln.startswith("COPY --from=build /opt/redress") for ln in final)


PACKAGES = ["libs/events", "libs/kit", "libs/tenancy", *(f"services/{n}" for n in SERVICES)]
# The project's .venv, which supplies the pinned third-party requirements to the image test.
PINNED = sysconfig.get_path("purelib", vars={"base": sys.prefix})

# Runs in a private mount namespace (as root) or a user and mount namespace (otherwise):
# the root filesystem read-only, as readOnlyRootFilesystem: true, and a fresh tmpfs on /tmp as
# the emptyDir of the manifests. Paths the commands need that the covering mounts would hide
# (the install under pytest's /tmp, the checkout's .venv when the checkout is under /tmp, an
# interpreter under a closed /root) are set aside on
# /dev/shm first and put back, read-only, afterwards. (mount -n: /etc is read-only by then.)
SANDBOX = r"""
set -eu
venv="$1"; stash="$2"; pinned="$3"; shift 3
base="$("$venv/bin/python" -c 'import sys; print(sys.base_prefix)')"
aside() { s="$(mktemp -d -p "$stash")"; mount -n --bind "$1" "$s"; echo "$s"; }
back() { mkdir -p "$2"; mount -n --move "$1" "$2"; rmdir "$1"; mount -n -o remount,bind,ro "$2"; }
closed=""
if [ "$(id -u)" = 0 ]; then
    d="$base"
    while [ "$d" != / ]; do
        [ $(( 0$(stat -c %a "$d") & 1 )) = 0 ] && closed="$d"
        d="$(dirname "$d")"
    done
fi
[ -z "$closed" ] || interpreter="$(aside "$base")"
install="$(aside "$venv")"
deps="$(aside "$pinned")"
if [ -n "$closed" ]; then
    mount -n -t tmpfs -o mode=755,size=1m tmpfs "$closed"
    back "$interpreter" "$base"
fi
mount -n -o remount,bind,ro /
mount -n -t tmpfs -o mode=1777,size=64m tmpfs /tmp
back "$install" "$venv"
back "$deps" "$pinned"
cd /
as_user=""
if [ "$(id -u)" = 0 ]; then
    as_user="setpriv --reuid=@UID@ --regid=@UID@ --clear-groups --no-new-privs"
fi
for cmd in "$@"; do
    echo "=="
    # shellcheck disable=SC2086
    $as_user env -i HOME=/nonexistent PATH="$venv/bin:/usr/bin:/bin" LANG=C.UTF-8 \
        REDRESS_DATABASE_URL=postgresql://redress@127.0.0.1:1/redress \
        REDRESS_NATS_URL=nats://127.0.0.1:1 \
        REDRESS_JWKS_URL=https://idp.example.org/.well-known/jwks.json \
        REDRESS_MASTER_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
        sh -c "id -u; touch /tmp/written \"$venv/written\" 2>&1; $cmd"
done
""".replace("@UID@", str(UNPRIVILEGED))

BUILD_APPS = """
from redress.kit import registry
from redress.kit.registry import services
from redress.kit.service import create_service_app
from redress.kit.settings import load_settings
settings = load_settings()
print(registry.__file__)
print(sorted(name for name, spec in services().items() if create_service_app(spec, settings)))
"""


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Redress packages installed as the Containerfile installs them (wheels, not
    editable) into a fresh venv, then made read-only. The pinned third-party requirements come
    from the project's .venv through a .pth file rather than a second install, which would take
    minutes on two cores; the wheels are built with the hatchling pinned in
    requirements-dev.txt, so nothing is downloaded."""
    root = tmp_path_factory.mktemp("image")
    wheels, venv = root / "wheels", root / "venv"
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels)]
    subprocess.run([*build, *PACKAGES], cwd=ROOT, check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    put = [*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index"]
    subprocess.run([*put, *map(str, sorted(wheels.glob("*.whl")))], check=True, timeout=300)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    (site / "site-packages" / "pinned-requirements.pth").write_text(PINNED + "\n")
    subprocess.run(["chmod", "-R", "a-w", str(venv)], check=True)
    return venv


def test_entry_points_run_as_non_root_from_a_read_only_install(install: Path) -> None:
    """`redress` for every role, from a fresh venv holding the Redress wheels (not editable)
    with the project's .venv supplying the pinned third-party requirements (see `install`),
    under a read-only root filesystem, as uid 65534 with an unwritable HOME."""
    if os.geteuid() == 0:
        unshare = ["unshare", "--mount", "--propagation", "private"]
    else:
        unshare = ["unshare", "--user", "--map-current-user", "--mount"]
    commands = [
        "redress --help",
        "redress serve --help",
        "redress relay --help",
        "redress migrate --help",
        # Every service is found by entry point and builds its app (templates, catalogues).
        f"python -c '{BUILD_APPS}'",
    ]
    assert shutil.which("unshare") and shutil.which("setpriv")
    stash = tempfile.mkdtemp(dir="/dev/shm")  # outside /tmp, which the sandbox covers
    try:
        result = subprocess.run(
            [*unshare, "sh", "-c", SANDBOX, "sandbox", str(install), stash, PINNED, *commands],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(stash)  # empty once the namespace and its mounts are gone
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    runs = out.split("==\n")[1:]
    assert len(runs) == len(commands), out
    for run, command in zip(runs, commands, strict=True):
        uid, written = run.splitlines()[0:2]
        assert uid != "0", f"{command} ran as root"
        if os.geteuid() == 0:
            assert uid == str(UNPRIVILEGED)
        assert "Read-only file system" in written, f"the install was writable: {written}"
        assert "Traceback" not in run, run
    assert "Usage: redress [OPTIONS] COMMAND" in runs[0]
    for role, run in zip(["serve", "relay", "migrate"], runs[1:4], strict=True):
        assert f"Usage: redress {role} [OPTIONS]" in run, run
    kit, apps = runs[4].splitlines()[2:4]
    assert kit.startswith(f"{install}/lib/"), f"redress.kit came from {kit}, not the install"
    assert apps == str(sorted(SERVICES)), runs[4]


@pytest.fixture(autouse=True)
def _on_linux() -> None:
    assert sys.platform == "linux", "these tests use Linux namespaces"

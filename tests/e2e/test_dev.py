"""`redress dev`, as `make run` starts it: everything healthy, Ctrl-C leaves nothing behind."""

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

pytestmark = pytest.mark.slow

NAMES = ["intake", "cases", "referral", "metrics", "assessment"]


def start(cwd, base):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
    env["REDRESS_DEV_PORT_BASE"] = str(base)
    return subprocess.Popen(
        [sys.executable, "-m", "redress.kit.cli", "dev"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(cwd / "dev.log").open("a"),
        start_new_session=True,  # a group of its own, as a terminal's foreground job
    )


def wait_healthy(base, deadline_s, cwd):
    """Seconds until every service answers /health with 200; fails past the deadline."""
    started = time.monotonic()
    waiting = set(range(1, 6))
    with httpx.Client(timeout=1) as client:
        while waiting:
            if time.monotonic() - started > deadline_s:
                names = [NAMES[i - 1] for i in sorted(waiting)]
                log = (cwd / "dev.log").read_text()[-3000:]
                raise AssertionError(f"not healthy within {deadline_s} s: {names}\n{log}")
            for offset in list(waiting):
                try:
                    if client.get(f"http://127.0.0.1:{base + offset}/health").status_code == 200:
                        waiting.discard(offset)
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
    return time.monotonic() - started


def wait_for_page(url, text, deadline_s=60):
    started = time.monotonic()
    with httpx.Client(timeout=2) as client:
        while time.monotonic() - started < deadline_s:
            try:
                page = client.get(url)
                if page.status_code == 200 and text in page.text:
                    return page.text
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"{url} did not show {text!r} within {deadline_s} s")


def leftovers(cwd):
    found = []
    for p in psutil.process_iter(["cmdline", "cwd"]):
        try:
            if str(cwd) in " ".join(p.info["cmdline"] or []) or p.info["cwd"] == str(cwd):
                found.append(p.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def stop(process, cwd):
    """Ctrl-C, as a terminal sends it: to the whole foreground process group."""
    written = (cwd / "dev.log").stat().st_size
    os.killpg(process.pid, signal.SIGINT)
    process.wait(60)
    said = (cwd / "dev.log").read_bytes()[written:].decode(errors="replace")
    # Stopping says so, and nothing else: no service restarted, no server missed. A line
    # saying a worker "recovered" reports the end of a trouble reported before it (seen in
    # CI: the NATS restart of the step before, its recovery logged as the stop began); a
    # trouble the stop caused would be reported as such first.
    told = "\n".join(line for line in said.splitlines() if "recovered" not in line)
    assert "starting it again" not in told and "connection was lost" not in told, said
    deadline = time.monotonic() + 30
    while leftovers(cwd) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers(cwd) == [], (cwd / "dev.log").read_text()[-3000:]


def processes(cwd, needle):
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            line = " ".join(p.info["cmdline"] or [])
            if needle in line and str(cwd) in line + (p.cwd() or ""):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def wait_for(condition, what, deadline_s, cwd):
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > deadline_s:
            log = (cwd / "dev.log").read_text()[-3000:]
            raise AssertionError(f"{what} within {deadline_s} s\n{log}")
        time.sleep(0.1)


def everything_killed_comes_back(cwd, base):
    """SIGKILL a service, nats-server and PostgreSQL: the supervisor starts each again."""
    report = f"http://127.0.0.1:{base + 1}/t/demo/report"
    (cases,) = processes(cwd, "serve cases")
    cases.kill()
    wait_for(lambda: [p.pid for p in processes(cwd, "serve cases")] not in ([], [cases.pid]),
             "cases started again", 30, cwd)  # fmt: skip
    wait_healthy(base, 60, cwd)
    (nats,) = processes(cwd, "nats-server")
    nats.kill()
    wait_for(lambda: [p.pid for p in processes(cwd, "nats-server")] not in ([], [nats.pid]),
             "nats-server started again", 30, cwd)  # fmt: skip
    postmaster = psutil.Process(
        int((cwd / ".data" / "pg" / "postmaster.pid").read_text().split()[0])
    )
    postmaster.kill()
    postmaster.wait(10)

    def postgres_back():
        pid_file = cwd / ".data" / "pg" / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return False
        return pid != postmaster.pid and psutil.pid_exists(pid)

    wait_for(postgres_back, "PostgreSQL started again", 60, cwd)
    wait_for_page(report, "Dhaka Knitwear")  # served from the database again
    wait_healthy(base, 60, cwd)


def status_shows_lags_near_zero(cwd, base):
    """`redress status` beside `make run`: nothing waits, every projection at the stream's
    end once caught up, every service and the relay answering 200 on /health."""
    # Nothing but the checkout's .data/dev.env, as in another terminal: it says where the
    # ports start (the test's base, not make run's 8000).
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}

    def status() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "redress.kit.cli", "status"],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    seen: list[str] = []

    def quiet() -> bool:
        shown = status()
        seen.append(shown.stdout)
        behind = re.findall(r"^│ ([a-z_]+\.[a-z_]+)\s*│\s*(\d+)\s*│", shown.stdout, re.M)
        waiting = re.search(r"events not yet in the stream\s*│\s*0\s*│", shown.stdout)
        return (shown.returncode == 0 and bool(waiting) and bool(behind)
                and all(n == "0" for _, n in behind))  # fmt: skip

    wait_for(quiet, "redress status showing every projection caught up", 60, cwd)
    # The quiet answer itself: background work (texts to the demo's workers) may append
    # again between two calls.
    shown = seen[-1]
    assert re.search(r"events not yet in the stream\s*│\s*0\s*│", shown), shown
    for name in [*NAMES, "relay"]:
        assert re.search(rf"^│ {name}\s*│ 200 ok", shown, re.M), shown


def one_page_per_service(base):
    """A page of every service, as a browser gets it from the processes `make run` starts."""
    with httpx.Client(timeout=5) as client:
        console = client.get(f"http://127.0.0.1:{base + 2}/console")
        assert console.status_code == 303, console.text[:300]
        assert console.headers["location"] == "/console/login"
        login = client.get(f"http://127.0.0.1:{base + 2}/console/login")
        assert login.status_code == 200
        assert 'name="token"' in login.text
        for offset in range(1, 6):
            docs = client.get(f"http://127.0.0.1:{base + offset}/docs")
            assert docs.status_code == 200
            assert f"Redress {NAMES[offset - 1].capitalize()}" in docs.text


def listening_on_loopback_only(base):
    """`make run` is for one machine: no port of its services or relay is open beyond it."""
    ports = set(range(base + 1, base + 7))  # the five services, then the relay's probes
    bound = [(c.laddr.ip, c.laddr.port) for c in psutil.net_connections("tcp")
             if c.status == psutil.CONN_LISTEN and c.laddr.port in ports]  # fmt: skip
    assert {port for _, port in bound} == ports, bound
    assert {ip for ip, _ in bound} == {"127.0.0.1"}, bound


def a_second_one_is_refused(cwd, base):
    """A second `make run` from the same checkout, or on the same ports from another, is
    refused at once, and the first one's dev.env stays as it wrote it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
    env["REDRESS_DEV_PORT_BASE"] = str(base)
    written = (cwd / ".data" / "dev.env").read_text()
    elsewhere = cwd / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    for folder, said in ((cwd, "already running from this checkout"),
                         (elsewhere, f"port {base + 1} (intake) is in use")):  # fmt: skip
        second = subprocess.run(
            [sys.executable, "-m", "redress.kit.cli", "dev"],
            cwd=folder, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2, second.stderr
        assert said in " ".join(second.stderr.split()), second.stderr
        assert "Traceback" not in second.stderr
    assert (cwd / ".data" / "dev.env").read_text() == written
    assert not (elsewhere / ".data" / "dev.env").exists()


def test_dev_starts_everything_stops_cleanly_and_restarts_with_its_data(tmp_path):
    # Below the kernel's ephemeral ports (32768 and up): a service restarted after a kill
    # must find its port free, not taken meanwhile by some process's outgoing connection.
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    low = int(ephemeral[0])
    base = random.randint(10, max(10, low // 1000 - 1)) * 1000
    first = start(tmp_path, base)
    try:
        wait_healthy(base, 90, tmp_path)
        assert (tmp_path / ".data" / "dev.env").exists()
        # The demo tenant is seeded: its worker form lists its sites.
        form = wait_for_page(f"http://127.0.0.1:{base + 1}/t/demo/report", "Dhaka Knitwear")
        assert 'lang="en"' in form
        one_page_per_service(base)
        listening_on_loopback_only(base)
        a_second_one_is_refused(tmp_path, base)
        status_shows_lags_near_zero(tmp_path, base)
        everything_killed_comes_back(tmp_path, base)
    finally:
        stop(first, tmp_path)
    assert (tmp_path / ".data" / "pg" / "PG_VERSION").exists()
    second = start(tmp_path, base)
    try:
        wait_healthy(base, 60, tmp_path)
    finally:
        stop(second, tmp_path)

"""`redress dev` keeps every child running: backoff, a budget per window, then slow tries,
said loudly, never a give-up (a service that could not reach PostgreSQL for two minutes
stayed down for good)."""

import sys

from redress.kit import dev
from redress.kit.dev import Child, Restarts, Supervisor


def test_backoff_grows_while_a_child_keeps_failing_and_resets_once_it_stayed_up():
    budget = Restarts(budget=100, window=600, base=1, cap=8, stable=60)
    delays = []
    now = 0.0
    for _ in range(6):
        assert budget.due(now)
        budget.started(now)
        delays.append(budget.next_at - now)
        now = budget.next_at
    # 1, 2, 4, 8, 8, 8 seconds, each with up to 20 % jitter.
    for delay, expected in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert expected * 0.8 <= delay <= expected * 1.2
    now += 120  # it then stayed up for two minutes
    budget.started(now)
    assert budget.next_at - now <= 1.2


def test_the_budget_is_per_window_not_per_lifetime_and_spent_it_slows_down():
    budget = Restarts(budget=3, window=100, base=0, cap=0, slow=60)
    for t in (0, 10, 20):
        assert budget.due(t)
        budget.started(t)
    assert not budget.due(30) and budget.exhausted
    assert budget.due(80)  # a minute after the last start: tried again, never given up on


def test_a_budget_spread_over_time_is_never_spent():
    budget = Restarts(budget=3, window=100, base=0, cap=0)
    for t in range(0, 1000, 40):  # a failure every 40 s: at most 3 in any 100 s
        assert budget.due(t)
        budget.started(t)
    assert not budget.exhausted


def test_a_dead_child_is_started_again_and_a_crash_loop_is_slowed_loudly(capsys, monkeypatch):
    monkeypatch.setattr(dev.console, "file", sys.stderr)
    sleeper = Child("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    crasher = Child("crasher", [sys.executable, "-c", "raise SystemExit(3)"], {})
    supervisor = Supervisor(
        make_budget=lambda: Restarts(budget=3, window=100, base=0, cap=0, slow=60)
    )
    for child in (sleeper, crasher):
        child.start()
        supervisor.watch(child)
    try:
        sleeper.process.kill()
        sleeper.process.wait()
        crasher.process.wait()
        supervisor.tick(1.0)
        assert sleeper.alive()  # started again
        for t in (2.0, 3.0, 4.0):
            crasher.process.wait()
            supervisor.tick(t)
        err = capsys.readouterr().err
        assert "sleeper stopped; starting it again" in err
        assert err.count("crasher stopped; starting it again") == 3
        assert "crasher failed 3 times within 100 s: it is tried again every 60 s" in err
        assert supervisor.restarts["crasher"].exhausted
        assert not supervisor.restarts["sleeper"].exhausted
        supervisor.tick(30.0)
        assert "starting it again" not in capsys.readouterr().err  # not yet: slower now
        supervisor.tick(64.0)  # a minute after its last start
        assert "crasher stopped; starting it again" in capsys.readouterr().err
    finally:
        for child in (sleeper, crasher):
            if child.alive():
                child.process.kill()
                child.process.wait()

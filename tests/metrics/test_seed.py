"""`redress seed figures`: deterministic by seed, refusing a tenant that exists."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from itertools import pairwise

from typer.testing import CliRunner

from redress.cases.app import service as cases_service
from redress.intake.app import service as intake_service
from redress.kit.cli import app
from redress.metrics.app import service as metrics_service
from redress.referral.app import service as referral_service
from redress.synth.plan import plan
from tests.conftest import new_database


def test_the_same_seed_makes_the_same_history_and_another_seed_another():
    first, again = plan(7, 300, date(2024, 1, 1)), plan(7, 300, date(2024, 1, 1))
    assert first.grievances == again.grievances and first.audits == again.audits
    assert plan(8, 300, date(2024, 1, 1)).grievances != first.grievances
    steps = [s for g in first.grievances for s in g.steps]
    assert all(first.start <= s.at < first.end for s in steps)
    assert all(a.at <= b.at for g in first.grievances for a, b in pairwise(g.steps))


def test_the_command_records_a_tenant_and_refuses_one_that_exists(servers, tmp_path):
    components = [s.component for s in (intake_service, cases_service, referral_service,
                                        metrics_service)]  # fmt: skip
    dsn = asyncio.run(new_database(servers.database_url, components))
    env = {"REDRESS_DEV": "1", "REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": str(tmp_path)}
    truth = tmp_path / "truth.json"
    args = ["seed", "figures", "--tenant", "made-up", "--grievances", "40", "--months", "3",
            "--truth", str(truth)]  # fmt: skip
    done = CliRunner().invoke(app, args, env=env)
    assert done.exit_code == 0, done.output
    assert "made-up: 40 grievances, 1 audits" in done.output
    recorded = json.loads(truth.read_text())
    assert len(recorded["grievances"]) == 40 and recorded["audits"][0]["audit_id"]
    again = CliRunner().invoke(app, args, env=env)
    assert again.exit_code == 2 and "already" in again.output

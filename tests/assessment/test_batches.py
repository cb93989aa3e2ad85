"""A batch, set-based, writes what its events applied one at a time write, whatever its size.

The assessment views and the members' facts write each batch with a statement per table (and
per round of one kind of event, at most one per assessment, case, tenant or partner): an
assessment started, answered, reviewed, rated and planned within one batch must leave the
rows that applying each event alone leaves. The rebuild test's workload writes every step of
an assessment, its files and their erasure, reminders fired, and a tenant's settings, members,
partners and cases; each projection is applied to it one event at a time, in batches of 7 and
in one batch, and every table is compared with the live one.
"""

from __future__ import annotations

from typing import Any

from redress.assessment.facts import MemberFacts
from redress.assessment.projections import AssessmentViews
from tests.assessment.test_rebuild import workload
from tests.cases.test_batches import applied, log_of, tables_of
from tests.cases.test_rebuild import stop_live_runners


def unmarked(tables: dict[str, Any]) -> dict[str, Any]:
    """The tables without the scheduler's marks on the timers it fired: no event says when,
    so a replay leaves them to the rebuild's carry-over (`test_rebuild`)."""
    if "timers" in tables:
        rows = [{**row, "fired_at": None} for row in tables["timers"]]
        tables = {**tables, "timers": sorted(rows, key=repr)}
    return tables


async def test_every_batch_size_writes_the_rows_of_one_event_at_a_time(platform):
    system = platform.system
    await workload(platform)
    await stop_live_runners(platform, platform.app)
    types = set()
    for projection in (AssessmentViews(), MemberFacts()):
        live = unmarked(await tables_of(system, projection))
        assert all(live.values()), {t: len(rows) for t, rows in live.items()}
        events = await log_of(system, projection)
        types |= {e.type for e in events}
        for size in (1, 7, len(events)):
            tables = unmarked(await applied(system, projection, events, size))
            assert tables == live, (projection.key, size)
    assert {"ActionReminded", "EvidenceErased", "RatingDisputed", "ChallengeAnswered",
            "PartnerRetired", "CaseReopened", "MinimumCountSet",
            "ReleasePublished"} <= types  # fmt: skip

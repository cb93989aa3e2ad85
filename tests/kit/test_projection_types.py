"""Every projection of every service is given the event types it reads, and only those.

The runner skips, undecoded, every type a projection does not name in `handles`: a type its
module imports (to match on it) but forgets to name would be skipped without a word.
"""

from __future__ import annotations

import sys

from redress.events import catalogue
from redress.events.envelope import EventData
from redress.kit.registry import services


def test_each_projection_reads_every_event_type_its_module_matches_on():
    projections = [p for spec in services().values() for p in spec.projections()]
    assert {p.key for p in projections} >= {
        "intake.grievances", "intake.campaigns", "cases.open_cases", "cases.views",
        "metrics.counts",
    }  # fmt: skip
    for projection in projections:
        module = vars(sys.modules[type(projection).__module__])
        imported = {
            v.type for v in module.values()
            if isinstance(v, type) and issubclass(v, EventData)
            and catalogue.is_known(getattr(v, "type", ""))  # not EventData itself
        }  # fmt: skip
        reads = projection.reads()
        assert imported <= set(reads), (projection.key, imported - set(reads))
        assert all(reads[t] == catalogue.event_type(t).schemaversion for t in reads)


def test_the_case_timeline_reads_every_type_of_the_case_stream():
    (views,) = [p for p in services()["cases"].projections() if p.name == "views"]
    assert {c.type for c in catalogue.of_stream("case")} <= set(views.reads())

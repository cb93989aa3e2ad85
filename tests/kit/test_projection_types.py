"""Every projection of every service is given the event types it reads.

The runner skips, undecoded, every type a projection does not name in `handles`: a type the
projection matches on (`case SomeEvent(...)`) but forgets to name would be skipped without a
word.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap

from redress.events import catalogue
from redress.events.projection import Projection
from redress.kit.registry import services
from redress.kit.settings import Settings


def matched(projection: Projection) -> set[str]:
    """The event types named in the `case` patterns of the projection's class."""
    cls = type(projection)
    module = vars(sys.modules[cls.__module__])
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.MatchClass) and isinstance(node.cls, ast.Name):
            kind = getattr(module.get(node.cls.id), "type", None)
            if isinstance(kind, str) and catalogue.is_known(kind):
                names.add(kind)
    return names


def every_projection(tmp_path) -> list[Projection]:
    settings = Settings(dev=True, data_dir=tmp_path, _env_file=None)
    return [p for spec in services().values() for p in spec.projections_for(settings)]


def test_each_projection_reads_every_event_type_it_matches_on(tmp_path):
    projections = every_projection(tmp_path)
    assert {p.key for p in projections} >= {
        "intake.grievances", "intake.campaigns", "cases.open_cases", "cases.views",
        "metrics.counts", "referral.open_referrals", "referral.views",
        "referral.webhooks", "intake.referral_requests",
    }  # fmt: skip
    for projection in projections:
        reads = projection.reads()
        cases = matched(projection)
        assert cases, projection.key  # the check sees the projection's patterns
        assert cases <= set(reads), (projection.key, cases - set(reads))
        assert all(reads[t] == catalogue.event_type(t).schemaversion for t in reads)


def test_timelines_read_every_type_of_their_streams(tmp_path):
    views = {p.key: p for p in every_projection(tmp_path)}
    for key, streams in (("cases.views", ("case",)),
                         ("referral.views", ("referral", "partner", "disclosure"))):  # fmt: skip
        assert {c.type for c in catalogue.of_stream(*streams)} <= set(views[key].reads()), key

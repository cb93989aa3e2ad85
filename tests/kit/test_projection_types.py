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
    """The event types the projection dispatches on: `case` patterns, `of_kind(events, T)`
    and `isinstance(x, T)` calls, in the class and in the module-level functions and
    platform modules it calls on (batches are written by functions beside the class)."""
    cls = type(projection)
    sources = [inspect.getsource(cls)]
    seen: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(sources[0]))):
        found = vars(sys.modules[cls.__module__]).get(getattr(node, "id", ""))
        if (inspect.isfunction(found) or inspect.ismodule(found)) and found.__name__ not in seen:
            seen.add(found.__name__)
            if (getattr(found, "__module__", found.__name__) or "").startswith("redress."):
                sources.append(inspect.getsource(found))
    names = set()
    for source in sources:
        names |= _dispatched(ast.parse(textwrap.dedent(source)), cls)
    return names


def own(projection: Projection) -> set[str]:
    """The types the class's own `case` patterns name (calls, and the functions beside it,
    may also look into histories they read, of other types)."""
    cls = type(projection)
    return _dispatched(ast.parse(textwrap.dedent(inspect.getsource(cls))), cls, calls=False)


def _dispatched(tree: ast.AST, cls: type, *, calls: bool = True) -> set[str]:
    module = vars(sys.modules[cls.__module__])
    named: list[object] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.MatchClass) and isinstance(node.cls, ast.Name):
            named.append(module.get(node.cls.id) or catalogue_class(node.cls.id))
        elif (calls and isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("of_kind", "isinstance") and len(node.args) == 2):  # fmt: skip
            # `T`, or `T | U` in an isinstance
            named.extend(module.get(n.id) or catalogue_class(n.id)
                         for n in ast.walk(node.args[1]) if isinstance(n, ast.Name))  # fmt: skip
    names = set()
    for found in named:
        kind = getattr(found, "type", None)
        if isinstance(kind, str) and catalogue.is_known(kind):
            names.add(kind)
    return names


def catalogue_class(name: str) -> object:
    return catalogue.event_type(name) if catalogue.is_known(name) else None


def every_projection(tmp_path) -> list[Projection]:
    settings = Settings(dev=True, data_dir=tmp_path, _env_file=None)
    return [p for spec in services().values() for p in spec.projections_for(settings)]


def test_each_projection_reads_every_event_type_it_matches_on(tmp_path):
    projections = every_projection(tmp_path)
    assert {p.key for p in projections} >= {
        "intake.grievances", "intake.campaigns", "cases.open_cases", "cases.views",
        "metrics.counts", "metrics.facts", "metrics.callbacks", "referral.open_referrals",
        "referral.views",
        "referral.webhooks", "intake.referral_requests",
    }  # fmt: skip
    for projection in projections:
        reads = projection.reads()
        assert matched(projection), projection.key  # the check sees how it dispatches
        cases = own(projection)
        assert cases <= set(reads), (projection.key, cases - set(reads))
        assert all(reads[t] == catalogue.event_type(t).schemaversion for t in reads)


def test_timelines_read_every_type_of_their_streams(tmp_path):
    views = {p.key: p for p in every_projection(tmp_path)}
    for key, streams in (("cases.views", ("case",)),
                         ("referral.views", ("referral", "partner", "disclosure"))):  # fmt: skip
        assert {c.type for c in catalogue.of_stream(*streams)} <= set(views[key].reads()), key

"""A batch cut into rounds that set-based statements can write, in an order that changes nothing.

A projection whose events on one key (a case, say) read and write only that key's rows may
apply the events of different keys in any order, as long as each key's own events keep the
log's order. `rounds` uses that freedom to cut a batch into rounds of one kind of event each,
at most one event per key: a round is then written with one statement per table, each row
of it as the event alone would have written it. A batch of cases opened, each entering its
first stage, is two rounds however the two kinds interleave in the log; a batch of one case's
events is one round per event, as applying them one at a time would be.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from redress.events.envelope import Event, EventData
from redress.events.store import Conn

D = TypeVar("D", bound=EventData)


def of_type(event: Event) -> Hashable:
    return type(event.data)


def rounds(
    events: Sequence[Event],
    key: Callable[[Event], Hashable],
    kind: Callable[[Event], Hashable] = of_type,
) -> Iterator[list[Event]]:
    """The events in rounds: one `kind` per round, one event per `key`, each key's events in
    their order across rounds, each round's events in the batch's order.

    A key with n events needs n rounds: each round takes the kind that the key with the most
    events left has next (of those, the kind most keys have next), so that the longest
    queues, which bound how few rounds there can be, never wait.
    """
    queues: dict[Hashable, deque[int]] = {}
    for index, event in enumerate(events):
        queues.setdefault(key(event), deque()).append(index)
    # The keys whose next event is of each kind (dicts keep the first-seen kind first on ties).
    waiting: dict[Hashable, list[Hashable]] = {}
    for k, queue in queues.items():
        waiting.setdefault(kind(events[queue[0]]), []).append(k)
    while waiting:
        chosen = max(waiting, key=lambda kd: (max(len(queues[k]) for k in waiting[kd]),
                                              len(waiting[kd])))  # fmt: skip
        taken = []
        for k in waiting.pop(chosen):
            queue = queues[k]
            taken.append(queue.popleft())
            if queue:
                waiting.setdefault(kind(events[queue[0]]), []).append(k)
        yield [events[i] for i in sorted(taken)]


def columns(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows as the arrays of one `unnest`: a batch's rows of a table in one statement."""
    return [list(column) for column in zip(*rows, strict=True)]


async def write_rows(conn: Conn, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """A round's rows of one table in one statement (`sql` takes `columns` of them); none
    without rows."""
    if rows:
        await conn.execute(sql, *columns(rows))


def text_array(column: str) -> str:
    """SQL for a JSON array of texts, carried in a row as JSON, as text[] in its order
    (arrays of arrays must be rectangular in PostgreSQL: a row's list travels as JSON)."""
    return (f"ARRAY(SELECT x FROM jsonb_array_elements_text({column}) WITH ORDINALITY "
            "AS a(x, n) ORDER BY n)")  # fmt: skip


def of_kind(events: Iterable[Event], kind: type[D]) -> list[tuple[Event, D]]:
    """The events whose payload is a `kind` (a round's are all one), each with its payload."""
    return [(e, data) for e in events if isinstance(data := e.data, kind)]

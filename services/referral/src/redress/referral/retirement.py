"""A partner retired from the directory is sent nothing more (`Sending.retired`): each part
of a referral still open with it is withdrawn, so that the worker is no longer asked to
consent to it, and the officer sees it ended and chooses another partner.

The policy keeps the open parts itself (`open_parts`), from the events in the log's order:
a part chosen before the retirement is in the table when the retirement comes, whatever the
referral's views have caught up with. A part chosen after it is refused by the domain.
"""

from __future__ import annotations

from redress.events.application import execute
from redress.events.catalogue.partner import PartnerRetired
from redress.events.catalogue.referral import (
    ConsentDeclined,
    ConsentRevoked,
    PartnerSelected,
    ReferralClosed,
    ReferralDeclined,
    ReferralWithdrawn,
)
from redress.events.envelope import Event, EventData
from redress.events.projection import Policy
from redress.events.store import Conn
from redress.referral.domain import REFERRAL, Withdraw
from redress.referral.policies import caused_by
from redress.referral.state import ReferralRefused

# Events after which a part may have ended: dropped from the table (a part still open after
# a declined consent that came once it was sent is ended too: revoked).
_ENDING = (ConsentDeclined, ConsentRevoked, ReferralDeclined, ReferralClosed, ReferralWithdrawn)


class RetiredPartners(Policy):
    name = "retired_partners"
    schema = "referral"
    stream_types = ("partner", "referral")
    handles = (PartnerSelected, *_ENDING, PartnerRetired)
    tables = ("open_parts",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        for event in events:  # in order: a retirement sees the parts chosen before it
            data = event.data
            match data:
                case PartnerSelected(partner_id=pid):
                    await conn.execute(
                        "INSERT INTO open_parts VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        event.tenant, pid, event.stream,
                    )  # fmt: skip
                case PartnerRetired(partner_id=pid):
                    rows = await conn.fetch(
                        "DELETE FROM open_parts WHERE tenant = $1 AND partner_id = $2 "
                        "RETURNING referral_id",
                        event.tenant, pid,
                    )  # fmt: skip
                    for row in sorted(r["referral_id"] for r in rows):
                        await self._withdraw(event, row, pid)
                case _ if isinstance(data, _ENDING):
                    await conn.execute(
                        "DELETE FROM open_parts WHERE tenant = $1 AND partner_id = $2 "
                        "AND referral_id = $3",
                        event.tenant, getattr(data, "partner_id", None), event.stream,
                    )  # fmt: skip

    async def _withdraw(self, event: Event, referral_id: str, partner_id: str) -> None:
        """Withdraw the part, in a transaction of its own (ADR 6); its causation id makes a
        replay find it done, and a part that ended meanwhile is left as it is."""

        def decide(history: list[Event]) -> list[EventData]:
            if not history or any(e.causationid == event.id for e in history):
                return []
            try:
                return REFERRAL.deciding(referral_id, Withdraw(partner_id))(history)
            except ReferralRefused:
                return []

        await execute(self.store, referral_id, decide, caused_by(event))

"""Events of the `access` stream: reads of a worker's personal data, written by cases.

Every time a member of staff (or a member company the worker consented to) is shown
decrypted personal data of a grievance, one event records who (the envelope's actor: the
principal's id and role), which grievance and case, and which fields: never their content.
One stream per case, `access-<uuid>` derived from the case id, owned by cases; another
service that opens personal data keeps reads in streams of its own.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from redress.events.catalogue import event
from redress.events.envelope import EventData

FieldName = Annotated[str, StringConstraints(max_length=50)]


@event
class PersonalDataRead(EventData):
    """Personal data of the grievance was decrypted for the envelope's actor, in one request.

    `fields` names what was shown: `narrative`, `contact`, `messages` (the conversation with
    the worker), `notes` (internal notes, sealed like the worker's words), `findings`
    (verification's, sealed too), `attachments` (the worker's files), `evidence` (the files
    of verification's findings, or their names), or any other sealed field of the grievance.
    `channel` is `api` or `console`.
    """

    type = "PersonalDataRead"
    stream_type = "access"

    case_id: str = Field(max_length=100)
    grievance_id: str = Field(max_length=100)
    fields: tuple[FieldName, ...] = Field(min_length=1, max_length=20)
    channel: str = Field(max_length=20)

"""A message the relay published is read with its data validated once, as the version says.

Pure: messages shaped as the relay writes them (structured mode, ADR 0021), no server. The
current version is validated in one pass over the JSON; every other case (an old version to
upcast, a newer one, data that is not valid) must be answered as the catalogue answers it.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from nats.aio.msg import Msg
from pydantic import ValidationError

from redress.events import catalogue
from redress.events.bus import message_to_event
from redress.events.catalogue.case import CaseOpened

ACK = "$JS.ACK.REDRESS_EVENTS.runner.1.42.42.1740821400000000000.0"


def message(data: dict[str, Any], schemaversion: int, kind: str = "CaseOpened") -> Msg:
    envelope = {
        "specversion": "1.0", "id": str(uuid4()), "source": "redress", "type": kind,
        "datacontenttype": "application/json", "time": "2025-03-01T09:30:00+00:00",
        "schemaversion": schemaversion, "stream": f"case-{uuid4()}", "version": 1,
        "tenant": "acme", "actor": {"id": "officer-1", "role": "officer"}, "position": 7,
        "txid": 900, "data": data,
    }  # fmt: skip
    return Msg(None, f"redress.events.case.{kind}", ACK, json.dumps(envelope).encode(),  # type: ignore[arg-type]
               {"Nats-Msg-Id": envelope["id"]})  # fmt: skip


OPENED = {"case_id": "c", "grievance_id": "g", "category": "wages", "country": "KH"}


def test_the_current_version_is_read_as_its_type_with_the_envelope():
    event = message_to_event(message(OPENED, 2), newest=2)
    assert event.data == CaseOpened(**OPENED)
    assert (event.type, event.schemaversion, event.position, event.tx_id, event.sequence) == (
        "CaseOpened", 2, 7, 900, 42,
    )  # fmt: skip


def test_an_old_version_that_would_pass_as_the_current_one_is_upcast_all_the_same():
    # Version 1 wrote "ZZ" for a country not known: valid as version 2, and wrong.
    event = message_to_event(message(OPENED | {"country": "ZZ"}, 1), newest=2)
    assert event.schemaversion == 1 and event.data.country is None


def test_a_newer_version_is_refused_even_when_it_would_pass_as_the_current_one():
    with pytest.raises(catalogue.UnknownSchemaVersion, match="CaseOpened schema version 3"):
        message_to_event(message(OPENED, 3), newest=2, reader="the cases service")


def test_data_that_is_not_valid_is_refused_as_the_catalogue_refuses_it():
    with pytest.raises(ValidationError, match=r"for CaseOpened\ncountry"):
        message_to_event(message(OPENED | {"country": "Cambodia"}, 2), newest=2)
    with pytest.raises(ValidationError, match="extra_forbidden"):
        message_to_event(message(OPENED | {"severity": "high"}, 2), newest=2)


def test_a_type_this_build_does_not_know_is_named():
    with pytest.raises(catalogue.UnknownEventType, match="CaseTranslated"):
        message_to_event(message({"case_id": "c"}, 1, "CaseTranslated"))

"""The stream sequence and the delivering consumer read from a delivery's reply subject, as
nats-py reads them."""

import pytest
from nats.aio.msg import Msg

from redress.events.bus import delivered_by, sequence_of

V1 = "$JS.ACK.REDRESS_EVENTS.consumer-1.1.48006.17.1733223600000000000.3"
V2 = "$JS.ACK._.AHASH.REDRESS_EVENTS.consumer-1.1.48006.17.1733223600000000000.3.rnd"
V2_SHORT = "$JS.ACK.hub.AHASH.REDRESS_EVENTS.consumer-1.2.912.5.1733223600000000000.0"


@pytest.mark.parametrize("reply", [V1, V2, V2_SHORT])
def test_the_sequence_is_the_one_nats_py_reads(reply):
    msg = Msg(None, subject="redress.events.case.CaseOpened", reply=reply)  # type: ignore[arg-type]
    assert sequence_of(msg) == msg.metadata.sequence.stream
    assert sequence_of(msg) in (48006, 912)


@pytest.mark.parametrize("reply", [V1, V2, V2_SHORT])
def test_the_consumer_and_its_count_are_the_ones_nats_py_reads(reply):
    msg = Msg(None, subject="redress.events.case.CaseOpened", reply=reply)  # type: ignore[arg-type]
    meta = msg.metadata
    assert delivered_by(msg) == (meta.consumer, meta.sequence.consumer)
    assert delivered_by(msg) in (("consumer-1", 17), ("consumer-1", 5))


def test_a_message_that_is_no_jetstream_delivery_is_refused_as_nats_py_refuses_it():
    msg = Msg(None, subject="redress.events.case.CaseOpened", reply="_INBOX.x")  # type: ignore[arg-type]
    with pytest.raises(Exception) as caught:
        sequence_of(msg)
    with pytest.raises(type(caught.value)):
        delivered_by(msg)
    with pytest.raises(type(caught.value)):
        _ = msg.metadata

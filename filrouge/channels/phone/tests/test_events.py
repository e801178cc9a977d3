"""Contract tests: our JSON format, and Asterisk's ARI and AMI events, on recorded samples."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from filrouge.channels.message import ParseError
from filrouge.channels.phone.asterisk import from_ami, from_ari, from_asterisk
from filrouge.channels.phone.events import ANSWERED, ENDED, STARTED, CallEvent, read_event

SAMPLES = Path(__file__).parent / "samples"
PARIS = timezone(timedelta(hours=1))
READ_AT = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def _sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def _raw(data: dict) -> bytes:
    return json.dumps(data).encode()


def test_our_started_event_reads_every_field():
    event = read_event((SAMPLES / "started.json").read_bytes())
    assert event == CallEvent(
        kind=STARTED,
        call_id="1767340503.42",
        at=datetime(2026, 1, 2, 9, 15, 3, tzinfo=PARIS),
        caller="06 12 34 56 78",
        called="3900",
        queue="support-fibre",
        ivr=("1", "3"),
    )


def test_our_ended_event_carries_the_agent_and_the_outcome():
    event = read_event((SAMPLES / "ended.json").read_bytes())
    assert (event.kind, event.agent, event.outcome) == (
        ENDED,
        "awa.diallo@filrouge.example",
        "answered",
    )


def test_as_json_writes_what_read_event_reads():
    event = read_event((SAMPLES / "started.json").read_bytes())
    assert read_event(_raw(event.as_json())) == event


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"event": "call.ringing"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"call_id": "a/b"}, "call_id"),
        ({"timestamp": "2026-01-02T09:15:03"}, "timestamp"),  # naive: refused
        ({"timestamp": "hier"}, "timestamp"),
        ({"calller": "0612345678"}, "calller"),  # unknown field: a typo is not ignored
        ({"outcome": "answered"}, "outcome"),  # only on call.ended
        ({"ivr": "13"}, "ivr"),
        ({"caller": "0" * 40}, "caller"),
    ],
)
def test_a_malformed_event_is_refused_with_the_field_named(change, reason):
    data = {**_sample("started.json"), **change}
    with pytest.raises(ParseError, match=reason):
        read_event(_raw(data))


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"call"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    with pytest.raises(ParseError):
        read_event(body)


def test_ari_stasis_start_is_a_started_call_with_queue_and_ivr_from_channel_variables():
    event = from_ari(_sample("ari_stasis_start.json"))
    assert event == CallEvent(
        kind=STARTED,
        call_id="1767340503.42",
        at=datetime(2026, 1, 2, 9, 15, 3, 482000, tzinfo=PARIS),
        caller="0612345678",
        called="3900",
        queue="support-fibre",
        ivr=("1", "3"),
    )


def test_ari_channel_up_is_the_answer_with_the_advisor_from_the_channel_variables():
    event = from_ari(_sample("ari_channel_up.json"))
    assert event is not None
    assert (event.kind, event.call_id, event.agent) == (
        ANSWERED,
        "1767340503.42",
        "awa.diallo@filrouge.example",
    )


@pytest.mark.parametrize("name", ["ari_hangup_request.json", "ari_stasis_end.json"])
def test_ari_hangup_request_and_stasis_end_end_the_call(name):
    event = from_ari(_sample(name))
    assert event is not None
    assert (event.kind, event.call_id, event.outcome) == (ENDED, "1767340503.42", "")


def test_ari_events_that_say_nothing_about_the_call_are_skipped():
    assert from_ari(_sample("ari_channel_ringing.json")) is None
    assert from_ari(_sample("ari_dialed_agent_start.json")) is None  # the advisor's leg
    assert from_ari({"type": "PlaybackStarted", "playback": {"id": "x"}}) is None


def test_ari_without_a_channel_id_is_refused():
    data = _sample("ari_stasis_start.json")
    del data["channel"]["id"]
    with pytest.raises(ParseError, match="channel.id"):
        from_ari(data)


def test_ami_newchannel_is_a_started_call_keyed_by_linkedid_at_the_event_timestamp():
    event = from_ami(_sample("ami_newchannel.json"), received_at=READ_AT)
    assert event == CallEvent(
        kind=STARTED,
        call_id="1767341703.42",
        at=datetime.fromtimestamp(1767341703.401223, tz=UTC),
        caller="0612345678",
        called="3900",
    )


def test_ami_queue_caller_join_gives_the_queue():
    event = from_ami(_sample("ami_queue_caller_join.json"), received_at=READ_AT)
    assert event is not None
    assert (event.kind, event.queue, event.called) == (STARTED, "support-fibre", "")


def test_ami_agent_connect_is_the_answer_with_queue_and_advisor():
    event = from_ami(_sample("ami_agent_connect.json"), received_at=READ_AT)
    assert event is not None
    assert (event.kind, event.call_id, event.queue, event.agent) == (
        ANSWERED,
        "1767341703.42",
        "support-fibre",
        "awa.diallo@filrouge.example",
    )


def test_ami_bridge_enter_of_the_caller_is_the_answer():
    event = from_ami(_sample("ami_bridge_enter.json"), received_at=READ_AT)
    assert event is not None
    assert (event.kind, event.call_id, event.agent) == (ANSWERED, "1767341703.42", "")


def test_ami_hangup_ends_the_call():
    event = from_ami(_sample("ami_hangup.json"), received_at=READ_AT)
    assert event is not None
    assert (event.kind, event.call_id, event.called) == (ENDED, "1767341703.42", "")
    assert event.at == datetime.fromtimestamp(1767342245.730881, tz=UTC)


def test_ami_events_of_the_advisors_leg_and_other_events_are_skipped():
    assert from_ami(_sample("ami_newchannel_agent_leg.json"), received_at=READ_AT) is None
    assert from_ami({"Event": "VarSet", "Uniqueid": "1.1"}, received_at=READ_AT) is None


def test_ami_without_timestamp_takes_the_moment_it_was_read():
    data = _sample("ami_hangup.json")
    del data["Timestamp"]
    event = from_ami(data, received_at=READ_AT)
    assert event is not None
    assert event.at == READ_AT


def test_from_asterisk_tells_ari_from_ami_and_refuses_anything_else():
    assert from_asterisk(_sample("ari_stasis_end.json"), received_at=READ_AT).kind == ENDED
    assert from_asterisk(_sample("ami_hangup.json"), received_at=READ_AT).kind == ENDED
    with pytest.raises(ParseError):
        from_asterisk({"event": "call.started"}, received_at=READ_AT)


def test_a_withheld_number_is_no_caller():
    data = _sample("ami_newchannel.json") | {"CallerIDNum": "<unknown>"}
    event = from_ami(data, received_at=READ_AT)
    assert event is not None
    assert event.caller == ""

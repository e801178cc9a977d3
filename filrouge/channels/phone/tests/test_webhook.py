"""`/hooks/phone/` and `/hooks/phone/asterisk/`: signed PBX events, applied once, committed
before the 204; the caller matched to the customer; the call on the case's timeline."""

import json
import time
from pathlib import Path

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.channels.phone import signature
from filrouge.channels.phone.events import read_event
from filrouge.channels.phone.models import Call
from filrouge.channels.phone.services import caller_number, log_call, record_call_event
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
SECRET = "test-phone-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.PHONE_WEBHOOK_SECRET = SECRET
    settings.PHONE_SIGNATURE_TOLERANCE = 300


def _body(name: str, **change) -> bytes:
    return json.dumps({**json.loads((SAMPLES / name).read_text()), **change}).encode()


def _post(client, body: bytes, url="/hooks/phone/", *, secret=SECRET, at=None, headers=None):
    signed = signature.headers(body, timestamp=int(at or time.time()), secret=secret)
    chosen = signed if headers is None else headers
    sent = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in chosen.items()}
    return client.post(url, body, content_type="application/json", **sent)


def test_a_signed_call_is_recorded_and_matched_to_the_customer(client):
    customer = PhoneFactory(value="+33612345678").customer
    response = _post(client, _body("started.json"))
    assert response.status_code == 204
    call = Call.objects.get()
    assert (call.call_id, call.caller, call.customer) == ("1767340503.42", "+33612345678", customer)
    assert (call.queue, call.called, call.ivr) == ("support-fibre", "3900", ["1", "3"])
    assert call.in_progress


def test_the_three_events_make_one_call_with_advisor_times_and_outcome(client):
    agent = AgentFactory(email="awa.diallo@filrouge.example")
    for name in ("started.json", "answered.json", "ended.json"):
        assert _post(client, _body(name)).status_code == 204
    call = Call.objects.get()
    assert call.agent == agent
    assert call.effective_outcome == "answered"
    assert call.duration.total_seconds() == 9 * 60 + 2
    assert call.talk_time.total_seconds() == 6 * 60 + 24
    assert [h["event"] for h in call.history] == ["call.started", "call.answered", "call.ended"]


def test_the_same_event_twice_is_one_record_and_changes_nothing(client):
    _post(client, _body("started.json"))
    _post(client, _body("ended.json"))
    before = Call.objects.get()
    later = _body("ended.json", timestamp="2026-01-02T10:00:00+01:00", outcome="failed")
    assert _post(client, later).status_code == 204
    assert _post(client, _body("started.json")).status_code == 204
    after = Call.objects.get()
    assert (after.ended_at, after.outcome, after.history) == (
        before.ended_at,
        before.outcome,
        before.history,
    )


def test_events_in_any_order_make_the_same_call(client):
    for name in ("ended.json", "answered.json", "started.json"):
        _post(client, _body(name))
    call = Call.objects.get()
    assert None not in (call.started_at, call.answered_at, call.ended_at)
    assert call.queue == "support-fibre"


def test_a_call_never_answered_ended_without_outcome_is_abandoned(client):
    _post(client, _body("started.json"))
    ended = json.loads(_body("ended.json"))
    del ended["outcome"], ended["agent"]
    _post(client, json.dumps(ended).encode())
    assert Call.objects.get().effective_outcome == "abandoned"


def test_an_unknown_number_is_recorded_without_a_customer(client):
    _post(client, _body("started.json", caller="+33698765432"))
    call = Call.objects.get()
    assert (call.caller, call.customer) == ("+33698765432", None)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("33612345678", "+33612345678"),
        ("anonymous", ""),
        ("", ""),
        ("12", ""),
    ],
)
def test_caller_numbers_become_e164(raw, e164):
    assert caller_number(raw) == e164


def test_an_unsigned_event_is_refused_with_401_and_stores_nothing(client):
    response = _post(client, _body("started.json"), headers={})
    assert response.status_code == 401
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Filrouge-Timestamp": "1767340503", "X-Filrouge-Signature": "sha256=00"},
        {"X-Filrouge-Timestamp": "now", "X-Filrouge-Signature": "sha256=00"},
    ],
)
def test_a_forged_signature_is_refused_with_403_and_stores_nothing(client, headers):
    response = _post(client, _body("started.json"), headers=headers)
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_signature_with_another_secret_is_refused(client):
    response = _post(client, _body("started.json"), secret="not-the-secret")
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_an_old_signature_is_refused_even_if_it_was_valid(client):
    response = _post(client, _body("started.json"), at=time.time() - 301)
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_body_changed_after_signing_is_refused(client):
    body = _body("started.json")
    headers = signature.headers(body, timestamp=int(time.time()), secret=SECRET)
    response = _post(client, _body("started.json", caller="0699999999"), headers=headers)
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_signed_but_malformed_event_is_a_400_with_the_reason(client):
    response = _post(client, _body("started.json", event="call.ringing"))
    assert response.status_code == 400
    assert "event" in response.json()["error"]
    assert not Call.objects.exists()


def test_an_oversized_event_is_refused(client, settings):
    settings.FILROUGE_HOOK_MAX_BYTES = 100
    assert _post(client, _body("started.json")).status_code == 413


def test_get_is_not_allowed(client):
    assert client.get("/hooks/phone/").status_code == 405


@pytest.mark.parametrize(
    "names",
    [
        ["ari_stasis_start.json", "ari_channel_up.json", "ari_hangup_request.json"],
        [
            "ami_newchannel.json",
            "ami_newchannel_agent_leg.json",
            "ami_queue_caller_join.json",
            "ami_agent_connect.json",
            "ami_bridge_enter.json",
            "ami_hangup.json",
        ],
    ],
    ids=["ari", "ami"],
)
def test_asterisk_events_make_the_same_call_as_ours(client, names):
    agent = AgentFactory(email="awa.diallo@filrouge.example")
    customer = PhoneFactory(value="+33612345678").customer
    for name in names:
        response = _post(client, (SAMPLES / name).read_bytes(), url="/hooks/phone/asterisk/")
        assert response.status_code == 204
    call = Call.objects.get()  # the advisor's leg made no call
    assert (call.customer, call.agent, call.queue) == (customer, agent, "support-fibre")
    assert call.started_at < call.answered_at < call.ended_at
    assert call.effective_outcome == "answered"


def test_an_asterisk_event_that_is_not_about_a_call_stores_nothing(client):
    body = (SAMPLES / "ari_channel_ringing.json").read_bytes()
    assert _post(client, body, url="/hooks/phone/asterisk/").status_code == 204
    assert not Call.objects.exists()


def test_an_unsigned_asterisk_event_is_refused(client):
    body = (SAMPLES / "ami_newchannel.json").read_bytes()
    assert _post(client, body, url="/hooks/phone/asterisk/", headers={}).status_code == 401
    assert not Call.objects.exists()


def test_a_call_logged_on_a_case_lands_on_its_timeline_once_ended_and_only_once():
    agent = AgentFactory(email="awa.diallo@filrouge.example")
    customer = PhoneFactory(value="+33612345678").customer
    case = make_case(customer=customer, owner=agent)
    call, _new = record_call_event(read_event((SAMPLES / "started.json").read_bytes()))
    log_call(call, case=case, by=agent, summary="Toujours pas de fibre, box rouge.")
    assert not case.events.filter(kind=Event.Kind.CALL).exists()  # still going on
    for name in ("answered.json", "ended.json", "ended.json"):
        record_call_event(read_event((SAMPLES / name).read_bytes()))
    event = case.events.get(kind=Event.Kind.CALL)
    assert event.actor == agent
    assert event.data["duration"] == 542
    assert event.data["outcome"] == "answered"
    assert event.data["body"] == "Toujours pas de fibre, box rouge."
    assert Call.objects.get().event == event


def test_a_call_logged_after_it_ended_lands_at_once_and_a_pending_case_moves_on():
    agent = AgentFactory()
    customer = PhoneFactory(value="+33612345678").customer
    case = make_case(customer=customer, owner=agent)
    change_status(case, to=Status.IN_PROGRESS, by=agent)
    change_status(case, to=Status.PENDING, by=agent)
    for name in ("started.json", "ended.json"):
        call, _new = record_call_event(read_event((SAMPLES / name).read_bytes()))
    log_call(call, case=case, by=agent)
    case.refresh_from_db()
    assert case.events.filter(kind=Event.Kind.CALL).count() == 1
    assert case.status == Status.IN_PROGRESS

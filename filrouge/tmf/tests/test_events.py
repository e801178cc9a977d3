"""Events to listeners: one delivery per event and listener, signed, retried, dead-lettered."""

import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.tmf import events
from filrouge.tmf.models import Hub, HubDelivery
from filrouge.tmf.tests.helpers import (
    TICKET,
    V5,
    agent_client,
    entrusted,
    is_tmf_error,
    partner_client,
    post,
)
from filrouge.tmf.tests.listener import Listener

pytestmark = pytest.mark.django_db


def _hub(client, url):
    response = post(client, "/hub", {"callback": url})
    assert response.status_code == 201
    return response.json()


def test_a_partner_hears_of_its_own_tickets_only_signed_with_its_key():
    partner, client, raw = partner_client("Axione")
    _other, other_client, _ = partner_client("Covage")
    with Listener() as mine, Listener() as theirs:
        _hub(client, mine.url)
        _hub(other_client, theirs.url)
        case = entrusted(make_case(), partner, external_id="AX-1")
        change_status(case, to=Status.IN_PROGRESS, by=None)
        for delivery in HubDelivery.objects.all():
            assert events.deliver(delivery.pk) == HubDelivery.State.DELIVERED
        assert theirs.received == []
        ((headers, body),) = mine.received
    event = json.loads(body)
    assert event["@type"] == event["eventType"] == "TroubleTicketStatusChangeEvent"
    ticket = event["event"]["troubleTicket"]
    assert (ticket["id"], ticket["status"]) == (case.reference, "inProgress")
    assert ticket["externalIdentifier"][0]["id"] == "AX-1"
    secret = hashlib.sha256(raw.encode()).hexdigest()
    assert events.verify(body, secret, headers["x-filrouge-signature"])
    assert not events.verify(body + b" ", secret, headers["x-filrouge-signature"])


def test_resolved_and_information_required_come_with_the_status_change():
    partner, client, _raw = partner_client()
    _hub(client, "http://127.0.0.1:9/unused")
    case = entrusted(make_case(), partner)
    change_status(case, to=Status.IN_PROGRESS, by=None)
    change_status(Case.objects.get(pk=case.pk), to=Status.PENDING, by=None)
    change_status(Case.objects.get(pk=case.pk), to=Status.IN_PROGRESS, by=None)
    change_status(Case.objects.get(pk=case.pk), to=Status.RESOLVED, by=None)
    kinds = list(HubDelivery.objects.order_by("pk").values_list("event_type", flat=True))
    assert kinds == [
        "TroubleTicketStatusChangeEvent",
        "TroubleTicketStatusChangeEvent",
        "TroubleTicketInformationRequiredEvent",
        "TroubleTicketStatusChangeEvent",
        "TroubleTicketStatusChangeEvent",
        "TroubleTicketResolvedEvent",
    ]


def test_a_posted_ticket_is_announced_to_its_poster_and_a_note_as_an_attribute_change():
    _partner, client, _raw = partner_client()
    _hub(client, "http://127.0.0.1:9/unused")
    reference = post(client, "/troubleTicket", TICKET).json()["id"]
    client.patch(
        f"{V5}/troubleTicket/{reference}",
        json.dumps({"note": [{"text": "RDV pris"}]}),
        content_type="application/merge-patch+json",
    )
    rows = list(HubDelivery.objects.order_by("pk"))
    assert [d.event_type for d in rows] == [
        "TroubleTicketCreateEvent",
        "TroubleTicketAttributeValueChangeEvent",
    ]
    assert json.loads(rows[1].body)["event"]["troubleTicket"]["note"][0]["text"] == "RDV pris"


def test_an_operator_listener_hears_of_every_case_opened():
    client = agent_client(AgentFactory())
    _hub(client, "http://127.0.0.1:9/unused")
    case = make_case()
    delivery = HubDelivery.objects.get()
    assert delivery.event_type == "TroubleTicketCreateEvent"
    assert json.loads(delivery.body)["event"]["troubleTicket"]["id"] == case.reference


def test_a_listener_that_fails_then_recovers_gets_the_event_once():
    partner, client, _raw = partner_client()
    with Listener(failures=2) as listener:
        _hub(client, listener.url)
        case = entrusted(make_case(), partner)
        change_status(case, to=Status.IN_PROGRESS, by=None)
        delivery = HubDelivery.objects.get()
        assert events.deliver(delivery.pk) == HubDelivery.State.PENDING
        assert events.deliver(delivery.pk) == "skipped"  # not due yet
        later = timezone.now() + timedelta(minutes=1)
        with time_machine.travel(later, tick=False):
            assert events.sweep() == 1
            assert events.deliver(delivery.pk) == HubDelivery.State.PENDING
        with time_machine.travel(later + timedelta(minutes=3), tick=False):
            assert events.deliver(delivery.pk) == HubDelivery.State.DELIVERED
            assert events.deliver(delivery.pk) == "skipped"
            assert events.sweep() == 0
        assert len(listener.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (HubDelivery.State.DELIVERED, 3)


def test_a_listener_that_never_answers_is_given_up_after_the_last_try():
    partner, client, _raw = partner_client()
    _hub(client, "http://127.0.0.1:9/nobody-listens")
    case = entrusted(make_case(), partner)
    change_status(case, to=Status.IN_PROGRESS, by=None)
    delivery = HubDelivery.objects.get()
    moment = timezone.now()
    for _attempt in range(events.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            state = events.deliver(delivery.pk)
        moment += timedelta(hours=7)
    assert state == HubDelivery.State.DEAD
    delivery.refresh_from_db()
    assert delivery.attempts == events.MAX_ATTEMPTS
    assert delivery.last_error


def test_one_delivery_per_event_and_listener():
    partner, client, _raw = partner_client()
    _hub(client, "http://127.0.0.1:9/unused")
    case = entrusted(make_case(), partner)
    change_status(case, to=Status.IN_PROGRESS, by=None)
    delivery = HubDelivery.objects.get()
    with pytest.raises(IntegrityError):
        HubDelivery.objects.create(
            hub=delivery.hub,
            event_id=delivery.event_id,
            event_type="x",
            body="{}",
            created_at=timezone.now(),
        )


def test_a_partner_removes_its_own_listener_only():
    _partner, client, _raw = partner_client("A")
    _other, other_client, _ = partner_client("B")
    hub = _hub(client, "http://127.0.0.1:9/a")
    assert is_tmf_error(other_client.delete(f"{V5}/hub/{hub['id']}"), 404)
    assert client.delete(f"{V5}/hub/{hub['id']}").status_code == 204
    assert not Hub.objects.exists()
    assert is_tmf_error(client.delete(f"{V5}/hub/{hub['id']}"), 404)


def test_a_callback_must_be_an_http_address():
    _partner, client, _raw = partner_client()
    assert is_tmf_error(post(client, "/hub", {"callback": "file:///etc/passwd"}), 400)
    assert is_tmf_error(post(client, "/hub", {}), 400)


def test_a_listener_gets_only_the_event_types_its_query_names():
    partner, client, _raw = partner_client()
    response = post(
        client,
        "/hub",
        {
            "callback": "http://127.0.0.1:9/resolved",
            "query": "eventType=TroubleTicketResolvedEvent",
        },
    )
    assert response.json()["query"] == "eventType=TroubleTicketResolvedEvent"
    case = entrusted(make_case(), partner)
    change_status(case, to=Status.IN_PROGRESS, by=None)
    assert not HubDelivery.objects.exists()
    change_status(Case.objects.get(pk=case.pk), to=Status.RESOLVED, by=None)
    assert list(HubDelivery.objects.values_list("event_type", flat=True)) == [
        "TroubleTicketResolvedEvent"
    ]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.partner.example/tmf", True),
        ("https://partner.example/tmf", False),  # ".partner.example": sub-domains only
        ("http://listener.example:8443/x", True),
        ("http://listener.example:8444/x", False),
        ("http://127.0.0.1:5000/x", True),
        ("https://evil.example/tmf", False),
        ("http://user:pw@listener.example:8443/x", False),
        ("ftp://127.0.0.1/x", False),
    ],
)
def test_the_callback_allow_list(settings, url, ok):
    from filrouge.tmf.callbacks import allowed

    settings.TMF_CALLBACK_HOSTS = [".partner.example", "listener.example:8443", "127.0.0.1"]
    assert allowed(url) is ok


def test_a_callback_outside_the_allowed_hosts_is_refused_at_registration(settings):
    settings.TMF_CALLBACK_HOSTS = ["listener.partner.example"]
    _partner, client, _raw = partner_client()
    response = post(client, "/hub", {"callback": "http://169.254.169.254/latest/meta-data"})
    assert is_tmf_error(response, 422)
    assert response.json()["code"] == "callbackNotAllowed"
    assert not Hub.objects.exists()
    assert (
        post(client, "/hub", {"callback": "https://listener.partner.example/e"}).status_code == 201
    )


def test_a_listener_whose_host_left_the_list_gets_nothing_more(settings):
    partner, client, _raw = partner_client()
    with Listener() as listener:
        _hub(client, listener.url)
        settings.TMF_CALLBACK_HOSTS = ["listener.partner.example"]
        change_status(entrusted(make_case(), partner), to=Status.IN_PROGRESS, by=None)
        (delivery,) = HubDelivery.objects.all()
        assert events.deliver(delivery.pk) == HubDelivery.State.DEAD
        assert listener.received == []
    delivery.refresh_from_db()
    assert "TMF_CALLBACK_HOSTS" in delivery.last_error


def test_a_redirect_from_a_listener_is_not_followed():
    partner, client, _raw = partner_client()
    with Listener() as elsewhere, Listener(redirect_to=elsewhere.url) as redirecting:
        _hub(client, redirecting.url)
        change_status(entrusted(make_case(), partner), to=Status.IN_PROGRESS, by=None)
        (delivery,) = HubDelivery.objects.all()
        assert events.deliver(delivery.pk) == HubDelivery.State.PENDING  # retried later
        assert len(redirecting.received) == 1
        assert elsewhere.received == []
    delivery.refresh_from_db()
    assert "HTTP 307" in delivery.last_error


def test_without_a_list_only_our_own_public_address_is_allowed(settings):
    from filrouge.tmf.callbacks import allowed

    settings.TMF_CALLBACK_HOSTS = []
    settings.FILROUGE_PUBLIC_URL = "https://care.operator.example"
    assert allowed("https://care.operator.example/tmf-api/listener/3/")
    assert not allowed("https://care.operator.example:8443/x")
    assert not allowed("http://127.0.0.1:8000/x")

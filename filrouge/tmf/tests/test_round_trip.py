"""A real HTTP round trip on loopback: the same Fil Rouge plays the infrastructure operator.

Our side knows the partner "Opérateur d'infrastructure" (its TMF621 address is this very
server, and our key there is the key of the partner "Fil Rouge Opérateur" it registered
for us). An advisor hands a case over; the partner side moves its ticket to resolved
with a note; the event comes back to our listener; the customer's tracking page shows the
wait, then its end.
"""

import json
import urllib.request
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status, sweep_overdue_promises
from filrouge.cases.tests.factories import make_case
from filrouge.partners.services import add_partner
from filrouge.portal.links import tracking_path
from filrouge.tmf import client as tmf_client
from filrouge.tmf import events
from filrouge.tmf.models import HubDelivery, PartnerEndpoint, PartnerTicket
from filrouge.tmf.tests.helpers import V5

pytestmark = pytest.mark.django_db(transaction=True)


def _http(method: str, url: str, token: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback
        url,
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/merge-patch+json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read() or b"{}")


def _deliver_all() -> int:
    """What `filrouge worker` does with the queued delivery tasks."""
    pending = HubDelivery.objects.filter(state=HubDelivery.State.PENDING).order_by("pk")
    return sum(events.deliver(pk) == "delivered" for pk in pending.values_list("pk", flat=True))


@pytest.fixture
def loopback(live_server, settings):
    settings.FILROUGE_PUBLIC_URL = live_server.url
    _us_there, our_key_there = add_partner("Fil Rouge Opérateur")
    infra, _their_key_here = add_partner("Opérateur d'infrastructure")
    PartnerEndpoint.objects.create(
        partner=infra, base_url=live_server.url + V5, their_key=our_key_there
    )
    return infra, live_server.url


def test_an_advisor_hands_a_case_to_the_partner_and_the_customer_sees_the_wait_and_its_end(
    loopback,
):
    infra, base = loopback
    advisor = AgentFactory()
    case = make_case(owner=advisor, subject="Coupure fibre depuis 3 semaines")
    change_status(case, to=Status.IN_PROGRESS, by=advisor)
    console = Client()
    console.force_login(advisor)
    page = f"/agent/dossiers/{case.reference}/partenaire/ticket/"
    assert console.get(page).status_code == 200
    answer = console.post(
        page, {"partner": infra.pk, "description": "Réparer le câble PM 12", "severity": "Major"}
    )
    assert answer.status_code == 302
    ticket = PartnerTicket.objects.get(case=case)
    theirs = Case.objects.get(reference=ticket.their_id)  # the partner's own ticket (case)
    assert theirs.subject == "Réparer le câble PM 12"
    case.refresh_from_db()
    assert case.status == Status.HELD
    assert Event.objects.filter(case=case, kind=Event.Kind.PARTNER_TICKET_OPENED).exists()
    case_page = console.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert ticket.their_id in case_page

    # The partner side: its own systems (an agent's token there) promise a date, then resolve.
    _token, operator_token = create_api_token(AgentFactory(), name="infra back office")
    url = f"{base}{V5}/troubleTicket/{theirs.reference}"
    promised = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    _http(
        "PATCH",
        url,
        operator_token,
        {"status": "inProgress", "expectedResolutionDate": promised.isoformat()},
    )
    assert _deliver_all() == 2  # status change, then the date (an attribute change)
    ticket.refresh_from_db()
    assert ticket.expected_resolution == promised
    tracking = Client().get(tracking_path(case)).content.decode()
    assert (
        "Nous attendons l’intervention" in tracking or "Nous attendons l'intervention" in tracking
    )
    assert "Opérateur d&#x27;infrastructure" in tracking

    done = _http(
        "PATCH",
        url,
        operator_token,
        {
            "status": "resolved",
            "statusChangeReason": "fixed",
            "note": [{"text": "Câble ressoudé au PM 12"}],
        },
    )
    assert done["status"] == "resolved"
    assert _deliver_all() >= 2
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    kinds = list(Event.objects.filter(case=case).values_list("kind", flat=True))
    assert Event.Kind.PARTNER_TICKET_RESOLVED in kinds
    note = Event.objects.get(case=case, kind=Event.Kind.PARTNER_NOTE)
    assert note.data["text"] == "Câble ressoudé au PM 12"
    tracking = Client().get(tracking_path(case)).content.decode()
    assert "a terminé son intervention" in tracking


def test_a_forged_event_is_refused_and_changes_nothing(loopback):
    infra, _base = loopback
    case = make_case()
    PartnerTicket.objects.create(
        case=case, partner=infra, their_id="X-1", status="acknowledged", opened_at=timezone.now()
    )
    body = json.dumps({"event": {"troubleTicket": {"id": "X-1", "status": "resolved"}}}).encode()
    answer = Client().post(
        f"/tmf-api/listener/{infra.pk}/",
        body,
        content_type="application/json",
        headers={"X-FilRouge-Signature": "sha256=" + "0" * 64},
    )
    assert answer.status_code == 401
    assert PartnerTicket.objects.get().resolved_at is None


def test_polling_reads_the_ticket_at_the_partner(loopback):
    infra, base = loopback
    advisor = AgentFactory()
    case = make_case(owner=advisor)
    ticket = tmf_client.open_partner_ticket(
        case, partner=infra, by=advisor, description="Vérifier le PM"
    )
    HubDelivery.objects.all().delete()  # events lost: polling must catch up alone
    _token, operator_token = create_api_token(AgentFactory(), name="infra")
    url = f"{base}{V5}/troubleTicket/{ticket.their_id}"
    _http("PATCH", url, operator_token, {"status": "inProgress"})
    _http("PATCH", url, operator_token, {"status": "resolved"})
    assert tmf_client.poll() == 1
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    assert tmf_client.poll() == 0


def test_a_missed_promised_date_escalates_like_a_broken_promise(loopback):
    infra, _base = loopback
    advisor = AgentFactory()
    case = make_case(owner=advisor)
    ticket = tmf_client.open_partner_ticket(case, partner=infra, by=advisor, description="PM")
    PartnerTicket.objects.filter(pk=ticket.pk).update(
        expected_resolution=timezone.now() - timedelta(hours=1)
    )
    sweep_overdue_promises()  # the periodic promise sweep runs the partners' dates too
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert Event.objects.filter(case=case, kind=Event.Kind.PARTNER_DATE_MISSED).count() == 1
    escalated = Event.objects.get(case=case, kind=Event.Kind.ESCALATED)
    assert escalated.data["why"] == "partner_date_missed"
    sweep_overdue_promises()
    assert Event.objects.filter(case=case, kind=Event.Kind.PARTNER_DATE_MISSED).count() == 1
    tracking = Client().get(tracking_path(case)).content.decode()
    assert "n’a pas tenu" in tracking or "n'a pas tenu" in tracking or "has not kept" in tracking

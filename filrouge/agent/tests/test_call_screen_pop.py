"""The screen pop `/agent/appel/<call id>/`: who calls, their open cases, and one click to log
the call or open a case. An unknown number says so; an anonymous visitor is sent to log in."""

from datetime import timedelta

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status, make_promise, set_next_step
from filrouge.cases.tests.factories import make_case
from filrouge.channels.phone.events import ENDED, STARTED, CallEvent
from filrouge.channels.phone.models import Call
from filrouge.channels.phone.services import record_call_event
from filrouge.core.clock import now
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db
CALL_ID = "1767340503.42"
URL = f"/agent/appel/{CALL_ID}/"


def _call(caller="0612345678", *, ended=False) -> Call:
    start = now() - timedelta(minutes=5)
    call, _new = record_call_event(
        CallEvent(kind=STARTED, call_id=CALL_ID, at=start, caller=caller, queue="support-fibre")
    )
    if ended:
        call, _new = record_call_event(CallEvent(kind=ENDED, call_id=CALL_ID, at=now()))
    return call


@pytest.fixture
def caller():
    return PhoneFactory(value="+33612345678").customer


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, caller):
    _call()
    for response in (
        client.get(URL),
        client.post(URL + "consigner/", {"reference": "FR-2026-000001"}),
        client.post(URL + "nouveau-dossier/", {"subject": "x"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/agent/connexion/")
    assert not Event.objects.filter(kind=Event.Kind.CALL).exists()


def test_the_screen_pop_shows_the_caller_their_file_and_open_cases_with_what_is_pending(
    logged_in, agent, caller
):
    owner = AgentFactory(first_name="Hugo", last_name="Martin")
    case = make_case(customer=caller, owner=owner, subject="Fibre coupée depuis lundi")
    set_next_step(case, by=owner, text="Passage du technicien jeudi")
    make_promise(case, by=owner, description="Rappel du client", due_at=now() + timedelta(days=1))
    closed = make_case(customer=caller, subject="Ancienne facture")
    change_status(closed, to=Status.CANCELLED, by=owner)
    _call()
    response = logged_in.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert caller.full_name in page
    assert f"/agent/clients/{caller.pk}/" in page
    assert case.reference in page
    assert "Fibre coupée depuis lundi" in page
    assert "Hugo Martin" in page
    assert "Passage du technicien jeudi" in page
    assert "Rappel du client" in page
    assert closed.reference not in page
    assert f'value="{case.reference}"' in page  # its "log the call here" button
    assert "support-fibre" in page


def test_an_unknown_number_says_so_and_offers_the_customer_search(logged_in):
    _call(caller="0698765432")
    response = logged_in.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "06 98 76 54 32" in page
    assert 'action="/agent/recherche/"' in page
    assert 'value="06 98 76 54 32"' in page or 'value="+33698765432"' in page


def test_an_unknown_call_id_is_a_404(logged_in):
    assert logged_in.get("/agent/appel/nope/").status_code == 404


def test_logging_an_ended_call_on_a_case_puts_it_on_the_timeline(logged_in, agent, caller):
    case = make_case(customer=caller, owner=agent)
    _call(ended=True)
    response = logged_in.post(
        URL + "consigner/", {"reference": case.reference, "summary": "Box toujours rouge"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/agent/dossiers/{case.reference}/"
    event = case.events.get(kind=Event.Kind.CALL)
    assert event.data["body"] == "Box toujours rouge"
    assert event.data["queue"] == "support-fibre"
    assert event.actor == agent
    page = logged_in.get(response["Location"]).content.decode()
    assert "Box toujours rouge" in page


def test_a_call_cannot_be_logged_on_another_customers_case(logged_in, agent, caller):
    foreign = make_case(owner=agent)
    _call(ended=True)
    response = logged_in.post(URL + "consigner/", {"reference": foreign.reference})
    assert response.status_code == 400
    assert Call.objects.get().case is None
    assert not Event.objects.filter(kind=Event.Kind.CALL).exists()


def test_a_call_from_an_unknown_number_can_be_logged_on_the_case_the_caller_names(logged_in, agent):
    case = make_case(owner=agent)
    _call(caller="0698765432", ended=True)
    response = logged_in.post(URL + "consigner/", {"reference": case.reference.lower()})
    assert response.status_code == 302
    call = Call.objects.get()
    assert (call.case, call.customer) == (case, case.customer)
    assert case.events.filter(kind=Event.Kind.CALL).count() == 1


def test_an_unknown_reference_is_said_next_to_the_field(logged_in):
    _call(caller="0698765432")
    response = logged_in.post(URL + "consigner/", {"reference": "FR-2026-999999"})
    assert response.status_code == 400
    assert not Call.objects.get().case


def test_opening_a_case_from_the_screen_pop_owns_it_and_logs_the_call(logged_in, agent, caller):
    _call()
    response = logged_in.post(
        URL + "nouveau-dossier/",
        {"subject": "Déménagement", "intent": "move", "summary": "Je déménage le 12"},
    )
    assert response.status_code == 302
    case = Case.objects.get(customer=caller)
    assert (case.owner, case.intent, case.channel) == (agent, "move", "phone")
    assert Call.objects.get().case == case
    assert not case.events.filter(kind=Event.Kind.CALL).exists()  # until the call ends
    record_call_event(CallEvent(kind=ENDED, call_id=CALL_ID, at=now()))
    assert case.events.get(kind=Event.Kind.CALL).data["body"] == "Je déménage le 12"


def test_a_new_case_needs_an_identified_caller(logged_in):
    _call(caller="0698765432")
    response = logged_in.post(URL + "nouveau-dossier/", {"subject": "x", "intent": "other"})
    assert response.status_code == 400
    assert not Case.objects.exists()

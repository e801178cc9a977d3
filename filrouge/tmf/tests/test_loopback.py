"""`filrouge tmf loopback` step by step, as the README has a new user run it, against a live
server (real HTTP on loopback); while a step waits, the worker's job is done: the partner's
events are POSTed to our listener."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.portal.links import tracking_path
from filrouge.tmf import loopback as loopback_module
from filrouge.tmf.loopback import INFRA
from filrouge.tmf.models import PartnerTicket
from filrouge.tmf.tests.helpers import deliver_pending

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server, settings):
    settings.FILROUGE_PUBLIC_URL = live_server.url
    return live_server.url


@pytest.fixture
def worker(monkeypatch):
    """`make run`'s worker, run while a step waits for it."""
    monkeypatch.setattr(loopback_module, "idle", lambda seconds: deliver_pending())


def loopback(*args: str) -> str:
    out = io.StringIO()
    call_command("tmf", "loopback", *args, stdout=out)
    return out.getvalue()


def test_the_readme_steps_hand_promise_and_resolve_and_the_customer_reads_each_one(server, worker):
    advisor = AgentFactory(first_name="Awa", last_name="Diallo")
    case = make_case(owner=advisor, subject="Plus de fibre depuis 3 semaines")
    change_status(case, to=Status.IN_PROGRESS, by=advisor)

    said = loopback("--setup")
    assert f"/agent/dossiers/{case.reference}/partenaire/ticket/" in said
    said = loopback("--hand", case.reference)
    ticket = PartnerTicket.objects.get(case=case, partner__name=INFRA)
    assert f"its ticket there is {ticket.their_id}" in said
    assert f"(sa référence : {ticket.their_id})" in said
    assert "dès qu’il aura donné une date" in said
    assert Case.objects.get(pk=case.pk).status == Status.HELD

    said = loopback("--promise", case.reference, "--days", "3", "--timeout", "20")
    assert "by the partner's event" in said
    ticket.refresh_from_db()
    assert ticket.status == "inProgress"
    promised = re.search(r"au plus tard le (\d+ \w+ \d{4})", said)
    assert promised, said
    page = Client().get(tracking_path(case)).content.decode()
    assert promised.group(1) in page
    assert ticket.their_id in page

    said = loopback(
        "--resolve",
        case.reference,
        "--note",
        "Câble ressoudé au PM 12",
        "--wait",
        "--timeout",
        "20",
    )
    assert "by the partner's event" in said
    assert "a terminé son intervention" in said
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    note = Event.objects.get(case=case, kind=Event.Kind.PARTNER_NOTE)
    assert note.data["text"] == "Câble ressoudé au PM 12"
    page = Client().get(tracking_path(case)).content.decode()
    assert "a terminé son intervention" in page
    assert "Nous attendons" not in page


def test_a_step_on_a_case_never_handed_over_says_what_to_do(server):
    case = make_case()
    with pytest.raises(CommandError, match="hand the case over first"):
        loopback("--promise", case.reference, "--days", "2")


def test_without_events_the_wait_reads_the_partners_ticket(server):
    """No worker: the step polls the partner after its timeout, and the case still learns."""
    advisor = AgentFactory()
    case = make_case(owner=advisor)
    change_status(case, to=Status.IN_PROGRESS, by=advisor)
    loopback("--hand", case.reference)
    said = loopback("--resolve", case.reference, "--note", "Fait", "--wait", "--timeout", "1")
    assert "by polling the partner" in said
    assert PartnerTicket.objects.get(case=case).resolved_at is not None

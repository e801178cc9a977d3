"""Every inbound message is read, whatever way it came in — not only the channels' filing.

The tracking page, a letter recorded by an advisor, a case opened by an advisor or
through the API with a first message: each `message_in` is noted by triage's
`cases` hook and read by one task `triage.tasks.read_messages` after the commit.
The tasks run here with the immediate backend, at the commit of each request.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import client_for, post
from filrouge.cases.models import Event, Priority
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory
from filrouge.triage import intake
from filrouge.triage.tasks import read_messages

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = IMMEDIATE
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def readings(case) -> list[dict]:
    return list(
        case.events.filter(kind=Event.Kind.TRIAGED).order_by("pk").values_list("data", flat=True)
    )


def test_a_message_on_the_tracking_page_is_read_after_the_commit(
    django_capture_on_commit_callbacks,
):
    case = make_case(first_message="")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/suivi/{case.reference}/message/",
            {
                "t": make_tracking_token(case),
                "text": "Toujours pas de connexion, j'en ai marre, je résilie et je pars chez Free",
                "submission": "s1",
            },
        )
    assert response.status_code == 302
    message = case.events.get(kind=Event.Kind.MESSAGE_IN, channel=Channel.WEB)
    [reading] = readings(case)
    assert reading["message"] == message.pk
    assert reading["churn"] is True
    assert "churn" in reading["why"]
    case.refresh_from_db()
    assert case.priority >= Priority.HIGH  # routed like a filed message


def test_a_letter_recorded_by_an_advisor_is_read(django_capture_on_commit_callbacks):
    agent = AgentFactory()
    client = Client()
    client.force_login(agent)
    case = make_case(first_message="")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/agent/dossiers/{case.reference}/courrier/",
            {
                "letter-version": case.version,
                "letter-summary": "Le client conteste sa facture de mars : 89 € prélevés en trop",
                "letter-scan": SimpleUploadedFile("lettre.pdf", PDF, "application/pdf"),
            },
        )
    assert response.status_code in (200, 302)
    letter = case.events.get(kind=Event.Kind.MESSAGE_IN, channel=Channel.LETTER)
    [reading] = readings(case)
    assert reading["message"] == letter.pk
    assert reading["intent"] == "billing"


def test_a_case_an_advisor_opens_with_what_the_customer_said_is_read(
    django_capture_on_commit_callbacks,
):
    agent = AgentFactory()
    customer = CustomerFactory()
    client = Client()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/agent/clients/{customer.pk}/nouveau-dossier/",
            {
                "subject": "Appel du client",
                "intent": "move",
                "channel": "phone",
                "first_message": "Je déménage à Lyon le 3 mars, il faut transférer ma box",
                "assign_to_me": "on",
            },
        )
    assert response.status_code == 302
    case = customer.cases.get()
    [reading] = readings(case)
    assert reading["message"] == case.events.get(kind=Event.Kind.MESSAGE_IN).pk
    case.refresh_from_db()
    assert case.intent == "move"  # the advisor chose it: the reading does not overwrite it


def test_a_case_opened_through_the_api_with_a_message_is_read_and_gets_its_intent(
    django_capture_on_commit_callbacks,
):
    agent = AgentFactory()
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client_for(agent),
            "/cases",
            {
                "customer": customer.pk,
                "subject": "Message du chatbot",
                "channel": "web",
                "first_message": "Je veux résilier mon abonnement fibre au plus vite",
            },
        )
    assert response.status_code == 201, response.content
    case = customer.cases.get()
    [reading] = readings(case)
    assert reading["intent"] == "cancellation"
    case.refresh_from_db()
    assert case.intent == "cancellation"  # nobody chose one (`other`): the reading sets it


def test_a_filed_email_is_read_once_in_the_filing_and_enqueues_no_task(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    EmailFactory(customer=customer, value="anne@exemple.fr")
    raw = raw_mail(
        sender="Anne <anne@exemple.fr>",
        body="Plus d'internet depuis lundi",
        message_id="<p1@exemple.fr>",
    )
    inbound, _new = store_inbound(channel=Channel.EMAIL, external_id="p1@exemple.fr", payload=raw)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        process_inbound(inbound.pk)
    pending = [c for c in callbacks if isinstance(c, intake._Pending)]
    assert pending
    assert all(p.ids == [] for p in pending)  # read by the filing itself: nothing left to do
    case = customer.cases.get()
    assert len(readings(case)) == 1


def test_the_task_never_reads_a_message_twice():
    case = make_case(first_message="Ma facture est fausse, 30 euros de trop")
    message = case.events.get(kind=Event.Kind.MESSAGE_IN)
    assert read_messages.call([message.pk, message.pk]) == 1
    assert read_messages.call([message.pk]) == 0
    assert intake.backfill() == 0
    assert len(readings(case)) == 1
    assert read_messages.call([999_999_999]) == 0  # gone (rolled back): nothing, no error


def test_a_rolled_back_message_leaves_nothing_pending(django_capture_on_commit_callbacks):
    from django.db import transaction

    def open_then_fail():
        with transaction.atomic():
            make_case(first_message="Plus d'internet")
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pytest.raises(RuntimeError, open_then_fail)
    assert callbacks == []


def test_backfill_check_fails_while_a_message_is_unread_then_passes():
    make_case(first_message="Ma box clignote rouge depuis hier")
    with pytest.raises(CommandError, match="1 message"):
        call_command("triage", "backfill", "--check")
    call_command("triage", "backfill")
    call_command("triage", "backfill", "--check")

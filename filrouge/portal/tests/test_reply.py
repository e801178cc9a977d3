"""Writing from the tracking page: a message (and one photo or PDF) on the case's timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases import selectors
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token
from filrouge.channels.offline.models import Document
from filrouge.customers.models import Channel
from filrouge.portal import limits
from filrouge.portal.links import tracking_path

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner():
    return AgentFactory(first_name="Awa", last_name="Diallo")


def _post(case, client=None, token=None, **fields):
    data = {"t": token or make_tracking_token(case), "text": "", "submission": "", **fields}
    return (client or Client()).post(f"/suivi/{case.reference}/message/", data)


def _messages(case):
    return case.events.filter(kind=Event.Kind.MESSAGE_IN, channel=Channel.WEB)


def test_the_form_page_opens_from_the_link_and_keeps_the_token_out_of_referers(owner):
    case = make_case(owner=owner)
    response = Client().get(f"/suivi/{case.reference}/message/?t={make_tracking_token(case)}")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_message_lands_on_the_case_as_a_web_message_and_moves_it_up_the_queue(owner):
    case = make_case(owner=owner)
    before = Case.objects.get(pk=case.pk)

    response = _post(case, text="Le voyant de la box est rouge.", submission="k1")

    assert response.status_code == 302
    assert response["Location"].startswith(tracking_path(case))
    (event,) = _messages(case)
    assert event.data["body"] == "Le voyant de la box est rouge."
    assert (event.visibility, event.actor_label) == (Event.Visibility.PUBLIC, "customer")
    after = Case.objects.get(pk=case.pk)
    assert after.updated_at > before.updated_at
    assert after.version == before.version + 1
    assert selectors.queue(owner, "mine")[0] == after  # first in the owner's queue
    page = Client().get(response["Location"]).content.decode()
    assert "Le voyant de la box est rouge." in page


def test_a_message_reopens_a_resolved_case(owner):
    case = make_case(owner=owner)
    change_status(case, to=Status.IN_PROGRESS, by=owner)
    change_status(case, to=Status.RESOLVED, by=owner, reason="fixed")
    _post(case, text="Toujours en panne ce matin.")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.resolved_at is None


def test_a_pdf_is_stored_with_the_message_and_named_on_the_page(owner):
    case = make_case(owner=owner)
    upload = SimpleUploadedFile("facture-mars.pdf", PDF, content_type="application/pdf")
    response = _post(case, text="Voici la facture.", file=upload)
    assert response.status_code == 302
    (event,) = _messages(case)
    (document,) = Document.objects.filter(case=case)
    assert (document.kind, document.content_type, document.event_id) == (
        Document.Kind.CUSTOMER,
        "application/pdf",
        event.pk,
    )
    assert event.data["documents"][0]["name"] == "facture-mars.pdf"
    assert document.file.read() == PDF
    assert "facture-mars.pdf" in Client().get(tracking_path(case)).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("facture.pdf", EXE, "« facture.pdf » n’est ni une photo (JPEG ou PNG) ni un PDF."),
        ("virus.exe", EXE, "« virus.exe » n’est ni une photo (JPEG ou PNG) ni un PDF."),
        ("vide.pdf", b"", "Le fichier soumis est vide."),
    ],
)
def test_a_wrong_file_is_refused_in_french_and_nothing_is_written(owner, name, content, error):
    case = make_case(owner=owner)
    version = Case.objects.get(pk=case.pk).version
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = _post(case, text="Pièce jointe", file=upload)
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html
    assert error in html
    assert not _messages(case).exists()
    assert not Document.objects.exists()
    assert Case.objects.get(pk=case.pk).version == version


def test_a_file_over_the_limit_is_refused(owner, settings):
    settings.FILROUGE_UPLOAD_MAX_BYTES = 1000
    case = make_case(owner=owner)
    upload = SimpleUploadedFile("scan.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    response = _post(case, text="Gros fichier", file=upload)
    assert response.status_code == 400
    assert "trop volumineux" in response.content.decode()
    assert not _messages(case).exists()


def test_an_empty_message_is_refused(owner):
    case = make_case(owner=owner)
    response = _post(case, text="   ")
    assert response.status_code == 400
    assert "Écrivez un message ou joignez un fichier." in response.content.decode()
    assert not _messages(case).exists()


def test_the_same_form_sent_twice_is_one_message(owner):
    case = make_case(owner=owner)
    _post(case, text="Double appui", submission="same-key")
    _post(case, text="Double appui", submission="same-key")
    assert _messages(case).count() == 1


def test_without_a_csrf_token_the_post_is_refused(owner):
    case = make_case(owner=owner)
    response = _post(case, client=Client(enforce_csrf_checks=True), text="Bonjour")
    assert response.status_code == 403
    assert not _messages(case).exists()


def test_a_wrong_token_cannot_write_and_gets_the_neutral_page(owner):
    case = make_case(owner=owner)
    other = make_case()
    response = _post(case, token=make_tracking_token(other), text="Intrus")
    assert response.status_code == 404
    assert "Ce lien n’est pas valide" in response.content.decode()
    assert not Event.objects.filter(channel=Channel.WEB).exists()


def test_a_closed_case_takes_no_more_messages(owner):
    case = make_case(owner=owner)
    change_status(case, to=Status.CANCELLED, by=owner)
    response = _post(case, text="Encore moi")
    assert response.status_code == 400
    assert "Ce dossier est clos" in response.content.decode()
    assert not _messages(case).exists()
    assert "Écrire à votre conseiller" not in Client().get(tracking_path(case)).content.decode()


def test_messages_from_one_address_are_limited(owner):
    case = make_case(owner=owner)
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(limits.MESSAGE.per_client):
        assert _post(case, client=client, text=f"Message {n}").status_code == 302
    assert _post(case, client=client, text="Un de trop").status_code == 429
    assert _messages(case).count() == limits.MESSAGE.per_client

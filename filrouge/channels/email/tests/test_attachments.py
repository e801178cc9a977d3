"""Attachments of real mail sent with smtplib to our listener: stored by the processing
task, opened from the case page by a logged-in advisor, refused ones listed with why.
"""

import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.management import call_command

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Event
from filrouge.channels.email import attachments
from filrouge.channels.email import parse as email_parse
from filrouge.channels.email.tests.test_smtp import _listen
from filrouge.channels.models import Document, InboundMessage
from filrouge.channels.services import retry_inbound
from filrouge.customers.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
DOCX = b"PK\x03\x04" + b"\x00" * 60  # an Office document is a zip
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def listener():
    controller = _listen()
    yield controller
    controller.stop()


@pytest.fixture
def advisor(client):
    client.force_login(AgentFactory())
    return client


def _mail(*files: tuple[bytes, str, str, str], subject="Justificatifs") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Marie Dupont <marie.dupont@exemple.fr>"
    mail["To"] = "service-client@filrouge.example"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="exemple.fr")
    mail.set_content("Bonjour, voici les pièces demandées.")
    for payload, maintype, subtype, name in files:
        mail.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


def _send_and_process(listener, raw: bytes) -> InboundMessage:
    documents = Document.objects.count()
    with smtplib.SMTP(listener.hostname, listener.port, timeout=10) as client:
        client.sendmail("marie.dupont@exemple.fr", ["service-client@filrouge.example"], raw)
    assert Document.objects.count() == documents  # nothing stored in the SMTP session
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    return InboundMessage.objects.latest("pk")


def test_a_pdf_and_an_image_are_opened_from_the_case_page_and_an_exe_is_refused(
    listener, advisor, media
):
    customer = EmailFactory(value="marie.dupont@exemple.fr").customer
    raw = _mail(
        (PDF, "application", "pdf", "facture décembre.pdf"),
        (PNG, "image", "png", "box.png"),
        (EXE, "application", "octet-stream", "outil.exe"),
    )
    inbound = _send_and_process(listener, raw)
    assert inbound.state == InboundMessage.State.PROCESSED
    case = inbound.case
    assert case.customer == customer
    event = case.events.get(kind=Event.Kind.MESSAGE_IN)
    pdf, png = Document.objects.order_by("pk")
    assert (pdf.case, pdf.event, pdf.kind) == (case, event, Document.Kind.ATTACHMENT)
    assert (pdf.original_name, pdf.content_type, pdf.size) == (
        "facture décembre.pdf",
        "application/pdf",
        len(PDF),
    )
    assert "décembre" not in pdf.file.name  # stored under a random name
    assert event.data["body"] == "Bonjour, voici les pièces demandées."
    assert event.data["attachments_refused"] == [
        {
            "name": "outil.exe",
            "type": "application/octet-stream",
            "size": len(EXE),
            "reason": "type_not_allowed",
        }
    ]
    assert len([p for p in media.rglob("*") if p.is_file()]) == 2  # the exe never touched disk

    page = advisor.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert f'href="/agent/pieces/{pdf.pk}/"' in page
    assert f'href="/agent/pieces/{png.pk}/"' in page
    assert "« outil.exe » (68\xa0octets) : type de fichier non autorisé" in page

    served = advisor.get(f"/agent/pieces/{pdf.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == PDF
    image = advisor.get(f"/agent/pieces/{png.pk}/")
    assert (image["Content-Type"], b"".join(image.streaming_content)) == ("image/png", PNG)


def test_the_refusal_reads_in_english_for_an_english_reader(listener, advisor):
    inbound = _send_and_process(listener, _mail((EXE, "application", "x-msdownload", "a.exe")))
    page = advisor.get(
        f"/agent/dossiers/{inbound.case.reference}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Attachments not kept:" in page
    assert "“a.exe” (68\xa0bytes): file type not allowed" in page


def test_an_office_document_is_a_download_never_shown_in_the_browser(listener, advisor):
    inbound = _send_and_process(listener, _mail((DOCX, *DOCX_TYPE, "contrat.docx")))
    (document,) = Document.objects.all()
    assert document.content_type == "/".join(DOCX_TYPE)
    assert document.event.case == inbound.case
    served = advisor.get(f"/agent/pieces/{document.pk}/")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"] == 'attachment; filename="contrat.docx"'
    assert served["X-Content-Type-Options"] == "nosniff"


def test_a_program_disguised_as_a_pdf_is_refused(listener):
    inbound = _send_and_process(listener, _mail((EXE, "application", "pdf", "facture.pdf")))
    assert not Document.objects.exists()
    refused = inbound.event.data["attachments_refused"]
    assert [(r["name"], r["reason"]) for r in refused] == [("facture.pdf", "type_not_allowed")]


def test_an_image_that_is_not_one_is_refused_as_a_mismatch(listener):
    inbound = _send_and_process(listener, _mail((b"<svg onload=x>", "image", "png", "a.png")))
    assert not Document.objects.exists()
    assert inbound.event.data["attachments_refused"][0]["reason"] == "content_mismatch"


def test_an_attachment_over_the_limit_is_listed_with_the_limit(listener, advisor, monkeypatch):
    monkeypatch.setattr(email_parse, "MAX_ATTACHMENT_BYTES", 20)
    inbound = _send_and_process(listener, _mail((PDF, "application", "pdf", "gros.pdf")))
    assert not Document.objects.exists()
    (refused,) = inbound.event.data["attachments_refused"]
    assert (refused["reason"], refused["limit"]) == ("too_large", 20)
    page = advisor.get(f"/agent/dossiers/{inbound.case.reference}/").content.decode()
    assert "dépasse la limite de 20\xa0octets" in page


def test_a_reply_with_an_attachment_lands_on_the_existing_case(listener):
    first = _send_and_process(listener, _mail(subject="Box en panne"))
    case = first.case
    reply = _mail((PDF, "application", "pdf", "photo.pdf"), subject=f"Re: [{case.reference}]")
    inbound = _send_and_process(listener, reply)
    assert inbound.case == case
    assert Document.objects.get().case == case
    assert case.events.filter(kind=Event.Kind.MESSAGE_IN).count() == 2


def test_a_failure_while_filing_stores_no_file_and_no_row(listener, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(attachments, "receive_message", broken)
    inbound = _send_and_process(listener, _mail((PDF, "application", "pdf", "a.pdf")))
    assert (inbound.state, inbound.reason) == (InboundMessage.State.FAILED, "error")
    assert not Document.objects.exists()
    assert not Event.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]

    monkeypatch.undo()  # the supervisor's retry after the fix files it, files and all
    retry_inbound([inbound.pk])
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    inbound.refresh_from_db()
    assert inbound.state == InboundMessage.State.PROCESSED
    assert Document.objects.get().event == inbound.event


def test_attachments_are_served_to_logged_in_agents_only(listener, client):
    _send_and_process(listener, _mail((PDF, "application", "pdf", "a.pdf")))
    document = Document.objects.get()
    response = client.get(f"/agent/pieces/{document.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/agent/connexion/")

"""The acknowledgement on a durable medium: a real e-mail, read from a local SMTP server."""

import datetime as dt
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from filrouge.cases.tokens import check_tracking_token
from filrouge.channels.models import OutboundMessage
from filrouge.customers.tests.factories import LineFactory
from filrouge.selfcare.models import CancellationRequest
from filrouge.selfcare.tests.conftest import step1
from filrouge.selfcare.tests.test_flow import payload_of

pytestmark = pytest.mark.django_db(transaction=True)
RECEIVED = dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture
def sink(mail_sink):
    return mail_sink.folder


def cancel(client, **changes) -> CancellationRequest:
    with time_machine.travel(RECEIVED, tick=False):
        summary = client.post("/resiliation/", step1(**changes))
        client.post("/resiliation/confirmer/", {"payload": payload_of(summary)})
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    return CancellationRequest.objects.get()


def mails(folder: Path) -> dict[str, object]:
    found = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in folder.glob("*.eml")
    ]
    return {m["To"]: m for m in found}


def test_the_acknowledgement_arrives_with_the_dates_the_reference_and_the_return_instructions(
    client, fibre, sink
):
    request = cancel(client, requested_end_date="2026-12-31")
    [mail] = mails(sink).values()
    body = mail.get_body(preferencelist=("plain",)).get_content()
    reference = request.case.reference

    assert mail["To"] == "lucie.martin@exemple.fr"
    subject = " ".join(mail["Subject"].split())  # as a mail client shows the folded header
    assert subject == f"[{reference}] Accusé de réception de votre demande de résiliation"
    assert "Nous avons bien reçu votre demande de résiliation le 23 novembre 2026 à 14:05." in body
    assert "Date de réception : 23 novembre 2026" in body
    assert "Votre contrat prend fin le : 31 décembre 2026 (la date que vous avez demandée)" in body
    assert "Ligne : Fibre +33140000001" in body
    assert "Contrat : DEMO0001234" in body
    assert "Motif indiqué : Trop cher" in body
    assert f"Votre dossier : {reference}" in body
    assert "Rendez votre box et, si vous en avez un, votre décodeur TV" in body
    assert "au plus tard le 30 janvier 2027" in body  # 30 days after the end date
    assert f"dans un carton solide portant votre numéro de dossier {reference}" in body
    assert "article L215-1-1 du Code de la consommation" in body
    site = re.escape(settings.FILROUGE_PUBLIC_URL)
    token = re.search(rf"{site}/suivi/{reference}/\?t=([0-9a-f]{{32}})", body)[1]
    assert body.count("/suivi/") == 1  # the e-mail footer does not repeat the link
    assert check_tracking_token(request.case, token)
    assert OutboundMessage.objects.get().state == OutboundMessage.State.SENT
    # The receipt itself, attached as a page the customer keeps (a durable medium).
    [receipt] = list(mail.iter_attachments())
    assert receipt.get_filename() == f"accuse-reception-{reference}.html"
    assert receipt.get_content_type() == "text/html"
    page = receipt.get_content()
    assert page.startswith("<!doctype html>")
    assert "Date de réception : 23 novembre 2026" in page
    assert "31 décembre 2026" in page
    assert "<script" not in page


def test_without_a_date_asked_the_contract_ends_ten_days_after_receipt(client, fibre, sink):
    cancel(client)
    [mail] = mails(sink).values()
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert (
        "Votre contrat prend fin le : 3 décembre 2026 (au plus tard 10 jours après la réception "
        "de votre demande)"
    ) in body


def test_an_address_not_on_file_gets_the_receipt_and_the_holder_a_copy(client, fibre, sink):
    request = cancel(client, email="autre.adresse@exemple.fr")
    received = mails(sink)
    assert set(received) == {"autre.adresse@exemple.fr", "lucie.martin@exemple.fr"}
    copy = received["lucie.martin@exemple.fr"].get_body(preferencelist=("plain",)).get_content()
    assert "Ceci est une copie envoyée à l’adresse e-mail de votre dossier" in copy
    assert "(autre.adresse@exemple.fr)" in copy
    assert request.case.events.filter(kind="message_out").count() == 2


def test_a_postal_address_alone_uses_the_e_mail_on_file(client, fibre, sink):
    cancel(client, email="", postal_address="12 rue de la Roquette\n75011 Paris")
    assert set(mails(sink)) == {"lucie.martin@exemple.fr"}


def test_with_no_e_mail_anywhere_the_team_is_told_to_write_a_letter(client, holder, sink):
    holder.contact_points.all().delete()
    LineFactory(customer=holder, number="+33612345678", product="mobile")
    request = cancel(
        client,
        email="",
        postal_address="12 rue de la Roquette\n75011 Paris",
        line_number="0612345678",
    )
    assert mails(sink) == {}
    assert not OutboundMessage.objects.exists()
    event = request.case.events.get(kind="cancellation_requested")
    assert event.data["acknowledged_by"] == "letter"
    from filrouge.cases.timeline import describe

    assert "l’accusé de réception doit partir par courrier" in describe(event)

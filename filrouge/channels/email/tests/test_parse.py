"""Recorded e-mails (samples/*.eml) and hostile ones, through `parse`."""

import contextlib
from pathlib import Path

import pytest
from django.utils import timezone

from filrouge.channels.email import parse as email_parse
from filrouge.channels.email.parse import (
    clean_subject,
    html_to_text,
    parse,
    read_message_id,
    strip_quoted,
)
from filrouge.channels.message import ParseError
from filrouge.channels.tests.builders import raw_mail

SAMPLES = Path(__file__).parent / "samples"


def _sample(name: str):
    return parse((SAMPLES / name).read_bytes(), external_id="x", received_at=timezone.now())


def test_plain_utf8_quoted_printable_mail():
    mail = _sample("plain.eml")
    assert mail.sender.email == "marie.dupont@exemple.fr"  # normalised to lower case
    assert mail.sender.name == "Marie Dupont"
    assert mail.subject == "Plus d’internet depuis lundi"
    assert "le voyant de la box clignote en rouge" in mail.text
    assert "même souci" in mail.text
    assert not mail.is_auto_reply
    assert not mail.is_bounce
    assert mail.attachments == ()


def test_html_only_mail_is_read_as_text_without_scripts_or_styles():
    mail = _sample("html_only.eml")
    assert mail.subject == "Colis non reçu"
    assert "Mon colis n’est jamais arrivé : le suivi dit « livré »." in mail.text
    assert "alert" not in mail.text
    assert "color" not in mail.text
    assert mail.html.startswith("<html>")


def test_latin1_headers_and_body_are_decoded():
    mail = _sample("latin1.eml")
    assert mail.sender.name == "Renée Lévy"
    assert mail.subject == "Facture de décembre trop élevée"
    assert "Pouvez-vous vérifier le prélèvement ?" in mail.text


def test_attachments_are_listed_with_their_size_and_refused_types_flagged():
    mail = _sample("attachment.eml")
    assert mail.text == "Bonjour, voici mon justificatif pour le transfert de ligne."
    pdf, exe = mail.attachments
    assert (pdf.filename, pdf.content_type, pdf.accepted) == (
        "justificatif domicile été.pdf",
        "application/pdf",
        True,
    )
    assert pdf.size > 0
    assert (exe.filename, exe.accepted, exe.refused_because) == (
        "facture.exe",
        False,
        "type_not_allowed",
    )


def test_an_attachment_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(email_parse, "MAX_ATTACHMENT_BYTES", 10)
    (pdf, _exe) = _sample("attachment.eml").attachments
    assert (pdf.accepted, pdf.refused_because) == (False, "too_large")


def test_auto_reply_is_recognised():
    mail = _sample("autoreply.eml")
    assert mail.is_auto_reply
    assert not mail.is_bounce


@pytest.mark.parametrize(
    ("subject", "headers"),
    [
        ("Réponse automatique : absent", {}),
        ("Absence du 3 au 17 novembre", {}),
        ("Automatic reply: Votre dossier", {}),
        ("Votre dossier", {"Auto_Submitted": "auto-generated"}),
        ("Votre dossier", {"X_Autoreply": "yes"}),
        ("Votre dossier", {"Precedence": "bulk"}),
        ("Votre dossier", {"Precedence": "auto_reply"}),
    ],
)
def test_each_auto_reply_sign_is_recognised(subject, headers):
    raw = raw_mail(subject=subject, **headers)
    assert parse(raw, external_id="x", received_at=timezone.now()).is_auto_reply


def test_a_person_writing_auto_submitted_no_is_not_an_auto_reply():
    raw = raw_mail(subject="Votre dossier", Auto_Submitted="no")
    assert not parse(raw, external_id="x", received_at=timezone.now()).is_auto_reply


def test_bounce_is_recognised_with_the_id_of_our_message():
    mail = _sample("bounce.eml")
    assert mail.is_bounce
    assert not mail.is_auto_reply  # a bounce, reported as such
    assert mail.bounced_ids == ("reply-from-us-0001@filrouge.example",)


def test_a_reply_carries_its_thread_ids_and_only_the_new_words():
    mail = _sample("reply.eml")
    assert mail.in_reply_to == "reply-from-us-0001@filrouge.example"
    assert mail.references == (
        "CAF=plain-0001@mail.exemple.fr",
        "reply-from-us-0001@filrouge.example",
    )
    assert mail.thread_ids[0] == "reply-from-us-0001@filrouge.example"
    assert mail.text == "Merci, le technicien est passé ce matin mais toujours rien."
    # the reference is taken from the subject, not from the quoted history
    assert mail.case_reference == "FR-2025-000042"


def test_a_tracking_link_is_found_even_in_quoted_text():
    body = (
        "Merci.\n\nLe lun. a écrit :\n> https://suivi.exemple/suivi/FR-2025-000007/?t=" + "a" * 32
    )
    mail = parse(raw_mail(body=body), external_id="x", received_at=timezone.now())
    assert (mail.tracking_reference, mail.tracking_token) == ("FR-2025-000007", "a" * 32)
    assert mail.text == "Merci."


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe\xfd",
        b"no headers at all, just text",
        b"From: \r\nSubject: nobody\r\n\r\nbody",
        b"From: not an address\r\n\r\nbody",
        b"From: a@b.fr\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
    ],
)
def test_hostile_mail_never_raises_anything_but_parse_error(raw):
    with contextlib.suppress(ParseError):
        parse(raw, external_id="x", received_at=timezone.now())


def test_a_mail_without_from_is_a_parse_error():
    with pytest.raises(ParseError):
        parse(b"Subject: hi\r\n\r\nbody", external_id="x", received_at=timezone.now())


def test_an_unknown_charset_is_read_with_replacement_characters():
    raw = (
        b"From: a@exemple.fr\r\nSubject: =?x-klingon?q?abc?=\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n\r\nBonjour \xe9t\xe9\r\n"
    )
    mail = parse(raw, external_id="x", received_at=timezone.now())
    assert mail.text.startswith("Bonjour")


def test_a_mail_without_message_id_gets_a_stable_hash_as_id():
    raw = b"From: a@exemple.fr\r\nSubject: x\r\n\r\nbody"
    assert read_message_id(raw) == read_message_id(raw)
    assert read_message_id(raw).startswith("sha256:")
    assert read_message_id(raw_mail(message_id="<abc@exemple.fr>")) == "abc@exemple.fr"


def test_helpers_clean_subjects_strip_quotes_and_flatten_html():
    assert clean_subject("RE: TR: [FR-2025-000042] Re:  Ma box") == "Ma box"
    assert strip_quoted("Oui.\n> avant\n> encore") == "Oui."
    assert strip_quoted("> seulement une citation") == "> seulement une citation"
    assert html_to_text("<p>a&amp;b</p><p>c<br>d</p>") == "a&b\n\nc\nd"

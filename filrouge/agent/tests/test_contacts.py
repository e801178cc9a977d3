"""Shop visits, scanned letters and technicians' reports recorded on the case page.

Files are checked by what they are (magic bytes) and size; a refused one gives a
clear error next to the form and nothing is written, on disk or in the database.
Letters and photos are served to logged-in agents only.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filrouge.accounts.tests.factories import TeamFactory
from filrouge.cases.models import Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import Document
from filrouge.partners.models import PartnerCase
from filrouge.partners.services import add_partner

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def _post(client, case, action, prefix, files=None, **fields):
    data = {f"{prefix}-version": case.version} | {f"{prefix}-{k}": v for k, v in fields.items()}
    for name, upload in (files or {}).items():
        data[f"{prefix}-{name}"] = upload
    return client.post(f"/agent/dossiers/{case.reference}/{action}/", data)


def test_a_shop_visit_lands_on_the_timeline_with_the_shop(logged_in, agent):
    agent.team = TeamFactory(name="Boutique Lyon Part-Dieu")
    agent.save()
    case = make_case(owner=agent)
    response = _post(
        logged_in, case, "visite", "visit", said="Ma box clignote", done="Box échangée"
    )
    assert response.status_code == 302
    event = case.events.get(kind=Event.Kind.VISIT)
    assert (event.channel, event.actor, event.visibility) == ("shop", agent, "public")
    assert event.data == {
        "body": "Ma box clignote",
        "done": "Box échangée",
        "shop": "Boutique Lyon Part-Dieu",
    }
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Boutique Lyon Part-Dieu" in page
    assert "Box échangée" in page


def test_an_empty_shop_visit_is_refused(logged_in, agent):
    case = make_case(owner=agent)
    response = _post(logged_in, case, "visite", "visit", said=" ", done="")
    assert response.status_code == 400
    assert not case.events.filter(kind=Event.Kind.VISIT).exists()


def test_a_scanned_letter_is_stored_with_a_random_name_and_shown_as_a_link(logged_in, agent, media):
    case = make_case(owner=agent)
    scan = SimpleUploadedFile("résiliation Dupont.pdf", PDF, content_type="application/pdf")
    response = _post(
        logged_in,
        case,
        "courrier",
        "letter",
        files={"scan": scan},
        summary="Demande de résiliation",
        received_on="2026-01-05",
    )
    assert response.status_code == 302
    event = case.events.get(kind=Event.Kind.MESSAGE_IN, channel="letter")
    document = Document.objects.get()
    assert (document.event, document.case) == (event, case)
    assert "Dupont" not in document.file.name
    assert document.file.name.endswith(".pdf")
    assert event.data["documents"] == [
        {"id": document.pk, "name": "résiliation Dupont.pdf", "type": "application/pdf"}
    ]
    assert event.data["received_on"] == "2026-01-05"
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert f'href="/agent/pieces/{document.pk}/"' in page
    served = logged_in.get(f"/agent/pieces/{document.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF


def test_a_letter_is_never_served_to_an_anonymous_visitor(client, logged_in, agent):
    case = make_case(owner=agent)
    scan = SimpleUploadedFile("lettre.pdf", PDF, content_type="application/pdf")
    _post(logged_in, case, "courrier", "letter", files={"scan": scan})
    document = Document.objects.get()
    logged_in.logout()
    response = client.get(f"/agent/pieces/{document.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/agent/connexion/")
    assert client.get(f"/media/{document.file.name}").status_code == 404


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (SimpleUploadedFile("lettre.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "PDF"),
        (SimpleUploadedFile("lettre.pdf", JPEG, "application/pdf"), "PDF"),
        (SimpleUploadedFile("lettre.pdf", b"", "application/pdf"), "vide"),
    ],
    ids=["executable-named-pdf", "jpeg-named-pdf", "empty"],
)
def test_a_letter_that_is_not_a_pdf_is_refused_and_nothing_is_written(
    logged_in, agent, media, upload, words
):
    case = make_case(owner=agent)
    events = case.events.count()
    response = _post(logged_in, case, "courrier", "letter", files={"scan": upload})
    assert response.status_code == 400
    assert words in response.content.decode() or "empty" in response.content.decode()
    assert case.events.count() == events
    assert not Document.objects.exists()
    assert _stored_files(media) == []


def test_a_letter_over_the_limit_is_refused_with_the_sizes(logged_in, agent, media, settings):
    settings.FILROUGE_UPLOAD_MAX_BYTES = 1024
    case = make_case(owner=agent)
    big = SimpleUploadedFile("lettre.pdf", PDF + b"0" * 2048, "application/pdf")
    response = _post(logged_in, case, "courrier", "letter", files={"scan": big})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1,0\xa0Kio" in page or "1.0\xa0KB" in page  # the limit, said in the reader's units
    assert not Document.objects.exists()
    assert _stored_files(media) == []


def test_a_letter_without_a_file_says_so(logged_in, agent):
    case = make_case(owner=agent)
    response = _post(logged_in, case, "courrier", "letter", summary="x")
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_the_letter_form_posts_multipart(logged_in, agent):
    case = make_case(owner=agent)
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert 'enctype="multipart/form-data"' in page


def test_a_technicians_report_with_photos_is_internal_and_links_them(logged_in, agent, media):
    case = make_case(owner=agent)
    photos = [
        SimpleUploadedFile("pto.jpg", JPEG, "image/jpeg"),
        SimpleUploadedFile("boitier.png", PNG, "image/png"),
    ]
    response = _post(
        logged_in,
        case,
        "technicien",
        "technician",
        files={"photos": photos},
        report="Fibre réparée au PM",
        outcome="fixed",
    )
    assert response.status_code == 302
    event = case.events.get(kind=Event.Kind.TECHNICIAN_REPORT)
    assert (event.channel, event.visibility, event.data["outcome"]) == (
        "technician",
        "internal",
        "fixed",
    )
    assert [d["type"] for d in event.data["documents"]] == ["image/jpeg", "image/png"]
    assert Document.objects.filter(event=event, kind="photo").count() == 2
    assert len(_stored_files(media)) == 2


def test_a_report_with_a_photo_that_is_not_an_image_writes_nothing(logged_in, agent, media):
    case = make_case(owner=agent)
    photos = [
        SimpleUploadedFile("pto.jpg", JPEG, "image/jpeg"),
        SimpleUploadedFile("script.png", b"<svg onload=alert(1)>", "image/png"),
    ]
    response = _post(
        logged_in,
        case,
        "technicien",
        "technician",
        files={"photos": photos},
        report="Rien",
        outcome="fixed",
    )
    assert response.status_code == 400
    assert "script.png" in response.content.decode()
    assert not case.events.filter(kind=Event.Kind.TECHNICIAN_REPORT).exists()
    assert not Document.objects.exists()
    assert _stored_files(media) == []


def test_not_fixed_puts_a_resolved_case_back_in_progress_with_a_next_step(logged_in, agent):
    case = make_case(owner=agent)
    change_status(case, to=Status.IN_PROGRESS, by=agent)
    change_status(case, to=Status.RESOLVED, by=agent)
    case.refresh_from_db()
    response = _post(
        logged_in,
        case,
        "technicien",
        "technician",
        report="Câble sectionné dans la rue, nouvelle intervention à prévoir",
        outcome="not_fixed_new_intervention_needed",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert "intervention" in case.next_step


def test_an_agent_entrusts_a_case_to_a_partner(logged_in, agent):
    partner, _key = add_partner("Fibre Install SAS")
    case = make_case(owner=agent)
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Fibre Install SAS" in page
    response = _post(logged_in, case, "partenaire", "partner", partner=partner.pk)
    assert response.status_code == 302
    assert PartnerCase.objects.filter(partner=partner, case=case).exists()
    event = case.events.get(kind=Event.Kind.PARTNER_LINKED)
    assert (event.actor, event.visibility) == (agent, "internal")


@pytest.mark.parametrize(
    ("action", "prefix"),
    [("visite", "visit"), ("courrier", "letter"), ("technicien", "technician")],
)
def test_a_stale_form_is_refused(logged_in, agent, action, prefix):
    case = make_case(owner=agent)
    data = {
        f"{prefix}-version": case.version - 1 if case.version > 1 else 99,
        f"{prefix}-said": "x",
        f"{prefix}-report": "x",
        f"{prefix}-outcome": "fixed",
        f"{prefix}-scan": SimpleUploadedFile("l.pdf", PDF, "application/pdf"),
    }
    response = logged_in.post(f"/agent/dossiers/{case.reference}/{action}/", data)
    assert response.status_code == 409
    assert not Document.objects.exists()

"""POST /api/v1/partner/technician-reports: a partner company's key, its own cases only,
multipart with photos checked by magic bytes; the report lands on the case's timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import Document
from filrouge.partners.models import Partner, PartnerCase
from filrouge.partners.services import add_partner, entrust_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner/technician-reports"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def partner():
    partner, key = add_partner("Fibre Install SAS")
    return partner, key


def _post(key: str, **data):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client().post(URL, data, **headers)


def _report(on, **change):
    return {"case": on.reference, "report": "ONT remplacé, synchro OK", "outcome": "fixed"} | change


def test_a_good_report_lands_on_the_timeline_of_the_entrusted_case(partner):
    company, key = partner
    case = make_case()
    entrust_case(case, partner=company, by=None)
    photo = SimpleUploadedFile("ont.jpg", JPEG, content_type="image/jpeg")
    response = _post(key, **_report(case), photos=[photo])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["case"], body["photos"], body["follow_up_case"]) == (case.reference, 1, None)
    event = case.events.get(kind=Event.Kind.TECHNICIAN_REPORT)
    assert (event.actor, event.actor_label, event.channel) == (
        None,
        "Fibre Install SAS",
        "technician",
    )
    assert event.data["body"] == "ONT remplacé, synchro OK"
    assert event.data["partner"] == company.pk
    assert Document.objects.get().uploaded_by_label == "Fibre Install SAS"
    assert Partner.objects.get().last_used_at is not None


@pytest.mark.parametrize("key", ["", "fp_wrong", "not-even-a-key"])
def test_a_bad_or_missing_key_is_a_401_and_writes_nothing(partner, key):
    company, _key = partner
    case = make_case()
    entrust_case(case, partner=company, by=None)
    response = _post(key, **_report(case))
    assert response.status_code == 401
    assert not case.events.filter(kind=Event.Kind.TECHNICIAN_REPORT).exists()


def test_an_agents_personal_token_does_not_open_the_partner_api():
    agent = AgentFactory()
    case = make_case(owner=agent)
    _token, raw = create_api_token(agent, name="CLI")
    assert _post(raw, **_report(case)).status_code == 401


def test_a_deactivated_partner_is_refused(partner):
    company, key = partner
    case = make_case()
    entrust_case(case, partner=company, by=None)
    Partner.objects.filter(pk=company.pk).update(is_active=False)
    assert _post(key, **_report(case)).status_code == 401


def test_a_case_not_entrusted_to_the_partner_is_a_404_like_an_unknown_one(partner):
    company, key = partner
    other, _other_key = add_partner("Réseaux du Sud")
    foreign = make_case()
    entrust_case(foreign, partner=other, by=None)
    mine = make_case()
    entrust_case(mine, partner=company, by=None)
    for reference in (foreign.reference, "FR-2026-999999"):
        response = _post(key, **_report(mine, case=reference))
        assert response.status_code == 404
    assert not Event.objects.filter(kind=Event.Kind.TECHNICIAN_REPORT).exists()


@pytest.mark.parametrize(
    "change",
    [{"outcome": "maybe"}, {"report": ""}, {"case": ""}, {"unexpected": "x"}],
    ids=["unknown-outcome", "empty-report", "no-case", "unknown-field"],
)
def test_invalid_fields_are_a_422_and_write_nothing(partner, change):
    company, key = partner
    case = make_case()
    entrust_case(case, partner=company, by=None)
    response = _post(key, **_report(case, **change))
    assert response.status_code == 422
    assert not case.events.filter(kind=Event.Kind.TECHNICIAN_REPORT).exists()


def test_a_photo_that_is_not_an_image_is_a_422_and_nothing_is_stored(partner, media):
    company, key = partner
    case = make_case()
    entrust_case(case, partner=company, by=None)
    photos = [
        SimpleUploadedFile("ok.jpg", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("rapport.jpg", b"%PDF-1.4 hidden", content_type="image/jpeg"),
    ]
    response = _post(key, **_report(case), photos=photos)
    assert response.status_code == 422
    assert "rapport.jpg" in response.json()["detail"]
    assert not Document.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_not_fixed_puts_the_case_back_in_progress_with_a_next_step(partner):
    company, key = partner
    agent = AgentFactory()
    case = make_case(owner=agent)
    change_status(case, to=Status.IN_PROGRESS, by=agent)
    change_status(case, to=Status.PENDING, by=agent)
    entrust_case(case, partner=company, by=agent)
    response = _post(key, **_report(case, outcome="not_fixed_new_intervention_needed"))
    assert response.status_code == 201
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.next_step
    assert response.json()["next_step"] == case.next_step
    assert response.json()["status"] == "inProgress"


def test_not_fixed_on_a_closed_case_opens_a_follow_up_case_entrusted_to_the_partner(partner):
    company, key = partner
    agent = AgentFactory()
    case = make_case(owner=agent)
    for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        case = change_status(case, to=status, by=agent)
    entrust_case(case, partner=company, by=agent)
    response = _post(key, **_report(case, outcome="not_fixed_new_intervention_needed"))
    assert response.status_code == 201
    follow_up = Case.objects.get(reference=response.json()["follow_up_case"])
    assert follow_up.customer == case.customer
    assert follow_up.status == Status.IN_PROGRESS
    assert case.reference in follow_up.subject
    assert follow_up.next_step
    assert PartnerCase.objects.filter(partner=company, case=follow_up).exists()
    assert case.events.filter(kind=Event.Kind.TECHNICIAN_REPORT).exists()


def test_the_partner_command_prints_a_key_once_and_entrusts_cases(capsys):
    call_command("partner", "add", "Câbles & Co")
    key = capsys.readouterr().out.strip()
    assert key.startswith("fp_")
    partner = Partner.objects.get(name="Câbles & Co")
    assert key not in (partner.key_digest, partner.key_prefix)
    case = make_case()
    call_command("partner", "entrust", "câbles & co", case.reference)
    assert PartnerCase.objects.filter(partner=partner, case=case).exists()
    assert _post(key, **_report(case)).status_code == 201

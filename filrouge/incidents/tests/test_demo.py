"""`filrouge demo` has one incident in progress on a PM and one resolved with compensations."""

from io import StringIO

import pytest
from django.core.management import call_command

from filrouge.cases.models import Status
from filrouge.incidents.models import CompensationProposal, Incident, IncidentCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_demo(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("FILROUGE_DEMO_PASSWORD", "demo-incidents-1")


def test_the_demo_has_an_ongoing_incident_with_held_cases_and_a_resolved_one_with_compensations():
    out = StringIO()
    call_command("demo", customers=120, no_progress=True, stdout=out)

    ongoing = Incident.objects.exclude(status=Incident.Status.RESOLVED).get()
    resolved = Incident.objects.get(status=Incident.Status.RESOLVED)
    assert ongoing.elements.get().kind == "pm"
    links = IncidentCase.objects.filter(incident=ongoing).select_related("case")
    assert links
    assert {link.case.status for link in links} == {Status.HELD}
    assert ongoing.partner_reference
    assert ongoing.updates.get().eta is not None
    proposals = CompensationProposal.objects.filter(incident=resolved)
    assert proposals
    assert all(p.full_days >= 21 and p.amount > 0 and p.may_terminate for p in proposals)
    assert "incidents réseau" in out.getvalue()

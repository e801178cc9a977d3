"""After `filrouge demo`, a new user can answer the survey of the resolved showcase case."""

import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from filrouge.surveys.models import SurveyAnswer


@pytest.mark.django_db
def test_the_demo_prints_a_survey_link_that_can_be_answered(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("FILROUGE_DEMO_PASSWORD", "demo-test-password")
    cache.clear()
    out = StringIO()
    call_command("demo", customers=20, no_progress=True, stdout=out)

    (path, reference, token) = re.search(
        r"http://127\.0\.0\.1:8000(/suivi/(FR-\d{4}-\d{6})/avis/\?t=([0-9a-f]{32}))"
        r"  le client du déménagement résolu donne son avis",
        out.getvalue(),
    ).groups()
    page = Client().get(path)
    assert page.status_code == 200
    assert "Êtes-vous satisfait de la résolution de votre problème ?" in page.content.decode()
    answered = Client().post(f"/suivi/{reference}/avis/", {"t": token, "csat": "5", "ces": "6"})
    assert answered.status_code == 302
    assert SurveyAnswer.objects.get(case__reference=reference).csat == 5

"""After `filrouge demo`, a new user has customer links that open (README: "Follow a case as
the customer")."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_the_demo_prints_tracking_links_that_open(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("FILROUGE_DEMO_PASSWORD", "demo-test-password")
    out = StringIO()
    call_command("demo", customers=20, no_progress=True, stdout=out)

    links = re.findall(
        r"http://127\.0\.0\.1:8000(/suivi/FR-\d{4}-\d{6}/\?t=[0-9a-f]{32})", out.getvalue()
    )
    assert len(links) >= 4
    for link in links:
        response = Client().get(link)
        assert response.status_code == 200
        assert "Historique de votre dossier" in response.content.decode()

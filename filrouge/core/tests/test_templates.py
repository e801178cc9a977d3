"""Template hygiene that Django does not check for us."""

import re
from pathlib import Path

import pytest

import filrouge
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.tests.factories import make_case

ROOT = Path(filrouge.__file__).resolve().parent


def test_no_template_comment_spans_lines():
    """`{# … #}` ends on its own line: one spread over several lines is not a comment but
    text, shown to whoever opens the page (a case page once displayed one). Longer
    comments use `{% comment %}`."""
    opened = re.compile(r"\{#(?!.*#\})")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.rglob("templates/**/*.*"))
        if path.suffix in {".html", ".txt", ".xml", ".svg"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if opened.search(line)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_the_case_page_shows_no_template_source(client):
    """The case page as an advisor sees it holds no template syntax left unrendered."""
    agent = AgentFactory()
    case = make_case(owner=agent)
    client.force_login(agent)
    response = client.get(f"/agent/dossiers/{case.reference}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert case.reference in body
    for syntax in ("{#", "#}", "{%", "%}"):
        assert syntax not in body

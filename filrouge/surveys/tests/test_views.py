"""The survey page: opened only by the tracking link, limited like it, and a bad post
re-rendered with the reasons in French and nothing written."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from filrouge.cases.models import Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token
from filrouge.portal import limits
from filrouge.portal.links import tracking_path
from filrouge.surveys.links import survey_path
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.services import answer_survey
from filrouge.surveys.tests.helpers import resolved_case, team_with_lead
from filrouge.surveys.views import SURVEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _post(case, client=None, **fields):
    data = {"t": make_tracking_token(case), **fields}
    return (client or Client()).post(f"/suivi/{case.reference}/avis/", data)


def test_the_link_opens_the_four_questions_in_french():
    case = resolved_case()
    response = Client().get(survey_path(case))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Êtes-vous satisfait de la résolution de votre problème ?",
        "Avez-vous pu faire résoudre votre problème facilement ?",
        "1 – très difficile",
        "7 – très facile",
        "Recommanderiez-vous notre service à un proche ?",
        "Un commentaire ? (facultatif)",
    ):
        assert text in html
    assert 'type="radio" name="csat" value="5"' in html
    assert "<legend>Êtes-vous satisfait" in html  # each scale is a labelled group
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]


def test_recommendation_is_not_asked_twice_within_90_days():
    _team, _lead, owner = team_with_lead()
    first = resolved_case(owner=owner)
    answer_survey(first, csat=4, ces=6, nps=9)
    second = resolved_case(customer=first.customer, owner=owner)
    html = Client().get(survey_path(second)).content.decode()
    assert "Recommanderiez-vous" not in html
    response = _post(second, csat="4", ces="6", nps="2")  # posted all the same: dropped
    assert response.status_code == 302
    assert SurveyAnswer.objects.get(case=second).nps is None


def test_a_good_answer_is_stored_then_the_page_thanks():
    case = resolved_case()
    response = _post(case, csat="5", ces="6", nps="9", comment="Très bien.")
    assert response.status_code == 302
    assert response["Location"] == survey_path(case)
    answer = SurveyAnswer.objects.get(case=case)
    assert (answer.csat, answer.ces, answer.nps, answer.comment) == (5, 6, 9, "Très bien.")
    thanks = Client().get(response["Location"]).content.decode()
    assert "Merci pour votre avis" in thanks
    assert "Envoyer mon avis" not in thanks


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"ces": "6"}, "Choisissez une note de satisfaction de 1 à 5."),
        ({"csat": "9", "ces": "6"}, "Choisissez une note de satisfaction de 1 à 5."),
        ({"csat": "4", "ces": "abc"}, "Choisissez une note de facilité de 1 à 7."),
        ({"csat": "4", "ces": "6", "nps": "11"}, "Choisissez une note de 0 à 10."),
        ({"csat": "4", "ces": "6", "comment": "x" * 2001}, "Votre commentaire est trop long"),
    ],
)
def test_bad_input_is_shown_again_with_the_reason_and_nothing_is_written(fields, error):
    case = resolved_case()
    events = case.events.count()
    response = _post(case, **fields)
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert error in html
    assert 'class="errorlist"' in html
    assert not SurveyAnswer.objects.exists()
    assert case.events.count() == events
    if fields.get("csat") == "4":
        assert 'value="4" id="id_csat_3" checked' in html  # the customer's choice is kept


def test_a_second_post_changes_nothing():
    case = resolved_case()
    _post(case, csat="4", ces="6")
    response = _post(case, csat="1", ces="1", comment="honteux")
    assert response.status_code == 200  # the thanks page: it was already answered
    assert "Merci pour votre avis" in response.content.decode()
    assert SurveyAnswer.objects.get(case=case).csat == 4
    assert not case.events.filter(kind=Event.Kind.ESCALATED).exists()


def test_a_case_not_yet_resolved_has_no_survey_to_answer():
    _team, _lead, owner = team_with_lead()
    case = change_status(make_case(owner=owner), to=Status.IN_PROGRESS, by=owner)
    page = Client().get(survey_path(case)).content.decode()
    assert "Le questionnaire s’ouvre une fois votre dossier résolu" in page
    assert _post(case, csat="5", ces="7").status_code == 200
    assert not SurveyAnswer.objects.exists()


def test_a_wrong_or_expired_link_gets_the_neutral_page():
    case = resolved_case()
    wrong = Client().get(f"/suivi/{case.reference}/avis/?t=not-the-token")
    unknown = Client().get("/suivi/FR-2020-999999/avis/?t=not-the-token")
    posted = Client().post(f"/suivi/{case.reference}/avis/", {"t": "x", "csat": "1", "ces": "1"})
    for response in (wrong, unknown, posted):
        assert response.status_code == 404
        assert "Ce lien n’est pas valide" in response.content.decode()
    assert case.reference not in wrong.content.decode()
    assert not SurveyAnswer.objects.exists()
    change_status(case, to=Status.CLOSED, by=None)
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert Client().get(survey_path(case)).status_code == 404


def test_guessing_tokens_is_limited_like_the_tracking_page():
    case = resolved_case()
    client = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(limits.BAD_LINK.per_client):
        assert client.get(f"/suivi/{case.reference}/avis/?t=guess{n}").status_code == 404
    limited = client.get(survey_path(case))  # even the right link, from this address
    assert limited.status_code == 429
    assert limited["Retry-After"]


def test_posting_again_and_again_is_limited():
    case = resolved_case()
    client = Client(REMOTE_ADDR="10.1.2.4")
    for _n in range(SURVEY.per_client):
        assert _post(case, client, csat="9", ces="6").status_code == 400
    assert _post(case, client, csat="4", ces="6").status_code == 429
    assert not SurveyAnswer.objects.exists()


def test_the_tracking_page_invites_then_thanks():
    _team, _lead, owner = team_with_lead()
    open_case = change_status(make_case(owner=owner), to=Status.IN_PROGRESS, by=owner)
    assert "Donnez votre avis" not in Client().get(tracking_path(open_case)).content.decode()
    case = resolved_case(owner=owner)
    html = Client().get(tracking_path(case)).content.decode()
    assert "Donnez votre avis" in html
    assert survey_path(case).replace("&", "&amp;") in html
    answer_survey(case, csat=4, ces=6, nps=8)
    html = Client().get(tracking_path(case)).content.decode()
    assert "Donnez votre avis" not in html
    assert "Merci pour votre avis" in html
    assert "Avis donné : satisfaction 4/5, facilité 6/7, recommandation 8/10" in html


def test_the_advisor_sees_the_answer_and_the_lead_the_follow_up():
    _team, lead, owner = team_with_lead()
    case = resolved_case(owner=owner)
    answer_survey(case, csat=2, ces=3, nps=1, comment="Toujours pas de connexion.")
    client = Client()
    client.force_login(owner)
    html = client.get(f"/agent/dossiers/{case.reference}/").content.decode()
    for text in (
        "Satisfaction 2/5",
        "Facilité 3/7",
        "Recommandation 1/10",
        "Toujours pas de connexion.",
        "Suivi demandé au responsable d’équipe",
        "Rappeler le client suite à l&#x27;enquête",
    ):
        assert text in html
    client.force_login(lead)
    queue = client.get("/agent/?queue=escalated").content.decode()
    assert case.reference in queue


def test_an_anonymous_visitor_cannot_see_the_agent_case_page():
    case = resolved_case()
    answer_survey(case, csat=5, ces=7)
    response = Client().get(f"/agent/dossiers/{case.reference}/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "connexion" in response["Location"]

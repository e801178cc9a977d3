"""`answer_survey`: scores checked, one answer per case, NPS every 90 days at most, and the
team lead's follow-up when the customer is unhappy."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event, Priority, Promise, Status
from filrouge.cases.selectors import queue
from filrouge.cases.tests.factories import make_case
from filrouge.customers.tests.factories import CustomerFactory
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.services import (
    Scores,
    SurveyError,
    answer_survey,
    follow_up_reasons,
    negative_words,
)
from filrouge.surveys.tests.helpers import resolved_case, team_with_lead

pytestmark = pytest.mark.django_db


def _nothing_written(case: Case, events_before: int) -> None:
    assert not SurveyAnswer.objects.filter(case=case).exists()
    assert case.events.count() == events_before


def test_a_happy_answer_is_stored_on_the_timeline_and_asks_for_nothing():
    case = resolved_case()
    before = case.events.count()

    answer = answer_survey(case, csat=5, ces=7, nps=9, comment="Merci, rapide et efficace.")

    assert (answer.csat, answer.ces, answer.nps, answer.follow_up) == (5, 7, 9, False)
    assert answer.customer_id == case.customer_id
    (event,) = case.events.filter(kind=Event.Kind.SURVEY_ANSWERED)
    assert event.visibility == Event.Visibility.PUBLIC
    assert event.actor_label == "customer"
    assert event.data["csat"] == 5
    assert event.data["body"] == "Merci, rapide et efficace."
    assert case.events.count() == before + 1  # no escalation, no promise
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.escalated_at is None


@pytest.mark.parametrize(
    ("csat", "ces", "nps", "message"),
    [
        (0, 5, None, "satisfaction"),
        (6, 5, None, "satisfaction"),
        (4, 8, None, "facilité"),
        (4, 0, None, "facilité"),
        (4, 5, 11, "de 0 à 10"),
        ("4", 5, None, "satisfaction"),
        (True, 5, None, "satisfaction"),
    ],
)
def test_scores_out_of_their_scale_are_refused_and_change_nothing(csat, ces, nps, message):
    case = resolved_case()
    before = case.events.count()
    with pytest.raises(SurveyError, match=message):
        answer_survey(case, csat=csat, ces=ces, nps=nps)
    _nothing_written(case, before)


def test_a_comment_too_long_is_refused():
    case = resolved_case()
    before = case.events.count()
    with pytest.raises(SurveyError, match="trop long"):
        answer_survey(case, csat=4, ces=5, comment="a" * 2001)
    _nothing_written(case, before)


@pytest.mark.parametrize("status", [Status.ACKNOWLEDGED, Status.IN_PROGRESS])
def test_a_case_not_resolved_cannot_be_answered(status):
    _team, _lead, owner = team_with_lead()
    case = make_case(owner=owner)
    if status == Status.IN_PROGRESS:
        from filrouge.cases.services import change_status

        case = change_status(case, to=status, by=owner)
    before = case.events.count()
    with pytest.raises(SurveyError, match="une fois votre dossier résolu"):
        answer_survey(case, csat=5, ces=7)
    _nothing_written(case, before)


def test_a_second_answer_for_the_same_case_is_refused_and_the_first_kept():
    case = resolved_case()
    answer_survey(case, csat=4, ces=6, nps=8)
    before = case.events.count()
    with pytest.raises(SurveyError, match="déjà répondu"):
        answer_survey(case, csat=1, ces=1, nps=0, comment="honteux")
    assert SurveyAnswer.objects.get(case=case).csat == 4
    assert case.events.count() == before


def test_a_closed_case_can_be_answered():
    case = resolved_case(status=Status.CLOSED)
    answer = answer_survey(case, csat=4, ces=6)
    assert answer.case_id == case.pk


def test_nps_is_kept_at_most_once_every_90_days_per_customer():
    customer = CustomerFactory()
    _team, _lead, owner = team_with_lead()
    first = resolved_case(customer=customer, owner=owner)
    second = resolved_case(customer=customer, owner=owner)
    third = resolved_case(customer=customer, owner=owner)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert answer_survey(first, csat=4, ces=6, nps=9).nps == 9
    with time_machine.travel(start + timedelta(days=89), tick=False):
        answer = answer_survey(second, csat=4, ces=6, nps=10)
    assert answer.nps is None  # asked 89 days ago: dropped
    assert second.events.get(kind=Event.Kind.SURVEY_ANSWERED).data["nps"] is None
    with time_machine.travel(start + timedelta(days=91), tick=False):
        assert answer_survey(third, csat=4, ces=6, nps=7).nps == 7


@pytest.mark.parametrize(
    ("scores", "reasons"),
    [
        (Scores(csat=2, ces=7, nps=None, comment=""), ["csat"]),
        (Scores(csat=3, ces=3, nps=None, comment=""), ["ces"]),
        (Scores(csat=4, ces=6, nps=6, comment=""), ["nps"]),
        (Scores(csat=4, ces=6, nps=7, comment="C'est HONTEUX, trois semaines !"), ["comment"]),
        (Scores(csat=4, ces=6, nps=7, comment="Ça ne marche toujours pas."), ["comment"]),
        (Scores(csat=3, ces=4, nps=7, comment="Correct, sans plus."), []),
        (Scores(csat=5, ces=6, nps=None, comment="Commande annulée, remboursement reçu."), []),
    ],
)
def test_what_counts_as_unhappy(scores, reasons):
    assert follow_up_reasons(scores) == reasons


def test_negative_words_fold_case_and_accents():
    # In the order of the list, not of the comment.
    assert negative_words("Vraiment DÉÇUE, une arnaque") == ["arnaque", "decue"]


def test_an_unhappy_answer_sent_again_hears_already_answered_though_the_case_reopened():
    case = resolved_case()
    answer_survey(case, csat=1, ces=1, comment="honteux")  # reopens the case
    with pytest.raises(SurveyError, match="déjà répondu"):
        answer_survey(case, csat=1, ces=1, comment="honteux")
    assert SurveyAnswer.objects.filter(case=case).count() == 1


def test_a_low_score_reopens_the_case_and_the_team_lead_follows_up():
    team, lead, owner = team_with_lead()
    case = resolved_case(owner=owner)

    answer = answer_survey(case, csat=1, ces=2, nps=3, comment="Trois semaines sans internet.")

    assert answer.follow_up is True
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.escalated_at is not None
    assert case.priority >= Priority.HIGH
    escalated = case.events.get(kind=Event.Kind.ESCALATED)
    assert escalated.visibility == Event.Visibility.INTERNAL
    assert (escalated.data["why"], escalated.data["lead"]) == ("survey", lead.pk)
    reopened = case.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    assert reopened.data["reason"] == "survey_follow_up"
    promise = case.promises.get(state=Promise.State.OPEN)
    assert promise.made_by == lead
    assert promise.description == "Rappeler le client suite à l'enquête"
    assert promise.due_at > timezone.now()
    assert case in queue(lead, "escalated")
    other_lead = AgentFactory(role=lead.role)
    assert case not in queue(other_lead, "escalated")


def test_a_negative_comment_alone_asks_for_a_follow_up():
    case = resolved_case()
    answer = answer_survey(case, csat=4, ces=5, comment="Service client nul, jamais de réponse.")
    assert answer.follow_up is True
    event = case.events.get(kind=Event.Kind.SURVEY_ANSWERED)
    assert event.data["follow_up"] == ["comment"]
    assert event.data["words"] == ["nul", "jamais"]


def test_an_unhappy_answer_on_a_closed_case_opens_a_follow_up_case_for_the_lead():
    team, lead, owner = team_with_lead()
    case = resolved_case(owner=owner, status=Status.CLOSED)

    answer_survey(case, csat=1, ces=1)

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    follow_up = Case.objects.exclude(pk=case.pk).get(customer=case.customer)
    assert follow_up.subject == f"Suite à l'enquête sur {case.reference}"
    assert (follow_up.owner, follow_up.team, follow_up.intent) == (lead, team, "followup")
    assert follow_up.escalated_at is not None
    assert follow_up.promises.get().made_by == lead
    assert follow_up in queue(lead, "escalated")


def test_the_sentence_reads_for_advisors_even_without_scores():
    from filrouge.cases.timeline import describe

    event = Event(kind=Event.Kind.SURVEY_ANSWERED, data={})
    assert describe(event) == "Avis donné : satisfaction ?/5, facilité ?/7"

"""The survey's pieces on other apps' pages: the invitation on the tracking page,
the answer on the advisor's case page. One indexed query each."""

from django import template

from filrouge.cases.models import Case
from filrouge.surveys.links import survey_path
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.services import can_answer

register = template.Library()


@register.inclusion_tag("surveys/invite.html")
def survey_invite(case: Case) -> dict:
    """ "Give your opinion" on a resolved or closed case, "thank you" once answered."""
    if not can_answer(case):
        return {"shown": False}
    answered = SurveyAnswer.objects.filter(case_id=case.pk).exists()
    return {"shown": True, "answered": answered, "url": survey_path(case)}


@register.inclusion_tag("surveys/agent_card.html")
def survey_card(case: Case) -> dict:
    """The customer's answer for the advisor: scores, comment, follow-up asked.

    Looked up only where an answer can be: a resolved or closed case, or one flagged
    for the team lead (an unhappy answer reopens and flags it). The case page of an
    open, unflagged case keeps its query count; the answer stays on its timeline.
    """
    if not can_answer(case) and case.escalated_at is None:
        return {"answer": None}
    return {"answer": SurveyAnswer.objects.filter(case_id=case.pk).first()}

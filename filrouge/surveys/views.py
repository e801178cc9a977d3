"""The survey page, `/suivi/<reference>/avis/?t=<token>`: the tracking link's capability.

It opens exactly like the tracking page — the portal's rate limits, its neutral
"link not valid" page for a wrong, unknown or expired link, its private headers —
then shows the questions, or the thanks once answered. A refused or malformed post
re-renders the form with the reason and writes nothing.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from filrouge.cases.models import Case
from filrouge.portal import limits
from filrouge.portal import views as portal
from filrouge.portal.links import tracking_path
from filrouge.surveys.forms import SurveyForm
from filrouge.surveys.links import survey_path
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.services import SurveyError, answer_survey, can_answer, nps_asked

# Posts of the survey form, valid or not (a valid one is accepted once per case anyway).
SURVEY = limits.Limit("survey", per_client=10, per_reference=10, seconds=600)


@require_http_methods(["GET", "POST"])
@portal._language_from_query  # noqa: SLF001 - the portal's own link handling, shared
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    token = request.POST.get("t", "") if request.method == "POST" else request.GET.get("t", "")
    case = portal._open(request, reference, token)  # noqa: SLF001
    if isinstance(case, HttpResponse):
        return case
    done = SurveyAnswer.objects.filter(case=case).first()
    if done is not None or not can_answer(case):
        return _render(request, "surveys/thanks.html", case, token, {"answer": done})
    asked = nps_asked(case.customer_id)
    if request.method == "GET":
        return _render(
            request, "surveys/survey.html", case, token, {"form": SurveyForm(nps_asked=asked)}
        )
    if limits.exceeded(SURVEY, request, reference=case.reference):
        return portal._limited(request, SURVEY)  # noqa: SLF001
    limits.count(SURVEY, request, reference=case.reference)
    form = SurveyForm(request.POST, nps_asked=asked)
    if form.is_valid():
        try:
            answer_survey(case, **form.cleaned_data)
        except SurveyError as refused:
            form.add_error(None, str(refused))
        else:
            return redirect(survey_path(case), permanent=False)
    return _render(request, "surveys/survey.html", case, token, {"form": form}, status=400)


def _render(request, template, case: Case, token: str, context: dict, *, status=200):
    context = {"case": case, "token": token, "back": tracking_path(case), **context}
    return portal._page(request, template, context, status=status, referrer="strict-origin")  # noqa: SLF001

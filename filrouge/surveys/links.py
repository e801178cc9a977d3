"""The survey's address, and the lines the resolution notice adds for it.

The survey opens with the case's tracking token (`cases/tokens.py`): the same
capability as the tracking page, nothing new to store or to leak.
"""

from collections.abc import Sequence
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event, Status
from filrouge.cases.tokens import make_tracking_token
from filrouge.surveys.models import SurveyAnswer


def survey_path(case: Case) -> str:
    """`/suivi/<reference>/avis/?t=<token>`."""
    query = urlencode({"t": make_tracking_token(case)})
    return f"{reverse('surveys:answer', args=[case.reference])}?{query}"


def survey_url(case: Case) -> str:
    return settings.FILROUGE_PUBLIC_URL.rstrip("/") + survey_path(case)


def survey_lines(case: Case, events: Sequence[Event]) -> list[str]:
    """For `notifications.compose.EXTRA_LINES`: a notice announcing the resolution
    invites to the survey, unless the case moved on or the survey was answered."""
    resolved = any(
        e.kind == Event.Kind.STATUS_CHANGED and e.data.get("to") == Status.RESOLVED for e in events
    )
    if not resolved or case.status not in {Status.RESOLVED, Status.CLOSED}:
        return []
    if SurveyAnswer.objects.filter(case_id=case.pk).exists():
        return []
    return [
        _("Your case is resolved: tell us how it went, in four questions: %(url)s")
        % {"url": survey_url(case)}
    ]

"""Answering the survey, and the follow-up an unhappy answer asks of the team lead.

`answer_survey` is the only write path. In one transaction, under the case's row
lock: the answer (unique per case), a public `survey_answered` event written as the
customer's (so the customer is not notified of their own answer), and, when the
answer is unhappy, the follow-up:

- a resolved case goes back in progress (`change_status`, reason
  `survey_follow_up`): the customer is told their case is open again;
- it is flagged for the team lead like a broken promise (`escalated_at`, priority at
  least High, an internal `escalated` event naming the lead, reason `survey`): it
  shows in the lead's "escalated" queue;
- the lead promises to call the customer back by noon the next working day
  ("Rappeler le client suite à l'enquête"): the promise is on the case, in the
  team's promises page, and the sweep breaks and escalates it if nobody calls.

A closed case cannot move again (TMF621): the follow-up is then a new case,
"Suite à l'enquête sur FR-…", owned by the lead, with the same flag and promise.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filrouge.accounts.models import Agent
from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event, Intent, Status
from filrouge.core.clock import now
from filrouge.customers.models import Channel
from filrouge.surveys.models import CES_RANGE, CSAT_RANGE, NPS_RANGE, SurveyAnswer

ANSWERABLE = frozenset({Status.RESOLVED, Status.CLOSED})
NPS_EVERY = timedelta(days=90)
MAX_COMMENT = 2000
# Unhappy: any one of these asks the team lead to follow up.
CSAT_LOW, CES_LOW, NPS_LOW = 2, 3, 6
# A first, deliberately small screen for unhappy words in the comment, matched on
# whole words with accents and case folded. It errs on the side of calling back
# ("jamais" also matches "jamais eu de souci"): a needless call costs less than an
# unhappy customer nobody heard. Reading the words properly is the triage's job.
NEGATIVE_WORDS = (
    "nul",
    "nulle",
    "nuls",
    "honteux",
    "honteuse",
    "honte",
    "jamais",
    "inadmissible",
    "inacceptable",
    "toujours pas",
    "arnaque",
    "arnaqueurs",
    "scandale",
    "scandaleux",
    "lamentable",
    "catastrophe",
    "catastrophique",
    "incompetent",
    "incompetents",
    "decu",
    "decue",
    "deplorable",
    "mepris",
    "resilier",
    "resiliation",
)
FOLLOW_UP_TEXT = gettext_lazy("Call the customer back about their survey answer")
CALLBACK_HOUR = 12
PARIS = ZoneInfo("Europe/Paris")


class SurveyError(cases.CaseError):
    """A refused answer, with a message for the customer."""


@dataclass(frozen=True)
class Scores:
    csat: int
    ces: int
    nps: int | None
    comment: str


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


def negative_words(comment: str) -> list[str]:
    """The words of `NEGATIVE_WORDS` found in the comment, as listed."""
    folded = f" {fold(comment)} "
    return [word for word in NEGATIVE_WORDS if f" {word} " in folded]


def follow_up_reasons(scores: Scores) -> list[str]:
    """Why this answer asks the team lead to follow up: codes, empty when all is well."""
    reasons = []
    if scores.csat <= CSAT_LOW:
        reasons.append("csat")
    if scores.ces <= CES_LOW:
        reasons.append("ces")
    if scores.nps is not None and scores.nps <= NPS_LOW:
        reasons.append("nps")
    if negative_words(scores.comment):
        reasons.append("comment")
    return reasons


def nps_asked(customer_id: int, *, at: datetime | None = None) -> bool:
    """Whether to ask this customer to recommend us: not if they did in the last 90 days."""
    since = (at or now()) - NPS_EVERY
    return not SurveyAnswer.objects.filter(
        customer_id=customer_id, nps__isnull=False, answered_at__gte=since
    ).exists()


def can_answer(case: Case) -> bool:
    return case.status in ANSWERABLE


def _check(csat: object, ces: object, nps: object, comment: str) -> Scores:
    def score(value: object, allowed: range, message: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise SurveyError(message)
        return value

    return Scores(
        csat=score(csat, CSAT_RANGE, _("Choose a satisfaction score from 1 to 5.")),
        ces=score(ces, CES_RANGE, _("Choose an ease score from 1 to 7.")),
        nps=None if nps is None else score(nps, NPS_RANGE, _("Choose a score from 0 to 10.")),
        comment=_checked_comment(comment),
    )


def _checked_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise SurveyError(
            _("Your comment is too long: %(most)d characters at most.") % {"most": MAX_COMMENT}
        )
    return comment


@transaction.atomic
def answer_survey(
    case: Case, *, csat: int, ces: int, nps: int | None = None, comment: str = ""
) -> SurveyAnswer:
    """Record the customer's answer for a resolved or closed case, once.

    `nps` is ignored when the customer already gave one in the last 90 days (the
    form does not ask it then; a value posted all the same is dropped).
    """
    scores = _check(csat, ces, nps, comment)
    case = Case.objects.select_for_update(of=("self",)).select_related("customer").get(pk=case.pk)
    # Answered first: an unhappy answer reopens the case, and the same answer sent again
    # (a second tab, the back button) must still hear "already answered".
    if SurveyAnswer.objects.filter(case=case).exists():
        raise SurveyError(_("You have already answered the survey for this case. Thank you!"))
    if not can_answer(case):
        raise SurveyError(_("The survey opens once your case is resolved."))
    at = now()
    if scores.nps is not None and not nps_asked(case.customer_id, at=at):
        scores = Scores(csat=scores.csat, ces=scores.ces, nps=None, comment=scores.comment)
    reasons = follow_up_reasons(scores)
    try:
        with transaction.atomic():
            answer = SurveyAnswer.objects.create(
                case=case,
                customer_id=case.customer_id,
                csat=scores.csat,
                ces=scores.ces,
                nps=scores.nps,
                comment=scores.comment,
                follow_up=bool(reasons),
                answered_at=at,
            )
    except IntegrityError:  # the same answer posted twice at once (SQLite has no row lock)
        raise SurveyError(
            _("You have already answered the survey for this case. Thank you!")
        ) from None
    cases.record_event(
        case,
        kind=Event.Kind.SURVEY_ANSWERED,
        visibility=Event.Visibility.PUBLIC,
        actor_label="customer",
        channel=Channel.WEB,
        data={
            "answer": answer.pk,
            "csat": scores.csat,
            "ces": scores.ces,
            "nps": scores.nps,
            "body": scores.comment,
            "follow_up": reasons,
            "words": negative_words(scores.comment),
        },
        at=at,
    )
    if reasons:
        _follow_up(case, reasons=reasons)
    return answer


def lead_of(case: Case) -> Agent | None:
    """The team lead a case's follow-up goes to: the owner's team's, else the case's team's."""
    team = case.owner.team if case.owner_id and case.owner.team_id else case.team
    return team.lead if team and team.lead_id else None


def _follow_up(case: Case, *, reasons: list[str]) -> Case:
    lead = lead_of(case)
    if case.status == Status.RESOLVED:
        case = cases.change_status(case, to=Status.IN_PROGRESS, by=None, reason="survey_follow_up")
    else:
        case = _follow_up_case(case, lead=lead)
    fresh = (
        Case.objects.select_for_update(of=("self",))
        .select_related("owner__team", "team")
        .get(pk=case.pk)
    )
    cases._escalate(fresh, at=now(), why="survey")  # noqa: SLF001 - the same flag as a broken promise
    promiser = lead or case.owner
    if promiser is not None:
        with translation.override(settings.LANGUAGE_CODE):
            description = str(FOLLOW_UP_TEXT)  # stored text the customer reads: French
        cases.make_promise(fresh, by=promiser, description=description, due_at=callback_due(now()))
    return fresh


def _follow_up_case(closed: Case, *, lead: Agent | None) -> Case:
    """A closed case cannot reopen: the follow-up is a new case for the lead."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Follow-up of the survey on %(reference)s") % {"reference": closed.reference}
    return cases.open_case(
        closed.customer,
        subject=subject,
        channel=Channel.WEB,
        by=lead,
        intent=Intent.FOLLOWUP,
        line=closed.line,
        team=closed.team,
        owner=lead,
    )


def callback_due(at: datetime) -> datetime:
    """Noon on the next working day (Paris): the lead calls within a day."""
    day = at.astimezone(PARIS).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(CALLBACK_HOUR), tzinfo=PARIS)

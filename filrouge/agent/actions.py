"""What each case form does: the form that validates it, the service call, the confirmation.

The URL segment (`/agent/dossiers/<reference>/<segment>/`) names the action.
Every call passes the version the advisor saw, so a stale edit is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from filrouge.accounts.models import Agent
from filrouge.agent import forms
from filrouge.cases import services
from filrouge.cases.models import Case, Promise
from filrouge.channels import services as channel_services
from filrouge.channels.offline import services as offline
from filrouge.partners.services import entrust_case

Run = Callable[[Case, Agent, dict[str, Any]], object]


@dataclass(frozen=True)
class Action:
    form: type[forms.CaseForm]
    run: Run
    done: str


def _guarded(case: Case, data: dict[str, Any], then: Callable[[], object]) -> object:
    return services.unless_stale(case, expected_version=data["version"], then=then)


def _status(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return services.change_status(
        case, to=d["status"], by=agent, reason=d["reason"], expected_version=d["version"]
    )


def _note(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return _guarded(case, d, lambda: services.add_note(case, by=agent, text=d["body"]))


def _reply(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    # Through the channels: the answer is recorded and its delivery queued together.
    return channel_services.reply(
        case, by=agent, channel=d["channel"], body=d["body"], expected_version=d["version"]
    )


def _handover(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return services.hand_over(
        case, to=d["to"], by=agent, note=d["note"], expected_version=d["version"]
    )


def _take(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return services.assign(case, to=agent, by=agent, expected_version=d["version"])


def _next_step(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return services.set_next_step(
        case, by=agent, text=d["text"], due=d["due"], expected_version=d["version"]
    )


def _promise(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return _guarded(
        case,
        d,
        lambda: services.make_promise(
            case, by=agent, description=d["description"], due_at=d["due_at"]
        ),
    )


def _intent(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return _guarded(case, d, lambda: services.correct_intent(case, to=d["intent"], by=agent))


def _visit(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return offline.record_visit(
        case, by=agent, said=d["said"], done=d["done"], expected_version=d["version"]
    )


def _letter(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return offline.record_letter(
        case,
        by=agent,
        scan=d["scan"],
        summary=d["summary"],
        received_on=d["received_on"],
        expected_version=d["version"],
    )


def _technician(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return offline.record_technician_report(
        case,
        by=agent,
        report=d["report"],
        outcome=d["outcome"],
        photos=d["photos"],
        expected_version=d["version"],
    )


def _entrust(case: Case, agent: Agent, d: dict[str, Any]) -> object:
    return _guarded(case, d, lambda: entrust_case(case, partner=d["partner"], by=agent))


ACTIONS: dict[str, Action] = {
    "statut": Action(forms.StatusForm, _status, _("Status changed.")),
    "note": Action(forms.NoteForm, _note, _("Note added.")),
    "reponse": Action(forms.ReplyForm, _reply, _("Answer recorded.")),
    "transfert": Action(forms.HandoverForm, _handover, _("Case handed over.")),
    "prendre": Action(forms.TakeForm, _take, _("You now own this case.")),
    "etape": Action(forms.NextStepForm, _next_step, _("Next step saved.")),
    "promesse": Action(forms.PromiseForm, _promise, _("Promise recorded.")),
    "intention": Action(forms.IntentForm, _intent, _("Intent corrected.")),
    "visite": Action(forms.VisitForm, _visit, _("Shop visit recorded.")),
    "courrier": Action(forms.LetterForm, _letter, _("Letter recorded.")),
    "technicien": Action(
        forms.TechnicianReportForm, _technician, _("Technician's report recorded.")
    ),
    "partenaire": Action(forms.EntrustForm, _entrust, _("Case entrusted to the partner.")),
}

SETTLE = {
    "tenue": (services.keep_promise, _("Promise marked as kept.")),
    "rompue": (services.break_promise, _("Promise marked as broken.")),
}


def settle_promise(promise: Promise, agent: Agent, *, outcome: str, version: int) -> object:
    settle, _done = SETTLE[outcome]
    return services.unless_stale(
        promise.case, expected_version=version, then=lambda: settle(promise, by=agent)
    )

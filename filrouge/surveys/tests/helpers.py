"""A resolved case whose owner's team has a lead: what the survey needs."""

from filrouge.accounts.models import Agent
from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case


def team_with_lead():
    team = TeamFactory(name="Support fibre", slug="support-fibre")
    lead = AgentFactory(first_name="Nadia", last_name="Benali", team=team, role=Agent.Role.LEAD)
    team.lead = lead
    team.save(update_fields=["lead"])
    owner = AgentFactory(first_name="Awa", team=team)
    return team, lead, owner


def resolved_case(*, customer=None, owner=None, status=Status.RESOLVED):
    if owner is None:
        _team, _lead, owner = team_with_lead()
    case = make_case(customer=customer, owner=owner)
    case = change_status(case, to=Status.IN_PROGRESS, by=owner)
    case = change_status(case, to=Status.RESOLVED, by=owner, reason="fixed")
    if status == Status.CLOSED:
        case = change_status(case, to=Status.CLOSED, by=owner)
    return case

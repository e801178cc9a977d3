"""Writes on incidents: declare one, publish its updates.

Every published update (the first one included) sends the `update_published`
signal inside the transaction; what follows an update — linking the affected
cases, telling the affected customers, refreshing the status page — listens to
it, so this module stays the one place an incident changes.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.dispatch import Signal
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.core.clock import now
from filrouge.incidents import compensation, linking
from filrouge.incidents.models import (
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Incident,
    IncidentUpdate,
)
from filrouge.network.models import NetworkElement
from filrouge.partners.models import Partner

# Sent with `incident`, `update` and `first` (True for the declaration) inside the
# transaction that wrote the update.
update_published = Signal()


class IncidentError(ValueError):
    """A refused change, with a message for the person who tried it."""


def _statuses(kind: str) -> tuple[str, ...]:
    return MAINTENANCE_STATUSES if kind == Incident.Kind.MAINTENANCE else INCIDENT_STATUSES


def _next_reference(year: int) -> str:
    prefix = f"INC-{year}-"
    last = Incident.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _check_dates(
    *,
    started_at: datetime,
    eta: datetime | None,
    at: datetime,
    kind: str,
    scheduled_until: datetime | None,
    partner_promised_at: datetime | None,
) -> None:
    if kind == Incident.Kind.INCIDENT and started_at > at:
        raise IncidentError(_("An incident cannot start in the future: declare planned works."))
    if eta is not None and eta < at:
        raise IncidentError(_("The estimated restoration time is already past."))
    if scheduled_until is not None and scheduled_until <= started_at:
        raise IncidentError(_("Planned works must end after they start."))
    if partner_promised_at is not None and partner_promised_at < started_at:
        raise IncidentError(_("The partner's promised date is before the incident started."))


def elements_from_codes(codes: str | list[str]) -> list[NetworkElement]:
    """The elements named by their codes (one per line, or separated by commas or spaces);
    every unknown code is named in the error."""
    if isinstance(codes, str):
        codes = codes.replace(",", " ").split()
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))
    if not wanted:
        raise IncidentError(_("An incident needs at least one network element."))
    where = Q()
    for code in wanted:
        where |= Q(code__iexact=code)
    found = {e.code.upper(): e for e in NetworkElement.objects.filter(where)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise IncidentError(
            _("Unknown network element: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [found[c] for c in wanted]


@transaction.atomic
def declare_incident(
    *,
    title: str,
    elements: list[NetworkElement],
    text: str,
    impact: str = Incident.Impact.MAJOR,
    kind: str = Incident.Kind.INCIDENT,
    status: str | None = None,
    by: Agent | None = None,
    owner: Agent | None = None,
    eta: datetime | None = None,
    started_at: datetime | None = None,
    scheduled_until: datetime | None = None,
    partner: Partner | None = None,
    partner_reference: str = "",
    partner_promised_at: datetime | None = None,
) -> Incident:
    """Declare an incident (or planned works) on network elements, with its first update."""
    title, text = title.strip(), text.strip()
    if not title:
        raise IncidentError(_("An incident needs a title."))
    if not elements:
        raise IncidentError(_("An incident needs at least one network element."))
    if not text:
        raise IncidentError(_("The first update needs a text for the customers."))
    at = now()
    _check_dates(
        started_at=started_at or at,
        eta=eta,
        at=at,
        kind=kind,
        scheduled_until=scheduled_until,
        partner_promised_at=partner_promised_at,
    )
    if kind not in Incident.Kind.values:
        raise IncidentError(_("Unknown kind of incident."))
    if impact not in Incident.Impact.values:
        raise IncidentError(_("Unknown impact."))
    status = status or _statuses(kind)[0]
    if status not in _statuses(kind) or status == _statuses(kind)[-1]:
        raise IncidentError(_("This status cannot open an incident of this kind."))
    incident = Incident.objects.create(
        reference=_next_reference(at.year),
        kind=kind,
        status=status,
        title=title,
        impact=impact,
        owner=owner or by,
        partner=partner,
        partner_reference=partner_reference.strip(),
        partner_promised_at=partner_promised_at,
        started_at=started_at or at,
        scheduled_until=scheduled_until,
        created_at=at,
        updated_at=at,
    )
    incident.elements.set(elements)
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, text=text, eta=eta, published_at=at, by=by
    )
    linking.link_affected_cases(incident, by=by)
    update_published.send(Incident, incident=incident, update=update, first=True)
    return incident


@transaction.atomic
def post_update(
    incident: Incident,
    *,
    text: str,
    status: str | None = None,
    eta: datetime | None = None,
    by: Agent | None = None,
) -> IncidentUpdate:
    """Publish an update; the last status of its kind (resolved, completed) closes it."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.is_over:
        raise IncidentError(_("This incident is over: it takes no more updates."))
    text = text.strip()
    if not text:
        raise IncidentError(_("An update needs a text for the customers."))
    status = status or incident.status
    if status not in _statuses(incident.kind):
        raise IncidentError(_("This status does not apply to this kind of incident."))
    at = now()
    if eta is not None and eta < at:
        raise IncidentError(_("The estimated restoration time is already past."))
    incident.status, incident.updated_at = status, at
    fields = ["status", "updated_at"]
    if incident.is_over:
        incident.resolved_at = at
        fields.append("resolved_at")
    incident.save(update_fields=fields)
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, text=text, eta=eta, published_at=at, by=by
    )
    if incident.is_over:
        linking.release_held_cases(incident, by=by)
        if incident.kind == Incident.Kind.INCIDENT:
            compensation.propose(incident)
    else:
        linking.link_affected_cases(incident, by=by)
    update_published.send(Incident, incident=incident, update=update, first=False)
    return update

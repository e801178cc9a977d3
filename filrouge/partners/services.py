"""Partners are added (their key printed once) and cases are entrusted to them."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases.models import Case, Event
from filrouge.cases.services import INTERNAL, CaseError, record_event
from filrouge.core.clock import now
from filrouge.partners.keys import digest, new_key
from filrouge.partners.models import Partner, PartnerCase


class PartnerError(ValueError):
    pass


@transaction.atomic
def add_partner(name: str) -> tuple[Partner, str]:
    """A partner company and its API key (the raw key is returned once, never stored)."""
    name = " ".join(name.split())
    if not name:
        raise PartnerError(_("A partner needs a name."))
    if Partner.objects.filter(name__iexact=name).exists():
        raise PartnerError(_("A partner named “%(name)s” already exists.") % {"name": name})
    raw = new_key()
    partner = Partner.objects.create(
        name=name[:80], key_digest=digest(raw), key_prefix=raw[:10], created_at=now()
    )
    return partner, raw


@transaction.atomic
def entrust_case(case: Case, *, partner: Partner, by: Agent | None) -> PartnerCase:
    """Let the partner report on this case (idempotent); said on the timeline, internally."""
    if not partner.is_active:
        raise CaseError(_("This partner is no longer active."))
    existing = PartnerCase.objects.filter(partner=partner, case=case).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            grant = PartnerCase.objects.create(
                partner=partner, case=case, granted_at=now(), granted_by=by
            )
    except IntegrityError:
        return PartnerCase.objects.get(partner=partner, case=case)
    record_event(
        case,
        kind=Event.Kind.PARTNER_LINKED,
        visibility=INTERNAL,
        actor=by,
        actor_label="" if by else "system",
        data={"partner": partner.pk, "partner_name": partner.name},
    )
    return grant


def case_for_partner(partner: Partner, reference: str) -> Case | None:
    """The case with this reference if it was entrusted to the partner; None otherwise."""
    grant = (
        PartnerCase.objects.select_related("case__customer", "case__owner")
        .filter(partner=partner, case__reference=reference.strip().upper())
        .first()
    )
    return grant.case if grant else None

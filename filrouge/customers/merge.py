"""Merging a prospect (an unidentified sender's file) into the real customer, audited.

An unknown sender gets a prospect file of their own (`channels.identity`); once
an advisor knows who it is, `merge_prospect` moves everything that points at
the prospect — cases, their timelines, contact points, messages, calls,
documents — to the customer, in one transaction, under row locks. The rows
to move are found from the model graph (every foreign key to `Customer`), so a
table added later by another app moves too without a change here.

The prospect row is kept, marked `merged_into`, so that old links redirect;
searches leave it out. A `CustomerMerge` row records who merged what, when.
"""

from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases.models import Case, Event
from filrouge.cases.services import record_event
from filrouge.core.clock import now
from filrouge.customers.models import ContactPoint, Customer, CustomerMerge
from filrouge.customers.services import CustomerError

# Relations that say *about* the merge rather than belong to the prospect.
_NOT_MOVED = {(CustomerMerge, "prospect"), (CustomerMerge, "into"), (Customer, "merged_into")}


def live_customer(customer: Customer) -> Customer:
    """The customer a (possibly merged) prospect now is: follows `merged_into`."""
    seen = {customer.pk}
    while customer.merged_into_id is not None and customer.merged_into_id not in seen:
        seen.add(customer.merged_into_id)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _relations() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every (model, foreign key) pointing at Customer, hidden ones (`related_name="+"`)
    included, except the merge's own bookkeeping."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)  # OneToOneField included
                and field.related_model is Customer
                and (model, field.name) not in _NOT_MOVED
            ):
                found.append((model, field))
    return found


def merge_preview(prospect: Customer) -> dict[str, int]:
    """How many rows of each kind a merge would move: `{"cases.case": 2, ...}`, non-zero only."""
    counts = {}
    for model, field in _relations():
        count = model._base_manager.filter(**{field.name: prospect}).count()
        if count:
            counts[model._meta.label_lower] = count
    return counts


def _check(prospect: Customer, into: Customer) -> None:
    if prospect.pk == into.pk:
        raise CustomerError(_("A customer cannot be merged into itself."))
    if prospect.merged_into_id is not None:
        raise CustomerError(_("This unidentified sender was already attached to a customer."))
    if not prospect.is_prospect:
        raise CustomerError(
            _(
                "Only an unidentified sender’s file can be merged into a customer; "
                "%(name)s is a customer."
            )
            % {"name": prospect.full_name}
        )
    if into.is_prospect or into.merged_into_id is not None:
        raise CustomerError(
            _("%(name)s is an unidentified sender too: choose the real customer.")
            % {"name": into.full_name}
        )


def _snapshot(prospect: Customer) -> dict[str, Any]:
    return {
        "name": prospect.full_name,
        "account_number": prospect.account_number,
        "contact_points": [
            {"kind": p.kind, "value": p.value}
            for p in prospect.contact_points.order_by("kind", "pk")
        ],
    }


def _move_contact_points(prospect: Customer, into: Customer) -> tuple[int, list[str]]:
    """The prospect's contact points go to the customer (so their next message matches);
    one the customer already has is dropped, and a moved one is primary only if the
    customer had no primary point of that kind."""
    theirs = set(into.contact_points.values_list("kind", "value"))
    primary_kinds = set(into.contact_points.filter(is_primary=True).values_list("kind", flat=True))
    moved, dropped = 0, []
    for point in ContactPoint.objects.select_for_update().filter(customer=prospect):
        if (point.kind, point.value) in theirs:
            dropped.append(point.value)
            point.delete()
            continue
        point.customer = into
        point.is_primary = point.is_primary and point.kind not in primary_kinds
        point.save(update_fields=["customer", "is_primary"])
        moved += 1
    return moved, dropped


@transaction.atomic
def merge_prospect(
    prospect: Customer, *, into: Customer, by: Agent, note: str = ""
) -> CustomerMerge:
    """Move everything of an unidentified sender's file to the real customer.

    Refused (CustomerError) for a customer that is not a prospect, a prospect
    already merged, the prospect itself, or another prospect as the target.
    Both customer rows are locked (in id order, so two merges never deadlock),
    then the prospect's cases; the checks run again on the locked rows, so two
    advisors merging the same prospect at once get one merge and one refusal.
    """
    _check(prospect, into)
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[prospect.pk, into.pk])
        .order_by("pk")
    }
    prospect, into = locked[prospect.pk], locked[into.pk]
    _check(prospect, into)
    at = now()
    snapshot = _snapshot(prospect)
    cases = list(Case.objects.select_for_update().filter(customer=prospect).order_by("pk"))
    points, dropped = _move_contact_points(prospect, into)
    counts: dict[str, int] = {"customers.contactpoint": points} if points else {}
    for model, field in _relations():
        if model is ContactPoint:
            continue
        rows = model._base_manager.filter(**{field.name: prospect})
        if model is Case:  # a case that changes customer is a new version of it
            moved = rows.update(customer=into, version=F("version") + 1)
        else:
            moved = rows.update(**{field.name: into})
        if moved:
            counts[model._meta.label_lower] = moved
    merge = CustomerMerge.objects.create(
        prospect=prospect,
        into=into,
        merged_by=by,
        merged_at=at,
        note=note.strip(),
        prospect_snapshot=snapshot,
        moved={
            "counts": counts,
            "cases": [c.reference for c in cases],
            "contact_points_dropped": dropped,
        },
    )
    prospect.merged_into = into
    prospect.save(update_fields=["merged_into"])
    for case in cases:
        _record_attached(case, prospect=snapshot, into=into, by=by, merge=merge, at=at)
    return merge


def _record_attached(
    case: Case, *, prospect: dict, into: Customer, by: Agent, merge: CustomerMerge, at
) -> None:
    case.customer_id = into.pk
    record_event(
        case,
        kind=Event.Kind.CUSTOMER_ATTACHED,
        visibility=Event.Visibility.INTERNAL,
        actor=by,
        data={
            "to": into.pk,
            "to_name": into.full_name,
            "to_account": into.account_number,
            "from_name": prospect["name"],
            "from_account": prospect["account_number"],
            "merge": merge.pk,
        },
        at=at,
    )

"""/api/v1/customers: find a customer, then see everything the care team knows of them.

`POST /customers/{id}/merge` attaches an unidentified sender's file (a prospect)
to the real customer, like the console's "Rattacher à un client"
(`customers.merge.merge_prospect`); a refusal is a 422 with the reason.
"""

from typing import Annotated

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from filrouge.api import schemas as s
from filrouge.api.auth import agent_of
from filrouge.api.errors import Invalid, NotFound
from filrouge.api.present import case_item
from filrouge.cases.selectors import open_cases_of
from filrouge.customers.merge import merge_prospect
from filrouge.customers.models import Address, ContactPoint, Customer, Line
from filrouge.customers.normalise import normalise_email
from filrouge.customers.selectors import current_address, search_customers

router = Router(tags=["customers"])


class CustomerSearch(Schema):
    q: Annotated[str, Field(max_length=200), s.Storable] = Field(
        "", description="Phone, e-mail, account number or the start of a name."
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 25


def _contacts(customer: Customer) -> list[dict]:
    points = sorted(customer.contact_points.all(), key=lambda p: (p.kind, not p.is_primary, p.pk))
    return [
        {"kind": p.kind, "value": p.value, "display": p.display, "is_primary": p.is_primary}
        for p in points
    ]


def _item(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.full_name,
        "account_number": customer.account_number,
        "contact_points": _contacts(customer),
    }


def _address(address: Address, current: Address | None) -> dict:
    return {
        "id": address.pk,
        "line1": address.line1,
        "line2": address.line2,
        "postcode": address.postcode,
        "commune": address.commune,
        "valid_from": address.valid_from,
        "valid_to": address.valid_to,
        "is_current": current is not None and address.pk == current.pk,
    }


def _line(line: Line) -> dict:
    return {
        "id": line.pk,
        "number": line.number,
        "product": line.product,
        "status": line.status,
        "service_address": str(line.service_address) if line.service_address else None,
        "network_element": line.network_element.code if line.network_element else None,
    }


@router.get("", response=s.CustomerPage, summary="Search customers")
def list_customers(request: HttpRequest, filters: Query[CustomerSearch]):
    """An exact phone, e-mail or account number, or a name prefix. An empty `q` finds nobody."""
    if "@" in filters.q:
        normalise_email(filters.q)  # a malformed e-mail is a 422, not "nobody"
    customers = search_customers(filters.q, limit=filters.limit).prefetch_related(
        Prefetch("contact_points", ContactPoint.objects.order_by("pk"))
    )
    return {"items": [_item(c) for c in customers]}


@router.get("/{customer_id}", response=s.CustomerDetail, summary="A customer and their cases")
def get_customer(request: HttpRequest, customer_id: Annotated[int, Path(ge=1, le=s.MAX_ID)]):
    customer = (
        Customer.objects.prefetch_related(
            "contact_points",
            "addresses",
            Prefetch("lines", Line.objects.select_related("service_address", "network_element")),
        )
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(_("No customer with the id %(id)s.") % {"id": customer_id})
    current = current_address(customer)
    return {
        **_item(customer),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "preferred_channel": customer.preferred_channel,
        "created_at": customer.created_at,
        "current_address": _address(current, current) if current else None,
        "addresses": [_address(a, current) for a in customer.addresses.all()],
        "lines": [_line(line) for line in customer.lines.all()],
        "open_cases": [case_item(c) for c in open_cases_of(customer.pk)],
    }


def _ref(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.full_name,
        "account_number": customer.account_number,
    }


@router.post("/{customer_id}/merge", response=s.MergeOut, summary="Attach an unidentified sender")
def merge(
    request: HttpRequest,
    customer_id: Annotated[int, Path(ge=1, le=s.MAX_ID)],
    payload: s.MergeIn,
):
    """Move the prospect's cases, messages, calls and contact points to `into`, audited.

    422 if the customer in the URL is not an unidentified sender (or is already
    merged), or if `into` is one, or is the same customer.
    """
    prospect = Customer.objects.filter(pk=customer_id).first()
    if prospect is None:
        raise NotFound(_("No customer with the id %(id)s.") % {"id": customer_id})
    into = Customer.objects.filter(pk=payload.into).first()
    if into is None:
        raise Invalid(_("No customer with the id %(id)s.") % {"id": payload.into})
    done = merge_prospect(prospect, into=into, by=agent_of(request), note=payload.note)
    return {
        "id": done.pk,
        "prospect": _ref(prospect),
        "into": _ref(into),
        "merged_by": done.merged_by.email,
        "merged_at": done.merged_at,
        "note": done.note,
        "moved": done.moved["counts"],
        "cases": done.moved["cases"],
    }

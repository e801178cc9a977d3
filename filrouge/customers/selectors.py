"""Reads on customers."""

from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate

from filrouge.core.clock import today
from filrouge.customers.models import Address, ContactPoint, Customer
from filrouge.customers.normalise import (
    InvalidContact,
    fold,
    looks_like_phone,
    normalise_email,
    normalise_phone,
)


def current_address(customer: Customer, *, on: date | None = None) -> Address | None:
    day = on or today()
    return (
        customer.addresses.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("-valid_from")
        .first()
    )


def search_customers(query: str, *, limit: int = 25) -> QuerySet[Customer]:
    """Customers matching a phone, an e-mail, an account number or a name prefix.

    Each branch is an exact or prefix match on an indexed column, so the cost
    does not grow with the number of customers. Merged prospects are left out.
    """
    query = query.strip()
    # A prospect merged into a customer holds nothing any more: only its customer is found.
    customers = Customer.objects.filter(merged_into__isnull=True)
    if not query:
        return customers.none()
    if "@" in query:
        try:
            value = normalise_email(query)
        except InvalidContact:
            return customers.none()
        ids = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value=value)
        return customers.filter(pk__in=ids.values("customer_id"))[:limit]
    if looks_like_phone(query):
        try:
            value = normalise_phone(query)
        except InvalidContact:
            return customers.filter(account_number=query)[:limit]
        ids = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value=value)
        return customers.filter(pk__in=ids.values("customer_id"))[:limit]
    if any(c.isdigit() for c in query):
        # Names have no digits: this is an account number, exact on its unique index.
        return customers.filter(account_number=query.upper())[:limit]
    # On PostgreSQL, name order is byte order ("C" collation) so that the prefix
    # is one range of customer_search_name_c_idx (customers migration 0003): under
    # the database's own collation PostgreSQL walked the whole name index from
    # "a" (0.4–1.2 s per search over a million customers, bench/README.md).
    folded = fold(query)
    if connection.vendor == "postgresql":
        by_name = customers.alias(name=Collate("search_name", "C"))
        return by_name.filter(name__startswith=folded).order_by("name", "pk")[:limit]
    return customers.filter(search_name__startswith=folded).order_by("search_name", "pk")[:limit]

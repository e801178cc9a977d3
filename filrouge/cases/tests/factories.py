"""Cases are made through `open_case`, so every test case has a real timeline."""

import factory

from filrouge.cases.services import open_case
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory


def make_case(
    *,
    customer=None,
    owner=None,
    by=None,
    subject="Plus d'internet depuis lundi",
    channel=Channel.PHONE,
    **extra,
):
    customer = customer or CustomerFactory()
    return open_case(
        customer, subject=subject, channel=channel, owner=owner, by=by or owner, **extra
    )


__all__ = ["make_case", "factory"]

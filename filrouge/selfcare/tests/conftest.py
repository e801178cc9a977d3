import pytest
from django.core.cache import cache

from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, LineFactory


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The per-IP counters live in the cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def holder(db):
    customer = CustomerFactory(account_number="DEMO0001234", first_name="Lucie", last_name="Martin")
    EmailFactory(customer=customer, value="lucie.martin@exemple.fr")
    return customer


@pytest.fixture
def fibre(holder):
    return LineFactory(customer=holder, number="+33140000001", product="fibre")


def step1(**changes) -> dict:
    """What Lucie types in step 1; `changes` overrides fields (None removes one)."""
    data = {
        "full_name": "Lucie Martin",
        "email": "lucie.martin@exemple.fr",
        "postal_address": "",
        "account_number": "DEMO0001234",
        "line_number": "01 40 00 00 01",
        "requested_end_date": "",
        "reason": "price",
        "reason_text": "Trop cher depuis la hausse de janvier.",
        "key": "0123456789abcdef0123456789abcdef",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}

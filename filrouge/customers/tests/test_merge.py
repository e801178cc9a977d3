"""Merging an unidentified sender's file into the real customer: everything moves, audited."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.tests.factories import make_case
from filrouge.cases.timeline import describe
from filrouge.channels.identity import create_prospect, identify
from filrouge.channels.message import Sender
from filrouge.channels.models import Call, InboundMessage
from filrouge.customers.merge import live_customer, merge_preview, merge_prospect
from filrouge.customers.models import ContactPoint, Customer, CustomerMerge
from filrouge.customers.selectors import search_customers
from filrouge.customers.services import CustomerError
from filrouge.customers.tests.factories import CustomerFactory, PhoneFactory


def _prospect_with_history():
    prospect = create_prospect(Sender(email="inconnu@exemple.fr", name="Paul Inconnu"))
    case = make_case(customer=prospect, subject="Plus de fibre", first_message="Rien ne marche.")
    InboundMessage.objects.create(
        channel="email",
        external_id="m1@exemple.fr",
        payload=b"x",
        received_at=timezone.now(),
        customer=prospect,
        case=case,
        event=case.events.get(kind=Event.Kind.MESSAGE_IN),
        state=InboundMessage.State.PROCESSED,
    )
    Call.objects.create(
        call_id="c-1", caller="+33612345678", customer=prospect, received_at=timezone.now()
    )
    return prospect, case


@pytest.mark.django_db
def test_merging_moves_cases_timelines_contacts_messages_and_calls_and_keeps_an_audit_row():
    advisor = AgentFactory(first_name="Awa", last_name="Diallo")
    customer = CustomerFactory(first_name="Paul", last_name="Durand", account_number="C000000777")
    PhoneFactory(customer=customer, value="+33612345678")
    prospect, case = _prospect_with_history()
    assert merge_preview(prospect) == {
        "cases.case": 1,
        "cases.event": 2,
        "channels.call": 1,
        "channels.inboundmessage": 1,
        "customers.contactpoint": 1,
    }

    merge = merge_prospect(
        prospect, into=customer, by=advisor, note="Même personne, vérifié au 3900"
    )

    case.refresh_from_db()
    prospect.refresh_from_db()
    assert case.customer == customer
    assert case.version == 2
    assert not Event.objects.filter(customer=prospect).exists()
    assert InboundMessage.objects.get(external_id="m1@exemple.fr").customer == customer
    assert Call.objects.get(call_id="c-1").customer == customer
    assert prospect.merged_into == customer
    assert list(prospect.contact_points.all()) == []
    point = ContactPoint.objects.get(value="inconnu@exemple.fr")
    assert (point.customer, point.is_primary) == (customer, True)  # no e-mail of theirs before
    assert identify(Sender(email="inconnu@exemple.fr")) == customer
    assert (merge.prospect, merge.into, merge.merged_by) == (prospect, customer, advisor)
    assert merge.note == "Même personne, vérifié au 3900"
    assert merge.prospect_snapshot == {
        "name": "Paul Inconnu",
        "account_number": prospect.account_number,
        "contact_points": [{"kind": "email", "value": "inconnu@exemple.fr"}],
    }
    assert merge.moved["cases"] == [case.reference]
    assert merge.moved["counts"]["cases.case"] == 1
    assert merge.moved["counts"]["channels.inboundmessage"] == 1
    attached = case.events.get(kind=Event.Kind.CUSTOMER_ATTACHED)
    assert (attached.actor, attached.visibility, attached.customer) == (
        advisor,
        Event.Visibility.INTERNAL,
        customer,
    )

    assert "Paul Durand" in describe(attached)
    assert "C000000777" in describe(attached)


@pytest.mark.django_db
def test_a_moved_phone_is_not_primary_when_the_customer_has_a_primary_phone():
    customer = CustomerFactory()
    PhoneFactory(customer=customer, value="+33611111111", is_primary=True)
    prospect = create_prospect(Sender(phone="+33622222222"))
    merge_prospect(prospect, into=customer, by=AgentFactory())
    moved = ContactPoint.objects.get(value="+33622222222")
    assert (moved.customer, moved.is_primary) == (customer, False)


@pytest.mark.django_db
def test_a_merged_prospect_is_found_by_no_search_and_leads_to_the_customer():
    customer = CustomerFactory(first_name="Paul", last_name="Durand")
    prospect = create_prospect(Sender(email="inconnu@exemple.fr", name="Paul Inconnu"))
    assert list(search_customers("inconnu")) == [prospect]
    merge_prospect(prospect, into=customer, by=AgentFactory())
    assert list(search_customers("inconnu")) == []
    assert list(search_customers(prospect.account_number)) == []
    assert list(search_customers("inconnu@exemple.fr")) == [customer]
    assert live_customer(Customer.objects.get(pk=prospect.pk)) == customer


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["not_a_prospect", "itself", "into_a_prospect", "twice"])
def test_a_refused_merge_says_why_and_changes_nothing(case):
    customer = CustomerFactory(first_name="Paul", last_name="Durand")
    prospect, prospect_case = _prospect_with_history()
    other = create_prospect(Sender(email="autre@exemple.fr"))
    source, target = {
        "not_a_prospect": (customer, other),
        "itself": (prospect, prospect),
        "into_a_prospect": (prospect, other),
        "twice": (prospect, customer),
    }[case]
    if case == "twice":
        merge_prospect(prospect, into=customer, by=AgentFactory())
        source = Customer.objects.get(pk=prospect.pk)
    before = (CustomerMerge.objects.count(), Event.objects.count())
    with pytest.raises(CustomerError) as refused:
        merge_prospect(source, into=target, by=AgentFactory())
    assert str(refused.value)
    assert (CustomerMerge.objects.count(), Event.objects.count()) == before
    if case != "twice":
        assert Case.objects.get(pk=prospect_case.pk).customer_id == prospect.pk
        assert Customer.objects.get(pk=prospect.pk).merged_into is None


@pytest.mark.django_db(transaction=True)
def test_two_advisors_merging_the_same_prospect_at_once_make_one_merge():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite locks the whole database)")
    first, second = CustomerFactory(), CustomerFactory()
    prospect, case = _prospect_with_history()
    advisors = [AgentFactory(), AgentFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def merge(into, by):
        barrier.wait()
        try:
            merge_prospect(Customer.objects.get(pk=prospect.pk), into=into, by=by)
            outcomes.append("merged")
        except CustomerError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=merge, args=(first, advisors[0])),
        threading.Thread(target=merge, args=(second, advisors[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["merged", "refused"]
    merge = CustomerMerge.objects.get()
    assert Case.objects.get(pk=case.pk).customer_id == merge.into_id
    assert Event.objects.filter(kind=Event.Kind.CUSTOMER_ATTACHED).count() == 1

import pytest

from filrouge.channels.identity import create_prospect, identify
from filrouge.channels.message import Sender
from filrouge.customers.models import ContactPoint, Customer
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_a_sender_is_matched_on_the_exact_normalised_email():
    point = EmailFactory(value="anne.client@exemple.fr")
    assert identify(Sender(email="anne.client@exemple.fr")) == point.customer


def test_a_sender_is_matched_on_the_e164_phone():
    point = PhoneFactory(value="+33612345678")
    assert identify(Sender(phone="+33612345678")) == point.customer


def test_a_sender_is_matched_on_the_social_handle():
    point = EmailFactory(kind=ContactPoint.Kind.SOCIAL, value="mastodon:@anne@piaille.fr")
    assert identify(Sender(handle="mastodon:@anne@piaille.fr")) == point.customer


def test_a_same_name_or_a_similar_address_is_not_a_match():
    customer = CustomerFactory(first_name="Anne", last_name="Client")
    EmailFactory(customer=customer, value="anne.client@exemple.fr")
    assert identify(Sender(email="anne.client@exemple.com", name="Anne Client")) is None
    assert identify(Sender(email="client@exemple.fr")) is None


def test_an_unknown_sender_gets_a_prospect_file_holding_their_address():
    prospect = create_prospect(Sender(email="inconnu@exemple.fr", name="Paul Inconnu"))
    assert prospect.is_prospect
    assert (prospect.first_name, prospect.last_name) == ("Paul", "Inconnu")
    assert identify(Sender(email="inconnu@exemple.fr")) == prospect


def test_a_second_prospect_for_the_same_sender_is_the_first_one():
    first = create_prospect(Sender(email="inconnu@exemple.fr"))
    again = create_prospect(Sender(email="inconnu@exemple.fr"))
    assert again == first
    assert Customer.objects.filter(is_prospect=True).count() == 1

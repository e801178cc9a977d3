import datetime as dt

import pytest
import time_machine

from filrouge.customers.models import Address, ContactPoint, Customer
from filrouge.customers.normalise import (
    InvalidContact,
    normalise_email,
    normalise_phone,
    normalise_postcode,
)
from filrouge.customers.selectors import current_address, search_customers
from filrouge.customers.services import (
    CustomerError,
    add_contact_point,
    create_customer,
    move_customer,
)
from filrouge.customers.tests.factories import AddressFactory, CustomerFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("01 40 00 00 00", "+33140000000"),
    ],
)
def test_french_phones_become_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12", "06 12 34", "bonjour", "+33 6 12 34 56 78 90 12"])
def test_malformed_phones_are_refused_with_a_message(raw):
    with pytest.raises(InvalidContact, match="téléphone|phone"):
        normalise_phone(raw)


def test_emails_are_lower_cased_and_checked():
    assert normalise_email("  Marie.Dupont@Exemple.FR ") == "marie.dupont@exemple.fr"
    with pytest.raises(InvalidContact):
        normalise_email("marie.dupont@")


@pytest.mark.parametrize("raw", ["7501", "750111", "00100", "99000", "ABCDE"])
def test_bad_postcodes_are_refused(raw):
    with pytest.raises(InvalidContact):
        normalise_postcode(raw)


def test_postcodes_keep_five_digits():
    assert normalise_postcode("75 011") == "75011"
    assert normalise_postcode("01000") == "01000"


@pytest.mark.django_db
def test_create_customer_normalises_contacts_and_refuses_bad_ones_whole():
    customer = create_customer(
        first_name="Zoé",
        last_name="Lefèvre",
        account_number="C1",
        phone="06 12 34 56 78",
        email="Zoe@Exemple.fr",
    )
    values = set(customer.contact_points.values_list("value", flat=True))
    assert values == {"+33612345678", "zoe@exemple.fr"}
    assert customer.search_name == "lefevre zoe"
    with pytest.raises(InvalidContact):
        create_customer(first_name="A", last_name="B", account_number="C2", phone="12")
    assert not Customer.objects.filter(account_number="C2").exists()


@pytest.mark.django_db
def test_a_contact_point_belongs_to_one_customer_only():
    first, second = CustomerFactory(), CustomerFactory()
    add_contact_point(first, kind=ContactPoint.Kind.PHONE, value="0612345678")
    with pytest.raises(CustomerError):
        add_contact_point(second, kind=ContactPoint.Kind.PHONE, value="+33 6 12 34 56 78")


@pytest.mark.django_db
def test_a_move_keeps_the_old_address_and_makes_the_new_one_current_from_its_date():
    customer = CustomerFactory()
    old = AddressFactory(customer=customer, valid_from=dt.date(2021, 3, 1))
    new = move_customer(
        customer,
        line1="3 place du Marché",
        postcode="93100",
        commune="Montreuil",
        on=dt.date(2026, 12, 15),
    )
    old.refresh_from_db()
    assert old.valid_to == dt.date(2026, 12, 15)
    assert Address.objects.filter(customer=customer).count() == 2
    assert current_address(customer, on=dt.date(2026, 12, 14)) == old
    assert current_address(customer, on=dt.date(2026, 12, 15)) == new
    with time_machine.travel(dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC)):
        assert current_address(customer) == new


@pytest.mark.django_db
def test_a_move_with_a_bad_postcode_or_date_changes_nothing():
    customer = CustomerFactory()
    old = AddressFactory(customer=customer, valid_from=dt.date(2021, 3, 1))
    with pytest.raises(InvalidContact):
        move_customer(
            customer,
            line1="1 rue X",
            postcode="9310",
            commune="Montreuil",
            on=dt.date(2026, 12, 15),
        )
    with pytest.raises(CustomerError):
        move_customer(
            customer, line1="1 rue X", postcode="93100", commune="Montreuil", on=dt.date(2020, 1, 1)
        )
    old.refresh_from_db()
    assert old.valid_to is None
    assert customer.addresses.count() == 1


@pytest.mark.django_db
def test_search_finds_customers_by_phone_email_name_and_account():
    zoe = create_customer(
        first_name="Zoé",
        last_name="Lefèvre",
        account_number="C100",
        phone="0612345678",
        email="zoe@exemple.fr",
    )
    create_customer(first_name="Paul", last_name="Martin", account_number="C101")
    assert list(search_customers("06 12 34 56 78")) == [zoe]
    assert list(search_customers("ZOE@exemple.fr")) == [zoe]
    assert list(search_customers("lefev")) == [zoe]
    assert list(search_customers("Lefèvre Zo")) == [zoe]
    assert list(search_customers("c100")) == [zoe]
    assert list(search_customers("")) == []
    assert list(search_customers("nobody@nowhere.fr")) == []

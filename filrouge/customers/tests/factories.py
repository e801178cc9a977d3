import datetime

import factory

from filrouge.customers.models import Address, ContactPoint, Customer, Line
from filrouge.customers.services import search_name_for


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    account_number = factory.Sequence(lambda n: f"C{n:09d}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    search_name = factory.LazyAttribute(lambda o: search_name_for(o.first_name, o.last_name))


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    kind = ContactPoint.Kind.PHONE
    value = factory.Sequence(lambda n: f"+336{n % 100000000:08d}")
    is_primary = True


class EmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    kind = ContactPoint.Kind.EMAIL
    value = factory.Sequence(lambda n: f"client{n}@exemple.fr")
    is_primary = True


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    line1 = "12 rue de la Roquette"
    postcode = "75011"
    commune = "Paris"
    valid_from = datetime.date(2020, 1, 1)


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"FTTH{n:08d}")
    product = Line.Product.FIBRE

"""`filrouge replay_samples x` against a live server: signed, accepted, filed."""

from io import StringIO

import pytest
from django.core.management import call_command

from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound
from filrouge.customers.models import ContactPoint
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_recorded_x_samples_land_on_the_demo_customers_case(live_server, settings):
    settings.X_CONSUMER_SECRET = "replay-secret"
    customer = PhoneFactory(value="+33698765432").customer
    out = StringIO()
    call_command("replay_samples", "x", url=live_server.url, phone="0698765432", stdout=out)
    assert out.getvalue().count("HTTP 200") == 2, out.getvalue()
    handle = ContactPoint.objects.get(customer=customer, kind="social").value
    assert handle == f"x:7{customer.pk:09d}"
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)
    inbound = list(InboundMessage.objects.order_by("pk"))
    assert [i.is_public for i in inbound] == [True, False]
    assert {i.state for i in inbound} == {"processed"}
    assert {i.case.customer for i in inbound} == {customer}

"""`filrouge replay_samples whatsapp` against a live server: the samples land and file."""

from io import StringIO

import pytest
from django.core.management import call_command

from filrouge.cases.models import Case
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_recorded_whatsapp_samples_land_on_the_given_customers_case(live_server, settings):
    settings.WHATSAPP_APP_SECRET = "replay-secret"
    customer = PhoneFactory(value="+33698765432").customer
    out = StringIO()
    call_command(
        "replay_samples", "whatsapp", url=live_server.url, phone="06 98 76 54 32", stdout=out
    )
    assert out.getvalue().count("HTTP 200") == 3, out.getvalue()
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"processed"}
    assert set(Case.objects.values_list("customer", flat=True)) == {customer.pk}

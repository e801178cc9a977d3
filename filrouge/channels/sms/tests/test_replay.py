"""`filrouge replay_samples sms` against a live server: the samples land, signed, and file."""

from io import StringIO

import pytest
from django.core.management import call_command

from filrouge.cases.models import Case, Event
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_recorded_sms_samples_land_on_the_demo_customers_case(live_server, settings):
    settings.SMS_VONAGE_SIGNATURE_SECRET = "replay-secret"
    PhoneFactory(value="+33142000000")  # a landline: not who texts
    customer = PhoneFactory(value="+33698765432").customer
    out = StringIO()
    call_command("replay_samples", "sms", url=live_server.url, stdout=out)
    assert out.getvalue().count("HTTP 204") == 4, out.getvalue()
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)
    assert set(Case.objects.values_list("customer", flat=True)) == {customer.pk}
    bodies = Event.objects.filter(kind=Event.Kind.MESSAGE_IN).values_list("data__body", flat=True)
    assert len(bodies) == 2  # the short message, and the long one joined from its 3 parts
    call_command("replay_samples", "sms", url=live_server.url, keep_ids=True, stdout=StringIO())
    call_command("replay_samples", "sms", url=live_server.url, keep_ids=True, stdout=StringIO())
    assert InboundMessage.objects.count() == 4 + 4  # recorded ids: the second replay is dropped

"""`filrouge replay_samples mastodon`: a stand-in instance read by the real poller; the
samples land on the demo customer's case, who gets a Mastodon handle if they had none."""

from io import StringIO

import pytest
from django.core.management import call_command

from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound
from filrouge.customers.models import ContactPoint
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db


def _replay(**options) -> str:
    out = StringIO()
    call_command("replay_samples", "mastodon", phone="06 98 76 54 32", stdout=out, **options)
    return out.getvalue()


def test_the_recorded_mastodon_samples_land_on_the_demo_customers_cases():
    customer = PhoneFactory(value="+33698765432").customer
    assert "3 new" in _replay()
    handle = ContactPoint.objects.get(customer=customer, kind="social").value
    assert handle == f"@client{customer.pk}@piaille.fr"
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)
    inbound = list(InboundMessage.objects.order_by("pk"))
    assert {i.state for i in inbound} == {"processed"}
    assert {i.case.customer for i in inbound} == {customer}
    public, direct = inbound[1], inbound[2]  # oldest first: Marie's public post, her DM
    assert (public.is_public, public.personal_data) == (True, ["phone", "address"])
    assert (direct.is_public, direct.route, direct.case) == (False, "reply", public.case)


def test_each_replay_lands_again_unless_the_ids_are_kept():
    PhoneFactory(value="+33698765432")
    _replay()
    assert "3 new" in _replay()  # fresh ids, past the saved cursor
    out = _replay(keep_ids=True)
    assert "3 new" in out
    assert "3 already stored" in _replay(keep_ids=True)

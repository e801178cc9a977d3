"""`filrouge simulate storm`: SMS from customers of one element, filed like real ones."""

import pytest
from django.core.management import CommandError, call_command

from filrouge.cases.models import Intent
from filrouge.channels.models import InboundMessage
from filrouge.customers.tests.factories import LineFactory, PhoneFactory
from filrouge.detection.models import Suspicion
from filrouge.detection.tests.helpers import network

pytestmark = pytest.mark.django_db


def customers_with_mobiles(element, n):
    for _i in range(n):
        line = LineFactory(network_element=element)
        PhoneFactory(customer=line.customer)


def test_a_storm_on_a_cable_files_sms_and_raises_a_suspicion_on_it(capsys):
    net = network(pms=1, cables=2)
    cable = net.cables[0][1]
    customers_with_mobiles(cable, 4)
    customers_with_mobiles(net.cables[0][0], 2)  # not under the cable: never texting

    call_command("simulate", "storm", "--element", cable.code, "--contacts", "4", "--rate", "6000")

    inbound = list(InboundMessage.objects.select_related("case"))
    assert len(inbound) == 4
    assert {m.state for m in inbound} == {InboundMessage.State.PROCESSED}
    assert {m.case.intent for m in inbound} == {Intent.OUTAGE}
    assert len({m.case.customer_id for m in inbound}) == 4
    assert {m.case.line.network_element_id if m.case.line else None for m in inbound} <= {
        cable.pk,
        None,
    }
    suspicion = Suspicion.objects.get()
    assert suspicion.element == cable
    assert suspicion.cases.count() == 4
    out = capsys.readouterr().out
    assert "4/4 SMS de +336" in out
    assert f"Incident suspecté sur Câble fibre {cable.code}" in out


def test_a_storm_on_an_unknown_element_or_without_customers_is_refused():
    net = network(pms=1, cables=1)
    with pytest.raises(CommandError, match="Aucun élément de réseau"):
        call_command("simulate", "storm", "--element", "PM-NULLE-PART")
    with pytest.raises(CommandError, match="Aucun client avec un numéro de mobile"):
        call_command("simulate", "storm", "--element", net.pms[0].code)
    assert not InboundMessage.objects.exists()


def test_sms_filed_together_by_the_batch_path_are_counted_once_each():
    from filrouge.channels.batch import process_batch
    from filrouge.channels.services import store_inbound
    from filrouge.detection.storm import mobiles_under, vonage_payload

    net = network(pms=1, cables=1)
    cable = net.cables[0][0]
    customers_with_mobiles(cable, 3)
    ids = [
        store_inbound(
            channel="sms",
            external_id=f"batch-{n}",
            payload=vonage_payload(phone, "Plus d'internet depuis ce matin", f"batch-{n}"),
        )[0].pk
        for n, phone in enumerate(mobiles_under(cable))
    ]

    outcome = process_batch(ids)

    assert outcome.left == []
    suspicion = Suspicion.objects.get()
    assert suspicion.element == cable
    assert suspicion.customers == 3
    assert suspicion.cases.count() == 3


def test_a_batch_locks_the_loads_once_however_many_passes_it_takes(monkeypatch):
    """A customer texts twice in one batch: the second message waits for a second pass
    over the same transaction. The loads are still locked once for the batch, in one
    order, so that two workers filing at once never lock them in opposite orders."""
    from filrouge.channels.batch import process_batch
    from filrouge.channels.services import store_inbound
    from filrouge.detection import store
    from filrouge.detection.storm import mobiles_under, vonage_payload

    net = network(pms=1, cables=1)
    cable = net.cables[0][0]
    customers_with_mobiles(cable, 3)
    phones = list(mobiles_under(cable))
    texts = [(phones[0], "Plus d'internet"), *((p, "Plus d'internet") for p in phones)]
    ids = [
        store_inbound(
            channel="sms",
            external_id=f"passes-{n}",
            payload=vonage_payload(phone, text, f"passes-{n}"),
        )[0].pk
        for n, (phone, text) in enumerate(texts)
    ]
    locked = []
    lock_loads = store.lock_loads
    monkeypatch.setattr(
        store, "lock_loads", lambda ids, **kw: locked.append(ids) or lock_loads(ids, **kw)
    )

    outcome = process_batch(ids)

    assert outcome.left == []
    assert set(outcome.states.values()) == {"processed"}
    assert InboundMessage.objects.values("case").distinct().count() == 3
    assert len(locked) == 1  # one locking pass for the four reports
    assert locked[0] == sorted(locked[0])
    assert Suspicion.objects.get().customers == 3

"""Subscriptions by e-mail or SMS: double opt-in, one-click unsubscribe, and the notices of each
update — read from a real local SMTP server and from the exact requests Vonage receives."""

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.core.clock import now
from filrouge.incidents.services import post_update
from filrouge.statuspage import fanout, services, tokens
from filrouge.statuspage.models import Notice, Subscription
from filrouge.statuspage.tests.helpers import cut_in_paris11, world

SAMPLES = Path(__file__).parents[2] / "channels" / "sms" / "tests" / "samples"


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def vonage(settings):
    fake = FakeProvider(default=Answer(200, (SAMPLES / "send_response.json").read_bytes()))
    fake.start()
    settings.SMS_VONAGE_BASE_URL = fake.url
    settings.SMS_VONAGE_API_KEY, settings.SMS_VONAGE_API_SECRET = "abcd1234", "api-s3cret"
    settings.CHANNELS_HTTP_TIMEOUT = 0.5
    yield fake
    fake.stop()


@pytest.fixture
def public(settings):
    settings.FILROUGE_PUBLIC_URL = "https://www.operateur.example"


def _path(url: str) -> str:
    return url.removeprefix("https://www.operateur.example")


def _link(text: str, part: str) -> str:
    return next(w for w in text.split() if part in w)


@pytest.mark.django_db(transaction=True)
def test_an_email_subscription_is_confirmed_by_its_link_then_told_each_update(mail_sink, public):
    w = world()
    page = Client().post(
        "/etat-du-reseau/abonnement/",
        {"place": "75011", "channel": "email", "address": "  Lucie.Martin@Exemple.fr "},
    )
    assert page.status_code == 200
    assert "Consultez vos e-mails" in page.content.decode()
    incident = cut_in_paris11(w)  # before confirming: not for her
    _work()
    (confirmation,) = mail_sink.messages()
    assert confirmation["To"] == "lucie.martin@exemple.fr"
    link = _path(_link(confirmation.get_content(), "/confirmer/"))
    assert Client().get(link).status_code == 200  # a link scanner's GET confirms nothing
    assert Subscription.objects.get().state == "pending"
    assert "Abonnement confirmé" in Client().post(link).content.decode()

    post_update(incident, text="Le câble est remplacé, retour prévu ce soir.", status="identified")
    _work()
    _work()
    notice = mail_sink.messages()[-1]
    assert len(mail_sink.messages()) == 2
    assert "Le câble est remplacé, retour prévu ce soir." in notice.get_content()
    assert "Coupure fibre rue Oberkampf" in notice["Subject"]
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = _path(str(notice["List-Unsubscribe"]).strip().strip("<>"))
    assert _path(_link(notice.get_content(), "/desabonner/")) == unsubscribe

    # The mail client's own button: a POST without any form token (RFC 8058).
    assert (
        Client(enforce_csrf_checks=True)
        .post(unsubscribe, {"List-Unsubscribe": "One-Click"})
        .status_code
        == 200
    )
    assert Subscription.objects.get().state == "unsubscribed"
    post_update(incident, text="Rétabli.", status="resolved")
    _work()
    _work()
    assert len(mail_sink.messages()) == 2


@pytest.mark.django_db(transaction=True)
# SMS notices wait for the end of the quiet hours (21:00–08:00 Paris): run at midday.
@time_machine.travel(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
def test_an_sms_subscription_is_confirmed_by_the_code_typed_back_on_the_page(vonage):
    w = world()
    response = Client().post(
        "/etat-du-reseau/abonnement/",
        {"place": "Paris 11e arrondissement", "channel": "sms", "address": "06 12 34 56 78"},
    )
    assert response.status_code == 302
    code_page = response["Location"]
    _work()
    (sent,) = vonage.received
    assert sent.form["to"] == "33612345678"
    code = re.search(r"\b(\d{6})\b", sent.form["text"]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    refused = Client().post(code_page, {"code": wrong})
    assert refused.status_code == 400
    assert "Essais restants : 4" in refused.content.decode()
    assert Subscription.objects.get().code_tries == 1
    assert "Abonnement confirmé" in Client().post(code_page, {"code": code}).content.decode()
    subscription = Subscription.objects.get()
    assert (subscription.state, subscription.commune) == ("confirmed", "Paris 11e Arrondissement")

    cut_in_paris11(w)
    _work()
    _work()
    notice = vonage.received[-1].form
    assert notice["text"].startswith("Fil Rouge · Paris 11e Arrondissement · Coupure fibre")
    assert "/desabonner/" in notice["text"]
    assert notice["client-ref"] == f"statuspage-{Notice.objects.get().pk}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "address", "place", "message"),
    [
        ("email", "lucie@", "75011", "n’est pas une adresse e-mail valide"),
        ("sms", "06 12", "75011", "n’est pas un numéro de téléphone"),
        ("sms", "01 40 00 00 00", "75011", "n'est pas un numéro de mobile"),
        ("email", "lucie@exemple.fr", "99999", "aucune commune ayant le code postal « 99999 »"),
        ("email", "lucie@exemple.fr", "Atlantide", "aucune commune nommée « Atlantide »"),
    ],
)
def test_malformed_addresses_and_unknown_places_are_refused_clearly(
    channel, address, place, message
):
    world()
    response = Client().post(
        "/etat-du-reseau/abonnement/", {"place": place, "channel": channel, "address": address}
    )
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_a_code_too_late_or_after_five_wrong_tries_confirms_nothing():
    world()
    subscription = services.subscribe(channel="sms", address="0612345678", place="75011")
    right = tokens.sms_code(subscription)
    late = time_machine.travel(now() + timedelta(minutes=31))
    with late, pytest.raises(services.SubscriptionError, match="expiré"):
        services.check_code(subscription, right)
    for _try in range(services.CODE_TRIES):
        with pytest.raises(services.WrongCode):
            services.check_code(subscription, "999999" if right != "999999" else "888888")
    with pytest.raises(services.SubscriptionError, match="Trop de codes erronés"):
        services.check_code(subscription, right)
    assert Subscription.objects.get().state == "pending"


@pytest.mark.django_db
def test_forged_links_open_nothing():
    world()
    subscription = services.subscribe(channel="email", address="a@exemple.fr", place="75011")
    token = tokens.make(tokens.CONFIRM, subscription)
    for path in [
        f"/etat-du-reseau/abonnement/{token}x/confirmer/",
        f"/etat-du-reseau/abonnement/{token}/desabonner/",  # a confirm token does not unsubscribe
        f"/etat-du-reseau/abonnement/{subscription.pk + 1}-{token.split('-')[1]}/confirmer/",
    ]:
        assert Client().post(path).status_code == 404
    assert Subscription.objects.get().state == "pending"


def _confirmed(n: int) -> list[Subscription]:
    found = []
    for i in range(n):
        s = services.subscribe(channel="email", address=f"voisin{i}@exemple.fr", place="75011")
        found.append(services.confirm(s))
    return found


@pytest.mark.django_db(transaction=True)
def test_fan_out_run_twice_tells_each_subscriber_once(mail_sink, monkeypatch):
    monkeypatch.setattr(fanout, "BATCH", 2)
    w = world()
    _confirmed(5)
    services.confirm(
        services.subscribe(channel="email", address="ailleurs@exemple.fr", place="94300")
    )
    _work()  # the confirmation mails
    before = len(mail_sink.messages())
    incident = cut_in_paris11(w)
    update = incident.updates.get()
    _work()  # plans once (3 batches of 2), sends
    assert fanout.plan(update.pk) == 0  # again: no new notice, nothing left queued
    queued = list(Notice.objects.values_list("pk", flat=True))
    assert fanout.send_batch(queued) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 5}
    _work()
    assert Notice.objects.filter(state="sent").count() == 5
    assert len(mail_sink.messages()) - before == 5  # not the Vincennes subscriber, nobody twice


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_no_duplicate_and_the_sweep_finishes(mail_sink):
    w = world()
    _confirmed(3)
    _work()
    before = len(mail_sink.messages())
    with time_machine.travel(now() - timedelta(minutes=20)):
        incident = cut_in_paris11(w)
        update = incident.updates.get()
        fanout.plan(update.pk)  # notices written; their batch task will be "lost"
        first, second, third = Notice.objects.order_by("pk")
        # A worker claimed the first notice and died before saying whether it was sent.
        Notice.objects.filter(pk=first.pk).update(state="sending", claimed_at=now())
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path__endswith="send_batch").delete()  # the lost batch
    assert fanout.sweep() == {"interrupted": 1, "requeued": 2, "batches": 1}
    _work()
    states = dict(Notice.objects.values_list("pk", "state"))
    assert states == {first.pk: "failed", second.pk: "sent", third.pk: "sent"}
    assert len(mail_sink.messages()) - before == 2
    assert fanout.sweep() == {"interrupted": 0, "requeued": 0, "batches": 0}


@pytest.mark.django_db
def test_one_phone_cannot_be_flooded_by_typing_it_for_every_commune():
    world()
    places = ["75011", "75012", "94300", "Vincennes", "Paris 12e Arrondissement"]
    for place in places[:3]:
        for _again in range(2):
            services.subscribe(channel="sms", address="0612345678", place=place)
    with pytest.raises(services.SubscriptionError, match="Trop de confirmations"):
        services.subscribe(channel="sms", address="0612345678", place="Paris 11e Arrondissement")
    assert Subscription.objects.count() == 3


@pytest.mark.django_db
def test_too_many_subscription_requests_from_one_address_are_refused(settings):
    from django.core.cache import cache

    cache.clear()
    world()
    client = Client(REMOTE_ADDR="203.0.113.9")
    form = {"place": "75011", "channel": "email", "address": "pas-une-adresse"}
    for _n in range(20):
        assert client.post("/etat-du-reseau/abonnement/", form).status_code == 400
    limited = client.post("/etat-du-reseau/abonnement/", form)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "3600"
    assert (
        Client(REMOTE_ADDR="203.0.113.10").post("/etat-du-reseau/abonnement/", form).status_code
        == 400
    )
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_sms_notices_wait_for_the_morning_and_only_the_latest_update_goes(vonage):
    import datetime as dt
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    night = dt.datetime(2026, 3, 10, 23, 0, tzinfo=paris)
    w = world()
    with time_machine.travel(night - dt.timedelta(hours=3), tick=False):
        services.confirm(services.subscribe(channel="sms", address="0612345678", place="75011"))
    with time_machine.travel(night, tick=False):
        incident = cut_in_paris11(w)
        _work()
    with time_machine.travel(night + dt.timedelta(hours=2), tick=False):
        post_update(incident, text="Le câble est réparé, tests en cours.", status="monitoring")
        _work()
        assert vonage.received == []  # nobody woken up
        assert fanout.sweep()["requeued"] == 0  # waiting for the morning is not stalling
    with time_machine.travel(dt.datetime(2026, 3, 11, 8, 1, tzinfo=paris), tick=False):
        _work()
    (sent,) = vonage.received
    assert "Le câble est réparé, tests en cours." in sent.form["text"]
    states = sorted(Notice.objects.values_list("state", "error"))
    assert states == [("failed", "superseded by a newer update"), ("sent", "")]

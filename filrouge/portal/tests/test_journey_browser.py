"""Issue 4's whole journey in a real browser (Debian's Chromium, Playwright), at phone width:
the customer opens the tracking link from a notification e-mail caught by a local SMTP
server, books a technician slot, moves house and sees the visit follow, then cancels
their contract in three clicks and receives the acknowledgement by e-mail."""

import datetime as dt
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from filrouge.appointments.models import Appointment, HalfDay
from filrouge.appointments.selectors import first_bookable_day
from filrouge.appointments.tests.helpers import slot, world
from filrouge.cases.models import Status
from filrouge.cases.services import change_status
from filrouge.core.clock import now, today
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import EmailFactory
from filrouge.notifications.models import Notification
from filrouge.notifications.services import send_notification
from filrouge.selfcare.models import CancellationRequest
from filrouge.testing import browser_test

pytestmark = browser_test


@pytest.fixture
def sink(mail_sink):
    return mail_sink.folder


@pytest.fixture
def phone(open_page, live_server, settings):
    settings.FILROUGE_PUBLIC_URL = live_server.url  # the links in the e-mails open here
    cache.clear()
    return open_page(375, 740)


def _mails(folder: Path) -> list:
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_notified_then_books_moves_house_and_cancels_on_a_phone(phone, live_server, sink):
    w = world()
    customer = w.case.customer
    EmailFactory(customer=customer, value="lucie.martin@exemple.fr")
    customer.preferred_channel = Channel.EMAIL
    customer.save(update_fields=["preferred_channel"])
    day = first_bookable_day() + dt.timedelta(days=1)
    morning = slot(w.area, day=day, half=HalfDay.MORNING, capacity=2)

    # The advisor takes the case up: the customer is told by e-mail (after the minute
    # that groups changes: here the notice is made due at once and sent as its task
    # would, then the worker delivers it over SMTP).
    change_status(w.case, to=Status.IN_PROGRESS, by=w.case.owner)
    pending = Notification.objects.filter(case=w.case, state=Notification.State.PENDING)
    [notification] = pending
    pending.update(due_at=now())
    assert send_notification(notification.pk) == "sent"
    _run_worker()
    [notice] = _mails(sink)
    assert notice["To"] == "lucie.martin@exemple.fr"
    assert w.case.reference in notice["Subject"]
    link = re.search(r"(http://\S+/suivi/\S+\?t=[0-9a-f]{32})", notice.get_content())[1]

    # Open the link from the e-mail: the tracking page.
    phone.goto(link)
    phone.get_by_text(w.case.reference).first.wait_for()

    # Book a technician slot.
    phone.get_by_role("link", name="Prendre, déplacer ou annuler un rendez-vous technicien").click()
    phone.locator(f"form:has(input[name=slot][value='{morning.pk}']) button").click()
    phone.get_by_text("La visite est réservée.").wait_for()
    visit = Appointment.objects.get(case=w.case, state=Appointment.State.BOOKED)

    # Move house: the visit follows to the new address.
    phone.goto(link)
    phone.get_by_role("link", name="Déclarer mon déménagement").click()
    phone.get_by_label("Numéro et voie").fill("3 rue Neuve")
    phone.get_by_label("Code postal").fill(w.area.postcode)
    phone.get_by_label("Commune").fill(w.area.commune)
    phone.get_by_label("Date du déménagement").fill(today().isoformat())
    phone.get_by_role("button", name="Déclarer mon déménagement").click()
    phone.get_by_role("heading", name="Votre déménagement est enregistré").wait_for()
    visit.refresh_from_db()
    assert visit.address_text.startswith("3 rue Neuve")
    assert "3 rue Neuve" in phone.locator(".moved").inner_text()

    # Cancel the contract in three clicks, from the portal's footer.
    phone.goto(link)
    phone.locator("footer").get_by_role("link", name="Résilier votre contrat").click()
    phone.get_by_label("Vos prénom et nom").fill(customer.full_name)
    phone.get_by_label("Votre adresse e-mail").fill("lucie.martin@exemple.fr")
    phone.get_by_label("Référence du contrat (numéro de compte client)").fill(
        customer.account_number
    )
    phone.get_by_label("Numéro de la ligne à résilier").fill(w.line.number)
    phone.get_by_role("button", name="Continuer").click()
    phone.get_by_role("button", name="Confirmer la résiliation").click()
    phone.get_by_role("heading", name="Demande de résiliation reçue").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    request = CancellationRequest.objects.get(customer=customer)
    _run_worker()
    acknowledgement = [m for m in _mails(sink) if request.case.reference in m["Subject"]]
    assert len(acknowledgement) == 1
    assert "Votre contrat prend fin le" in acknowledgement[0].get_body(("plain",)).get_content()

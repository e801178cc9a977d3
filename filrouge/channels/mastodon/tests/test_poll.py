"""Polling mentions from a local server speaking Mastodon's API: the cursor is saved and
resumed, duplicates are one message, bad input changes nothing, the messages land."""

import copy
import json
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import CommandError, call_command

from filrouge.cases.models import Case, Event
from filrouge.channels.mastodon.poll import poll
from filrouge.channels.mastodon.transport import PAGE_SIZE, ProviderUnavailable
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import InboundMessage, SocialCursor
from filrouge.channels.services import process_inbound
from filrouge.customers.models import ContactPoint
from filrouge.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"


def _poll(settings):
    return poll(base_url=settings.MASTODON_BASE_URL, token=settings.MASTODON_ACCESS_TOKEN)


def _query(request) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(request.path).query)


def _cursor() -> str:
    return SocialCursor.objects.get(network="mastodon", account="127.0.0.1").position


def test_the_first_poll_reads_the_latest_mentions_and_saves_the_cursor(mastodon, settings):
    mastodon.then(200, SAMPLES / "notifications.json")
    result = _poll(settings)
    assert (result.stored, result.duplicates, result.position) == (2, 0, "34975863")
    (request,) = mastodon.received
    assert (request.method, urlsplit(request.path).path) == ("GET", "/api/v1/notifications")
    assert _query(request) == [("types[]", "mention"), ("limit", "40")]
    assert request.headers["Authorization"] == "Bearer mastodon-test-token"
    assert set(InboundMessage.objects.values_list("external_id", flat=True)) == {
        "mastodon:127.0.0.1:113049573410234567",
        "mastodon:127.0.0.1:113049485712345678",
    }
    assert _cursor() == "34975863"


def test_the_next_poll_resumes_after_the_cursor(mastodon, settings):
    mastodon.then(200, SAMPLES / "notifications.json").then(200, SAMPLES / "direct.json")
    _poll(settings)
    result = _poll(settings)
    assert ("min_id", "34975863") in _query(mastodon.received[1])
    assert (result.stored, _cursor()) == (1, "34975902")


def test_the_same_mentions_served_again_are_stored_once(mastodon, settings):
    mastodon.then(200, SAMPLES / "notifications.json").then(200, SAMPLES / "notifications.json")
    _poll(settings)
    SocialCursor.objects.update(position="")  # as if the cursor had been lost
    result = _poll(settings)
    assert (result.stored, result.duplicates) == (0, 2)
    assert InboundMessage.objects.count() == 2


def test_a_backlog_is_read_page_after_page_forward(mastodon, settings):
    (template,) = json.loads((SAMPLES / "direct.json").read_text())
    page = []
    for n in range(PAGE_SIZE):
        item = copy.deepcopy(template)
        item["id"], item["status"]["id"] = str(1000 + n), str(5000 + n)
        page.append(item)
    page.reverse()  # newest first, as Mastodon returns it
    mastodon.then(200, json.dumps(page).encode()).then(200, SAMPLES / "notifications.json")
    result = _poll(settings)
    assert result.pages == 2
    assert ("min_id", str(1000 + PAGE_SIZE - 1)) in _query(mastodon.received[1])
    assert (result.stored, _cursor()) == (PAGE_SIZE + 2, "34975863")


def test_an_unreadable_notification_is_skipped_and_the_rest_stored(mastodon, settings):
    local, remote = json.loads((SAMPLES / "notifications.json").read_text())
    local["status"]["visibility"] = "secret"
    mastodon.then(200, json.dumps([local, remote, "garbage"]).encode())
    result = _poll(settings)
    assert (result.stored, result.skipped, _cursor()) == (1, 2, "34975863")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b'{"error": "not a list"}', ProviderUnavailable),
        (200, b"<html>", ProviderUnavailable),
        (503, b"", ProviderUnavailable),
        (429, b'{"error": "Too many requests"}', ProviderUnavailable),
        (401, (SAMPLES / "error_unauthorized.json").read_bytes(), DeliveryRefused),
    ],
)
def test_a_failed_poll_changes_nothing(mastodon, settings, status, body, error):
    mastodon.then(200, SAMPLES / "notifications.json").then(status, body)
    _poll(settings)
    with pytest.raises(error):
        _poll(settings)
    assert (InboundMessage.objects.count(), _cursor()) == (2, "34975863")


def test_an_unreachable_instance_is_a_retryable_failure(mastodon, settings):
    mastodon.then(200, b"[]", delay=1.5)
    with pytest.raises(ProviderUnavailable):
        _poll(settings)
    assert not InboundMessage.objects.exists()


def test_polled_mentions_land_on_the_customers_case_public_posts_flagged(mastodon, settings):
    customer = CustomerFactory()
    ContactPoint.objects.create(customer=customer, kind="social", value="@marie@piaille.fr")
    mastodon.then(200, SAMPLES / "notifications.json")
    _poll(settings)
    for inbound in InboundMessage.objects.all():
        assert process_inbound(inbound.pk) == InboundMessage.State.PROCESSED
    marie = InboundMessage.objects.get(sender="@marie@piaille.fr")
    assert (marie.case.customer, marie.case.channel) == (customer, "social")
    assert (marie.is_public, marie.personal_data) == (True, ["phone", "address"])
    warning = marie.case.events.get(kind="personal_data_exposed")
    assert warning.visibility == Event.Visibility.INTERNAL
    assert warning.data["kinds"] == ["phone", "address"]
    assert "06 12" not in json.dumps(warning.data)
    assert "Paul Bert" not in json.dumps(warning.data)
    jeanne = InboundMessage.objects.get(sender="@jeanne@127.0.0.1")  # unknown: a prospect
    assert (jeanne.is_public, jeanne.personal_data) == (True, [])
    assert jeanne.case.customer.is_prospect
    assert not jeanne.case.events.filter(kind="personal_data_exposed").exists()
    assert Case.objects.count() == 2


def test_the_command_polls_once_and_says_what_it_did(mastodon):
    mastodon.then(200, SAMPLES / "notifications.json")
    out = StringIO()
    call_command("poll_mastodon", once=True, stdout=out)
    assert "2 new" in out.getvalue()
    assert "34975863" in out.getvalue()


def test_the_command_without_an_instance_configured_says_so(settings):
    settings.MASTODON_BASE_URL, settings.MASTODON_ACCESS_TOKEN = "", ""
    with pytest.raises(CommandError, match="MASTODON_BASE_URL"):
        call_command("poll_mastodon", once=True, stdout=StringIO())

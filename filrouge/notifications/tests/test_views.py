"""The unsubscribe page: a signed link, GET only shows, POST changes; a bad link reveals nothing."""

import pytest
from django.urls import reverse

from filrouge.customers.tests.factories import CustomerFactory
from filrouge.notifications import links
from filrouge.notifications.models import Preference
from filrouge.notifications.services import unsubscribe

pytestmark = pytest.mark.django_db


def _url(customer) -> str:
    return reverse("notifications:unsubscribe", args=[links.unsubscribe_token(customer)])


def test_opening_the_link_shows_the_choice_and_changes_nothing(client):
    customer = CustomerFactory()
    page = client.get(_url(customer))
    assert page.status_code == 200
    assert "Ne plus recevoir les nouvelles de mes dossiers" in page.content.decode()
    assert not Preference.objects.exists()


def test_confirming_unsubscribes_and_essential_messages_are_announced(client):
    customer = CustomerFactory()
    page = client.post(_url(customer), {"action": "unsubscribe"})
    assert page.status_code == 200
    text = page.content.decode().replace("\xa0", " ")
    assert "vous ne recevrez plus les nouvelles de vos dossiers" in text
    assert "Les messages essentiels vous parviennent toujours" in text
    assert Preference.objects.get(customer=customer).unsubscribed_at is not None


def test_an_unsubscribed_customer_can_subscribe_again(client):
    customer = CustomerFactory()
    unsubscribe(customer)
    page = client.post(_url(customer), {"action": "resubscribe"})
    assert "vous recevrez de nouveau" in page.content.decode().replace("\xa0", " ")
    assert Preference.objects.get(customer=customer).unsubscribed_at is None


def test_an_unknown_action_is_refused_and_changes_nothing(client):
    customer = CustomerFactory()
    page = client.post(_url(customer), {"action": "delete_everything"})
    assert page.status_code == 400
    assert "Choisissez l’un des boutons ci-dessous." in page.content.decode()
    assert not Preference.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["1-00000000000000000000", "abc", "1", "-", "99999999-00000000000000000000", "١-00"],
)
def test_a_forged_or_altered_link_shows_a_neutral_page(client, token):
    customer = CustomerFactory()
    forged = f"{customer.pk}-{'0' * 20}"
    for attempt in (token, forged):
        page = client.post(
            reverse("notifications:unsubscribe", args=[attempt]), {"action": "unsubscribe"}
        )
        assert page.status_code == 404
        assert "Ce lien n’est pas valide." in page.content.decode()
    assert not Preference.objects.exists()


def test_the_link_of_one_customer_does_not_work_for_another(client):
    first, second = CustomerFactory(), CustomerFactory()
    token = links.unsubscribe_token(first)
    other = f"{second.pk}-{token.partition('-')[2]}"
    assert client.get(reverse("notifications:unsubscribe", args=[other])).status_code == 404


def test_the_page_needs_no_login_but_refuses_other_methods(client):
    assert client.put(_url(CustomerFactory())).status_code == 405

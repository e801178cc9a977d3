"""The suspected incidents page: who sees it, confirming and dismissing from it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from filrouge.accounts.models import Agent
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.detection.models import Suspicion
from filrouge.detection.templatetags.detection import chance, expected
from filrouge.detection.tests.helpers import T0, customers_on, network, reports_at
from filrouge.incidents.models import Incident
from filrouge.network.models import Area

pytestmark = pytest.mark.django_db
PAGE = reverse("detection:suspicions")


@pytest.fixture
def suspicion():
    net = network(pms=1, cables=2)
    net.cables[0][0].areas.add(Area.objects.create(postcode="75011", commune="Paris 11e"))
    cases = customers_on(net.cables[0][0], 3)
    reports_at(cases, T0, dt.timedelta(minutes=5))
    return Suspicion.objects.get()


@pytest.fixture
def lead(client):
    agent = AgentFactory(role=Agent.Role.LEAD)
    client.force_login(agent)
    return agent


def test_anonymous_people_are_sent_to_log_in_and_advisors_are_refused(client, suspicion):
    assert client.get(PAGE).status_code == 302
    assert client.post(reverse("detection:dismiss", args=[suspicion.pk])).status_code == 302
    client.force_login(AgentFactory(role=Agent.Role.AGENT))
    assert client.get(PAGE).status_code == 403
    assert client.post(reverse("detection:dismiss", args=[suspicion.pk])).status_code == 403
    suspicion.refresh_from_db()
    assert suspicion.status == Suspicion.Status.OPEN


def test_a_lead_sees_the_suspicion_its_figures_cases_and_a_french_proposal(client, lead, suspicion):
    page = client.get(PAGE).content.decode()

    assert f'href="{PAGE}"' in page  # in the main menu, for leads
    assert "CBL-PAR11-000-0" in page
    for link in suspicion.links.select_related("case"):
        assert link.case.reference in page
    assert "Panne sur Câble fibre CBL-PAR11-000-0 (Paris 11e)" in page
    assert "Nous avons connaissance d’une panne" in page
    # The figures as a French supervisor reads them, not as Python prints them.
    assert f"<dd>{chance(suspicion.p_value)}</dd>" in page
    assert " × 10⁻" in chance(suspicion.p_value)
    assert f"{suspicion.p_value:.1e}" not in page
    assert f"<dd>{expected(suspicion.expected)}</dd>" in page


def test_the_menu_counts_the_suspicions_waiting_for_a_decision(client, lead, suspicion):
    """Customers are told only once a suspicion is confirmed: a lead sees on every page how
    many wait; an advisor's menu has neither the link nor the count."""
    badge = '<span class="badge flag" title="À décider">1</span>'
    assert badge in client.get(reverse("agent:home")).content.decode()

    client.post(reverse("detection:dismiss", args=[suspicion.pk]))

    page = client.get(reverse("agent:home")).content.decode()
    assert f'href="{PAGE}"' in page
    assert 'class="badge flag"' not in page
    client.force_login(AgentFactory(role=Agent.Role.AGENT))
    assert f'href="{PAGE}"' not in client.get(reverse("agent:home")).content.decode()


@pytest.mark.parametrize(
    ("p", "french"),
    [(1.1e-10, "1,1 × 10⁻¹⁰"), (9.96e-5, "1,0 × 10⁻⁴"), (0.03, "0,03"), (0.0, "0")],
)
def test_a_probability_reads_with_a_comma_and_a_power_of_ten(p, french):
    with translation.override("fr"):
        assert chance(p) == french


@pytest.mark.parametrize(
    ("mu", "french"), [(0.0012, "0,0012"), (0.0272, "0,027"), (1.6119, "1,61"), (0.0, "0")]
)
def test_an_expected_count_keeps_two_significant_digits(mu, french):
    with translation.override("fr"):
        assert expected(mu) == french


def test_confirming_declares_the_incident_with_the_edited_title(client, lead, suspicion):
    response = client.post(
        reverse("detection:confirm", args=[suspicion.pk]),
        {
            f"s{suspicion.pk}-title": "Fibre coupée rue Oberkampf",
            f"s{suspicion.pk}-text": "Un câble a été sectionné par des travaux.",
            f"s{suspicion.pk}-impact": "critical",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert (incident.title, incident.impact) == ("Fibre coupée rue Oberkampf", "critical")
    assert incident.updates.get().text == "Un câble a été sectionné par des travaux."
    page = response.content.decode()
    assert f"Incident {incident.reference} déclaré" in page
    detail = reverse("incidents:detail", args=[incident.reference])
    assert f'href="{detail}"' in page  # the card links to the incident
    assert "commencé au premier signalement" in page
    assert incident.started_at == T0  # the first report, not the confirmation
    suspicion.refresh_from_db()
    assert suspicion.status == Suspicion.Status.CONFIRMED
    assert f'href="{detail}"' in client.get(PAGE).content.decode()  # recently decided


def test_confirming_without_a_title_says_why_and_declares_nothing(client, lead, suspicion):
    response = client.post(
        reverse("detection:confirm", args=[suspicion.pk]),
        {
            f"s{suspicion.pk}-title": "",
            f"s{suspicion.pk}-text": "x",
            f"s{suspicion.pk}-impact": "major",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    assert "Donnez un titre à l’incident." in response.content.decode()
    assert not Incident.objects.exists()


def test_dismissing_from_the_page_learns_the_reports(client, lead, suspicion):
    response = client.post(reverse("detection:dismiss", args=[suspicion.pk]))

    assert response.status_code == 302
    suspicion.refresh_from_db()
    assert (suspicion.status, suspicion.decided_by) == (Suspicion.Status.DISMISSED, lead)
    again = client.post(reverse("detection:dismiss", args=[suspicion.pk]), follow=True)
    assert "déjà été traité" in again.content.decode()

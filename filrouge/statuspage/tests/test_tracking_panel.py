"""“Is my line affected?” on the customer's tracking page (the `track.status` slot)."""

import pytest
from django.test import Client

from filrouge.cases.tests.factories import make_case
from filrouge.customers.tests.factories import LineFactory
from filrouge.incidents.services import post_update
from filrouge.portal.links import tracking_path
from filrouge.statuspage.tests.helpers import cut_in_paris11, world

pytestmark = pytest.mark.django_db


def _page(case) -> str:
    return Client().get(tracking_path(case)).content.decode()


def test_a_line_below_the_incident_s_element_is_told_so_with_the_latest_update(
    django_assert_max_num_queries,
):
    w = world()
    line = LineFactory(network_element=w.cable11)
    case = make_case(customer=line.customer, line=line)
    incident = cut_in_paris11(w)
    post_update(incident, text="Les soudures reprennent demain à 8 h.", status="identified")
    # The page's own, this panel's two, and one each for the other apps' panels of a
    # case with a line (the incident card, the partner ticket).
    with django_assert_max_num_queries(8):
        text = _page(case)
    assert f"Votre ligne {line.number} est touchée par un incident réseau" in text
    assert "Coupure fibre rue Oberkampf" in text
    assert "Les soudures reprennent demain à 8 h." in text


def test_a_line_elsewhere_reads_that_no_incident_is_known_on_it():
    w = world()
    line = LineFactory(network_element=w.pm12)
    case = make_case(customer=line.customer, line=line)
    cut_in_paris11(w)
    text = _page(case)
    assert f"Aucun incident réseau connu sur votre ligne {line.number}" in text


def test_once_resolved_the_line_is_no_longer_said_affected():
    w = world()
    line = LineFactory(network_element=w.cable11)
    case = make_case(customer=line.customer, line=line)
    post_update(cut_in_paris11(w), text="Rétabli.", status="resolved")
    assert "est touchée" not in _page(case)

"""Declaring an incident and publishing its updates; what it affects."""

import pytest

from filrouge.customers.tests.factories import LineFactory
from filrouge.incidents import selectors, services
from filrouge.incidents.models import Incident
from filrouge.incidents.services import IncidentError, declare_incident, post_update
from filrouge.network.services import add_element

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    nro = add_element(kind="nro", code="NRO-PAR11")
    pm = add_element(kind="pm", code="PM-PAR11-004", parent=nro)
    cable = add_element(kind="cable", code="CBL-PAR11-004-2", parent=pm)
    other = add_element(kind="pm", code="PM-PAR11-005", parent=nro)
    return nro, pm, cable, other


def test_an_incident_on_a_pm_affects_the_lines_below_it_and_no_others(tree):
    nro, pm, cable, other = tree
    on_cable = LineFactory(network_element=cable)
    on_pm = LineFactory(network_element=pm)
    LineFactory(network_element=other)

    incident = declare_incident(title="Coupure fibre", elements=[pm], text="Nous cherchons.")

    assert set(selectors.affected_lines(incident)) == {on_cable, on_pm}
    assert selectors.open_incident_for_line(on_cable) == incident
    assert incident.reference.startswith("INC-")
    assert incident.status == "investigating"
    assert incident.updates.get().text == "Nous cherchons."


def test_updates_follow_the_kind_and_the_last_one_closes_the_incident(tree):
    seen = []

    def note(sender, **kw):
        seen.append(kw["first"])

    services.update_published.connect(note)
    incident = declare_incident(title="Coupure", elements=[tree[1]], text="On cherche.")
    with pytest.raises(IncidentError):
        post_update(incident, text="Travaux", status=Incident.Status.COMPLETED)

    post_update(incident, text="Réparé.", status=Incident.Status.RESOLVED)

    incident.refresh_from_db()
    assert incident.is_over
    assert incident.resolved_at is not None
    assert seen[-2:] == [True, False]
    with pytest.raises(IncidentError, match="terminé"):
        post_update(incident, text="Encore ?")
    assert incident.updates.count() == 2
    services.update_published.disconnect(note)


@pytest.mark.parametrize(
    "change",
    [{"elements": []}, {"title": "  "}, {"text": ""}, {"impact": "apocalypse"}],
)
def test_a_bad_declaration_is_refused_and_writes_nothing(tree, change):
    fields = {"title": "Coupure", "elements": [tree[1]], "text": "On cherche."} | change
    with pytest.raises(IncidentError):
        declare_incident(**fields)
    assert not Incident.objects.exists()

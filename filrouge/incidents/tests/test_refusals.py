"""Bad dates and element codes: a French message, nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from filrouge.incidents.models import Incident, IncidentUpdate
from filrouge.incidents.services import (
    IncidentError,
    declare_incident,
    elements_from_codes,
    post_update,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"started_at": 2}, "Un incident ne peut pas commencer dans le futur"),
        ({"eta": -1}, "L’heure de rétablissement estimée est déjà passée."),
        ({"partner_promised_at": -3}, "La date promise par le partenaire est antérieure"),
        (
            {"kind": "maintenance", "started_at": 2, "scheduled_until": 1},
            "Des travaux programmés doivent finir après leur début.",
        ),
    ],
)
def test_dates_that_cannot_be_are_refused(tree, change, message):
    moment = timezone.now()
    fields = {"title": "Coupure", "elements": [tree[1]], "text": "On cherche."}
    for key, value in change.items():
        fields[key] = moment + timedelta(days=value) if isinstance(value, int) else value
    if "partner_promised_at" in change:
        fields["started_at"] = moment - timedelta(days=1)
    with pytest.raises(IncidentError, match=message):
        declare_incident(**fields)
    assert not Incident.objects.exists()


def test_planned_works_may_start_in_the_future(tree):
    later = timezone.now() + timedelta(days=3)
    works = declare_incident(
        title="Travaux",
        elements=[tree[1]],
        text="Travaux prévus.",
        kind="maintenance",
        started_at=later,
        scheduled_until=later + timedelta(hours=4),
    )
    assert works.status == "scheduled"


def test_element_codes_are_found_whatever_their_case_and_unknown_ones_are_named(tree):
    assert elements_from_codes("pm-par11-004, CBL-PAR11-004-2") == [tree[1], tree[2]]
    with pytest.raises(IncidentError, match="Élément de réseau inconnu : PM-X, CBL-Y."):
        elements_from_codes("PM-PAR11-004 pm-x cbl-y")
    with pytest.raises(IncidentError, match="au moins un élément"):
        elements_from_codes(" , ")


def test_an_update_with_a_past_eta_is_refused_and_changes_nothing(tree):
    incident = declare_incident(title="Coupure", elements=[tree[1]], text="On cherche.")
    with pytest.raises(IncidentError, match="déjà passée"):
        post_update(
            incident,
            text="Bientôt.",
            status="identified",
            eta=timezone.now() - timedelta(hours=1),
        )
    incident.refresh_from_db()
    assert incident.status == "investigating"
    assert IncidentUpdate.objects.filter(incident=incident).count() == 1

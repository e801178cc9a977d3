from datetime import UTC, datetime

import pytest

from filrouge.cases.models import Event
from filrouge.cases.tests.factories import make_case
from filrouge.core.bulk import bulk_insert

pytestmark = pytest.mark.django_db

AWKWARD = {
    "body": 'Il a dit "c\'est réparé" \\ mais non… 😡\nligne 2\t{"pas": [du, json]}',
    "nested": {"list": [1, 2.5, None, True, "é"], "empty": {}},
    "big": 2**53,
}


def test_bulk_insert_stores_each_row_as_written_and_sets_the_ids_in_order():
    cases = [make_case(), make_case()]
    at = datetime(2026, 12, 6, 3, 4, 5, 123456, tzinfo=UTC)
    events = [
        Event(
            case=case,
            customer_id=case.customer_id,
            kind=Event.Kind.NOTE,
            visibility=Event.Visibility.INTERNAL,
            actor_label=f"système {n}",
            channel="",
            data={**AWKWARD, "n": n},
            created_at=at,
        )
        for n, case in enumerate([*cases, cases[0]])
    ]
    before = Event.objects.count()
    assert bulk_insert(events) == events
    assert Event.objects.count() == before + 3
    for n, event in enumerate(events):
        assert event.pk is not None
        assert not event._state.adding
        stored = Event.objects.get(pk=event.pk)
        assert stored.data == {**AWKWARD, "n": n}  # the n-th object got the n-th row's id
        assert stored.case_id == event.case_id
        assert stored.customer_id == event.customer_id
        assert stored.actor_label == f"système {n}"
        assert stored.actor_id is None
        assert stored.created_at == at
        assert stored.kind == Event.Kind.NOTE


def test_bulk_insert_of_nothing_inserts_nothing():
    before = Event.objects.count()
    assert bulk_insert([]) == []
    assert Event.objects.count() == before

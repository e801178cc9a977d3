"""Queues: what each advisor sees first (never what they may open)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases import selectors
from filrouge.cases.models import Status
from filrouge.cases.services import break_promise, change_status, hand_over, make_promise
from filrouge.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db


def _refs(response):
    return {case.reference for case in response.context["cases"]}


def test_my_cases_is_the_default_queue_and_shows_only_my_open_cases(logged_in, agent):
    mine = make_case(owner=agent)
    someone_elses = make_case(owner=AgentFactory())
    closed = make_case(owner=agent)
    change_status(closed, to=Status.REJECTED, by=agent)
    response = logged_in.get("/agent/")
    assert response.status_code == 200
    assert _refs(response) == {mine.reference}
    page = response.content.decode()
    assert mine.reference in page
    assert someone_elses.reference not in page


def test_my_team_queue_shows_cases_of_my_team_whoever_owns_them(logged_in, agent):
    colleague = AgentFactory(team=agent.team)
    outsider = AgentFactory(team=TeamFactory())
    ours = make_case(owner=colleague)
    theirs = make_case(owner=outsider)
    response = logged_in.get("/agent/?queue=team")
    assert ours.reference in _refs(response)
    assert theirs.reference not in _refs(response)


def test_unassigned_queue_shows_cases_nobody_owns(logged_in, agent):
    orphan = make_case()
    owned = make_case(owner=agent)
    response = logged_in.get("/agent/?queue=unassigned")
    assert _refs(response) == {orphan.reference}
    assert owned.reference not in _refs(response)


def test_escalated_queue_shows_cases_whose_promise_was_broken(logged_in, agent):
    calm = make_case(owner=agent)
    hot = make_case(owner=agent)
    promise = make_promise(
        hot, by=agent, description="Rappel", due_at=timezone.now() + dt.timedelta(hours=1)
    )
    break_promise(promise, by=None, reason="overdue")
    response = logged_in.get("/agent/?queue=escalated")
    assert _refs(response) == {hot.reference}
    assert calm.reference not in _refs(response)


def test_an_unknown_queue_is_not_found(logged_in):
    assert logged_in.get("/agent/?queue=everything").status_code == 404


def test_a_full_page_links_to_the_next_one_and_pages_do_not_overlap(logged_in, agent, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    monkeypatch.setitem(selectors.queue.__kwdefaults__, "limit", 3)
    cases = [make_case(owner=agent) for _ in range(5)]
    first = logged_in.get("/agent/")
    cursor = first.context["next_cursor"]
    assert cursor
    assert "cursor=" in first.content.decode()
    second = logged_in.get("/agent/", {"queue": "mine", "cursor": cursor})
    assert not _refs(first) & _refs(second)
    assert _refs(first) | _refs(second) == {c.reference for c in cases}
    assert second.context["next_cursor"] == ""


def test_a_handed_over_case_leaves_my_queue_and_joins_the_new_owners(client, agent):
    other = AgentFactory()
    case = make_case(owner=agent)
    hand_over(case, to=other, by=agent, note="Attend le technicien jeudi")
    client.force_login(other)
    assert case.reference in _refs(client.get("/agent/"))
    client.force_login(agent)
    assert case.reference not in _refs(client.get("/agent/"))


@time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False)
def test_promises_page_lists_promises_due_today_and_broken_ones(logged_in, agent):
    case = make_case(owner=agent)
    soon = make_promise(
        case,
        by=agent,
        description="Rappeler la cliente",
        due_at=timezone.now() + dt.timedelta(minutes=5),
    )
    later = make_promise(
        case,
        by=agent,
        description="Visite technicien",
        due_at=timezone.now() + dt.timedelta(days=3),
    )
    broken = make_case(owner=agent)
    missed = make_promise(
        broken, by=agent, description="Envoyer la box", due_at=timezone.now() + dt.timedelta(days=1)
    )
    break_promise(missed, by=None, reason="overdue")
    response = logged_in.get("/agent/promesses/")
    assert response.status_code == 200
    page = response.content.decode()
    assert soon.description in page
    assert later.description not in page
    assert missed.description in page
    assert logged_in.get("/agent/promesses/?scope=mine").status_code == 200

"""Actions on a case: each one works, and a refused one changes nothing and says why."""

import datetime as dt

import pytest
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import Case, Event, Intent, Promise, Status
from filrouge.cases.services import add_note, change_status, make_promise
from filrouge.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(case, action):
    return f"/agent/dossiers/{case.reference}/{action}/"


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _post(client, case, action, prefix, **fields):
    data = {f"{prefix}-version": case.version} | {f"{prefix}-{k}": v for k, v in fields.items()}
    return client.post(_url(case, action), data)


def _last(case):
    return case.events.order_by("-pk").first()


def test_changing_the_status_records_it_and_redirects_to_the_case(logged_in, agent):
    case = make_case(owner=agent)
    response = _post(logged_in, case, "statut", "status", status=Status.IN_PROGRESS)
    assert response.status_code == 302
    assert response["Location"] == f"/agent/dossiers/{case.reference}/"
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert _last(case).actor == agent


def test_only_allowed_statuses_are_offered(logged_in, agent):
    case = make_case(owner=agent)
    form = logged_in.get(f"/agent/dossiers/{case.reference}/").context["forms"]["statut"]
    offered = [value for value, _label in form.fields["status"].widget.choices]
    assert offered == [Status.IN_PROGRESS, Status.REJECTED, Status.CANCELLED]


def test_an_illegal_transition_is_refused_with_a_clear_message(logged_in, agent):
    case = make_case(owner=agent)
    events = case.events.count()
    response = _post(logged_in, case, "statut", "status", status=Status.CLOSED)
    assert response.status_code == 400
    assert "ne peut pas passer" in response.content.decode() or "cannot go from" in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED
    assert case.events.count() == events


def test_a_stale_edit_is_refused_and_the_colleagues_change_is_kept(logged_in, agent):
    case = make_case(owner=agent)
    seen = case.version
    colleague = AgentFactory()
    change_status(case, to=Status.IN_PROGRESS, by=colleague)
    response = logged_in.post(
        _url(case, "statut"), {"status-version": seen, "status-status": Status.CANCELLED}
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    # The page shown again carries the fresh version and the colleague's change.
    assert f'name="status-version" value="{case.version}"' in response.content.decode()


@pytest.mark.parametrize(
    ("action", "prefix", "fields"),
    [
        ("note", "note", {"body": "Rappel prévu"}),
        ("reponse", "reply", {"channel": "sms", "body": "Nous revenons vers vous"}),
        ("etape", "step", {"text": "Attendre le technicien"}),
        ("intention", "intent", {"intent": Intent.BILLING}),
        ("promesse", "promise", {"description": "Rappel", "due_at": "2999-01-01T10:00"}),
    ],
)
def test_every_action_refuses_a_stale_version(logged_in, agent, action, prefix, fields):
    case = make_case(owner=agent)
    seen = case.version
    add_note(case, by=AgentFactory(), text="Un collègue est passé")
    case.refresh_from_db()
    events = case.events.count()
    data = {f"{prefix}-version": seen} | {f"{prefix}-{k}": v for k, v in fields.items()}
    response = logged_in.post(_url(case, action), data)
    assert response.status_code == 409
    assert case.events.count() == events
    assert not Promise.objects.exists()


def test_a_note_is_internal_and_signed(logged_in, agent):
    case = make_case(owner=agent)
    _post(logged_in, case, "note", "note", body="Client très mécontent, menace de partir")
    event = _last(case)
    assert event.kind == Event.Kind.NOTE
    assert event.visibility == Event.Visibility.INTERNAL
    assert event.actor == agent
    assert event.data["body"] == "Client très mécontent, menace de partir"


def test_an_empty_note_is_refused_and_nothing_is_written(logged_in, agent):
    case = make_case(owner=agent)
    events = case.events.count()
    response = _post(logged_in, case, "note", "note", body="   ")
    assert response.status_code == 400
    assert response.context["forms"]["note"].errors
    assert case.events.count() == events


def test_a_reply_records_an_outbound_message_on_the_chosen_channel(logged_in, agent):
    case = make_case(owner=agent)
    _post(logged_in, case, "reponse", "reply", channel="shop", body="Le technicien passe jeudi.")
    event = _last(case)
    assert event.kind == Event.Kind.MESSAGE_OUT
    assert event.channel == "shop"
    assert event.is_public
    assert event.data["body"] == "Le technicien passe jeudi."


def test_a_reply_on_a_channel_the_customer_cannot_receive_is_refused(logged_in, agent):
    case = make_case(owner=agent)  # no e-mail, no phone, no WhatsApp conversation
    before = case.events.count()
    response = _post(logged_in, case, "reponse", "reply", channel="whatsapp", body="Bonjour")
    assert response.status_code == 400
    assert case.events.count() == before


def test_a_handover_changes_the_owner_and_keeps_the_note(logged_in, agent):
    other = AgentFactory(team=TeamFactory(name="Litiges", slug="litiges"))
    case = make_case(owner=agent)
    response = _post(
        logged_in, case, "transfert", "handover", to=other.email, note="Avoir de 30 € à faire"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == other
    assert case.team.name == "Litiges"
    event = _last(case)
    assert event.kind == Event.Kind.HANDOVER
    assert event.data["note"] == "Avoir de 30 € à faire"
    assert event.actor == agent


def test_a_handover_without_a_note_is_refused_and_changes_nothing(logged_in, agent):
    other = AgentFactory()
    case = make_case(owner=agent)
    events = case.events.count()
    response = _post(logged_in, case, "transfert", "handover", to=other.email, note=" ")
    assert response.status_code == 400
    assert response.context["forms"]["transfert"].errors["note"]
    case.refresh_from_db()
    assert case.owner == agent
    assert case.events.count() == events


def test_any_advisor_can_take_an_unowned_case(logged_in, agent):
    case = make_case()
    response = _post(logged_in, case, "prendre", "take")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == agent


def test_taking_a_case_someone_owns_is_refused_with_a_pointer_to_handover(logged_in, agent):
    owner = AgentFactory()
    case = make_case(owner=owner)
    response = _post(logged_in, case, "prendre", "take")
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.owner == owner


def test_a_shop_advisor_of_another_team_can_act_on_any_case(logged_in, agent):
    stranger_team = TeamFactory(name="Support fibre Lyon", slug="support-fibre-lyon")
    case = make_case(owner=AgentFactory(team=stranger_team))
    assert logged_in.get(f"/agent/dossiers/{case.reference}/").status_code == 200
    _post(logged_in, case, "note", "note", body="Client passé en boutique")
    assert _last(case).actor == agent


def test_the_next_step_is_set_with_an_optional_due_date(logged_in, agent):
    case = make_case(owner=agent)
    due = timezone.now() + dt.timedelta(days=2)
    _post(logged_in, case, "etape", "step", text="Déplacer le compte", due=_local(due))
    case.refresh_from_db()
    assert case.next_step == "Déplacer le compte"
    assert case.next_step_due is not None


def test_a_promise_is_recorded_with_its_due_date(logged_in, agent):
    case = make_case(owner=agent)
    due = timezone.now() + dt.timedelta(days=2)
    response = _post(
        logged_in, case, "promesse", "promise", description="Technicien jeudi", due_at=_local(due)
    )
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert promise.description == "Technicien jeudi"
    assert promise.made_by == agent
    assert abs((promise.due_at - due).total_seconds()) < 60


def test_a_promise_in_the_past_is_refused_with_a_form_error(logged_in, agent):
    case = make_case(owner=agent)
    past = timezone.now() - dt.timedelta(hours=1)
    response = _post(
        logged_in, case, "promesse", "promise", description="Rappel", due_at=_local(past)
    )
    assert response.status_code == 400
    assert response.context["forms"]["promesse"].errors["due_at"]
    assert not Promise.objects.exists()


def test_a_promise_is_marked_kept_or_broken_and_a_broken_one_escalates(logged_in, agent):
    case = make_case(owner=agent)
    soon = timezone.now() + dt.timedelta(days=1)
    first = make_promise(case, by=agent, description="Rappel", due_at=soon)
    second = make_promise(case, by=agent, description="Box", due_at=soon)
    case.refresh_from_db()
    url = f"/agent/dossiers/{case.reference}/promesse/{first.pk}/tenue/"
    assert logged_in.post(url, {"settle-version": case.version}).status_code == 302
    case.refresh_from_db()
    url = f"/agent/dossiers/{case.reference}/promesse/{second.pk}/rompue/"
    logged_in.post(url, {"settle-version": case.version})
    first.refresh_from_db()
    second.refresh_from_db()
    case.refresh_from_db()
    assert first.state == Promise.State.KEPT
    assert first.settled_by == agent
    assert second.state == Promise.State.BROKEN
    assert case.escalated_at is not None


def test_settling_a_promise_on_a_stale_page_is_refused(logged_in, agent):
    case = make_case(owner=agent)
    promise = make_promise(
        case, by=agent, description="Rappel", due_at=timezone.now() + dt.timedelta(days=1)
    )
    url = f"/agent/dossiers/{case.reference}/promesse/{promise.pk}/tenue/"
    logged_in.post(url, {"settle-version": 1})
    promise.refresh_from_db()
    assert promise.state == Promise.State.OPEN


def test_a_promise_of_another_case_is_not_found(logged_in, agent):
    case, other = make_case(owner=agent), make_case(owner=agent)
    promise = make_promise(
        other, by=agent, description="Rappel", due_at=timezone.now() + dt.timedelta(days=1)
    )
    url = f"/agent/dossiers/{case.reference}/promesse/{promise.pk}/tenue/"
    assert logged_in.post(url, {"settle-version": case.version}).status_code == 404


def test_the_intent_can_be_corrected(logged_in, agent):
    case = make_case(owner=agent)
    _post(logged_in, case, "intention", "intent", intent=Intent.MOVE)
    case.refresh_from_db()
    assert case.intent == Intent.MOVE
    assert _last(case).kind == Event.Kind.INTENT_CHANGED


def test_an_unknown_action_is_not_found(logged_in, agent):
    case = make_case(owner=agent)
    assert logged_in.post(_url(case, "supprimer"), {}).status_code == 404


def test_actions_refuse_get(logged_in, agent):
    case = make_case(owner=agent)
    assert logged_in.get(_url(case, "note")).status_code == 405


def test_with_htmx_an_action_answers_the_fresh_case_block(logged_in, agent):
    case = make_case(owner=agent)
    data = {"note-version": case.version, "note-body": "Vu en boutique"}
    response = logged_in.post(_url(case, "note"), data, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="case"')
    assert "Vu en boutique" in page
    fresh = Case.objects.get(pk=case.pk)
    assert f'name="note-version" value="{fresh.version}"' in page


def test_with_htmx_a_refused_action_answers_the_block_with_the_error(logged_in, agent):
    case = make_case(owner=agent)
    data = {"note-version": case.version, "note-body": ""}
    response = logged_in.post(_url(case, "note"), data, **HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="case"')
    assert "errorlist" in page


def test_a_handover_target_can_be_named_when_only_one_advisor_answers_to_it(logged_in, agent):
    other = AgentFactory(first_name="Yasmine", last_name="Benali")
    case = make_case(owner=agent)
    _post(logged_in, case, "transfert", "handover", to="yasmine ben", note="Dossier litige")
    case.refresh_from_db()
    assert case.owner == other


def test_an_ambiguous_or_unknown_handover_target_is_refused(logged_in, agent):
    AgentFactory(first_name="Paul", last_name="Martin")
    AgentFactory(first_name="Pauline", last_name="Morel")
    AgentFactory(email="parti@test.example", is_active=False)
    case = make_case(owner=agent)
    for target in ("Paul", "personne@test.example", "parti@test.example", "Zébulon"):
        response = _post(logged_in, case, "transfert", "handover", to=target, note="Suite")
        assert response.status_code == 400, target
        assert response.context["forms"]["transfert"].errors["to"], target
    case.refresh_from_db()
    assert case.owner == agent


def test_advisor_suggestions_list_active_colleagues_by_name_or_e_mail(logged_in):
    AgentFactory(first_name="Hugo", last_name="Bernard", email="hugo@test.example")
    AgentFactory(first_name="Hugo", last_name="Parti", email="hp@test.example", is_active=False)
    response = logged_in.get("/agent/conseillers/", {"handover-to": "hugo"})
    page = response.content.decode()
    assert '<option value="hugo@test.example">' in page
    assert "hp@test.example" not in page
    assert logged_in.get("/agent/conseillers/", {"handover-to": "h"}).content.strip() == b""

"""`filrouge demo`: counts, uniqueness, idempotence, legal timelines and working logins."""

import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from filrouge.accounts.models import Agent, Team
from filrouge.cases.models import TRANSITIONS, Case, Event, Priority, Promise, Status
from filrouge.cases.services import open_case
from filrouge.cases.timeline import describe
from filrouge.core.clock import now
from filrouge.customers.models import Address, ContactPoint, Customer, Line
from filrouge.customers.normalise import normalise_email, normalise_phone
from filrouge.customers.tests.factories import CustomerFactory
from filrouge.network.models import NetworkElement

PASSWORD = "demo-test-password-42"
# The `data` keys each kind carries, as the case services write them.
DATA_KEYS = {
    "case_opened": {"subject"},
    "message_in": {"body"},
    "message_out": {"body"},
    # The demo's network incidents (filrouge/incidents): cases linked, compensations.
    "incident_linked": {"incident", "reference", "title"},
    "compensation_proposed": {"incident", "reference", "amount", "days", "may_terminate"},
    "note": {"body"},
    "status_changed": {"from", "to", "reason"},
    "assigned": {"to", "to_name"},
    "handover": {"from", "from_name", "to", "to_name", "team", "note"},
    "promise_made": {"promise", "description", "due"},
    "promise_kept": {"promise", "description"},
    "promise_broken": {"promise", "description", "due", "reason"},
    "escalated": {"why", "priority_from", "priority_to", "lead", "lead_name"},
    "next_step": {"text", "due"},
    "intent_changed": {"from", "to"},
    # The demo books real technician visits to fill the first Paris slots.
    "appointment_booked": {"appointment", "slot", "date", "half_day", "address"},
    # The delivery case's new box, being prepared (fieldops).
    "shipment_prepared": {"shipment", "item", "address", "expected_on"},
}


@pytest.fixture(autouse=True)
def _fast_demo(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("FILROUGE_DEMO_PASSWORD", PASSWORD)


def demo(customers: int = 50, **options) -> str:
    out = StringIO()
    call_command("demo", customers=customers, no_progress=True, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [Customer, ContactPoint, Address, Line, NetworkElement, Case, Event, Promise]
    return {m.__name__: m.objects.count() for m in [*models, Agent, Team]}


@pytest.mark.django_db
def test_demo_creates_an_operator_of_the_requested_size():
    output = demo(50)
    assert Customer.objects.count() == 50
    assert 50 <= Case.objects.count() <= 120
    assert Event.objects.count() > 5 * Case.objects.count()
    assert Promise.objects.count() > 0
    assert Line.objects.count() >= 50
    assert set(Case.objects.values_list("channel", flat=True)) >= {"phone", "sms", "email"}
    assert Case.objects.values("intent").distinct().count() >= 6
    assert set(Team.objects.values_list("name", flat=True)) >= {
        "Boutique Bastille",
        "Support fibre",
        "Réseaux sociaux",
        "Litiges",
        "Service clients",
    }
    assert all(t.lead_id and t.contact_phone for t in Team.objects.all())
    assert "Demo loaded" in output
    assert "FR-" in output


@pytest.mark.django_db
def test_contact_points_lines_and_references_are_normalised_and_unique():
    demo(50)
    for kind, value in ContactPoint.objects.values_list("kind", "value"):
        if kind == "phone":
            assert value == normalise_phone(value)
            assert value.startswith("+336")
        elif kind == "email":
            assert value == normalise_email(value)
    duplicates = ContactPoint.objects.values("kind", "value").annotate(n=Count("id"))
    assert not duplicates.filter(n__gt=1).exists()
    assert Line.objects.values("number").distinct().count() == Line.objects.count()
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references)
    assert all(re.fullmatch(r"FR-\d{4}-\d{6}", r) for r in references)


@pytest.mark.django_db
def test_later_real_cases_do_not_collide_with_demo_references():
    demo(30)
    case = open_case(Customer.objects.first(), subject="Nouveau dossier", channel="sms")
    assert Case.objects.filter(reference=case.reference).count() == 1
    assert case.reference > max(
        Case.objects.filter(created_at__year=now().year)
        .exclude(pk=case.pk)
        .values_list("reference", flat=True),
        default="",
    )


@pytest.mark.django_db
def test_network_paths_moves_and_lines_are_consistent():
    demo(50)
    elements = {e.pk: e for e in NetworkElement.objects.all()}
    for element in elements.values():
        parent = elements.get(element.parent_id)
        assert element.path == f"{parent.path if parent else '/'}{element.pk}/"
        assert element.areas.exists()
    fibre = Line.objects.filter(product__in=["fibre", "pro_fibre"]).select_related(
        "network_element", "service_address"
    )
    assert fibre.exists()
    for line in fibre:
        assert line.network_element.kind == "cable"
        assert line.service_address.valid_to is None
    by_customer = defaultdict(list)
    for address in Address.objects.order_by("valid_from"):
        by_customer[address.customer_id].append(address)
    assert any(len(a) > 1 for a in by_customer.values())
    for addresses in by_customer.values():
        assert [a.valid_to for a in addresses].count(None) == 1
        for old, new in zip(addresses, addresses[1:], strict=False):
            assert old.valid_to == new.valid_from


@pytest.mark.django_db
def test_every_timeline_follows_the_legal_transitions_and_renders():
    demo(50)
    events = defaultdict(list)
    for event in Event.objects.select_related("actor").order_by("created_at", "pk"):
        events[event.case_id].append(event)
        assert set(event.data) == DATA_KEYS[event.kind], event.kind
        assert describe(event)
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert timeline[0].kind == "case_opened"
        assert timeline[0].created_at == case.created_at
        assert timeline[-1].created_at == case.updated_at
        status = Status.ACKNOWLEDGED
        for event in timeline:
            if event.kind == "status_changed":
                assert event.data["from"] == status, case.reference
                assert event.data["to"] in TRANSITIONS[status], case.reference
                status = event.data["to"]
        assert status == case.status, case.reference
        if case.status == Status.RESOLVED:
            assert case.resolved_at is not None
        elif case.status in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING):
            assert case.resolved_at is None


@pytest.mark.django_db
def test_promises_are_kept_broken_and_escalated_or_still_open():
    demo(80)
    moment = now()
    states = set(Promise.objects.values_list("state", flat=True))
    assert states == {"open", "kept", "broken"}
    for promise in Promise.objects.select_related("case"):
        if promise.state == "open":
            assert promise.due_at > moment - timedelta(minutes=15)
        elif promise.state == "kept":
            assert promise.settled_at <= promise.due_at
        else:
            assert promise.case.escalated_at is not None
            assert promise.case.priority >= Priority.HIGH
            assert promise.case.events.filter(kind="escalated").exists()


@pytest.mark.django_db
def test_agent1_owns_open_cases_with_an_open_promise_and_a_full_story():
    output = demo(50)
    agent1 = Agent.objects.get(email="agent1@demo.example")
    open_cases = Case.objects.filter(owner=agent1, status__in=["acknowledged", "inProgress",
                                                                "pending", "held"])  # fmt: skip
    assert open_cases.count() >= 4
    assert Promise.objects.filter(case__in=open_cases, state="open").exists()
    assert open_cases.filter(escalated_at__isnull=False).exists()
    reference = re.search(r"(FR-\d{4}-\d{6})  histoire complète", output).group(1)
    full = Case.objects.get(reference=reference, owner=agent1)
    steps = [
        (e.kind, e.data.get("to") if e.kind == "status_changed" else None)
        for e in full.events.order_by("created_at", "pk")
    ]
    story = [
        ("case_opened", None),
        ("status_changed", "inProgress"),
        ("promise_made", None),
        ("handover", None),
        ("promise_kept", None),
        ("status_changed", "resolved"),
    ]
    positions = [steps.index(step) for step in story]
    assert positions == sorted(positions)
    assert full.status == Status.RESOLVED


@pytest.mark.django_db
def test_demo_logins_use_the_password_from_the_environment():
    output = demo(20)
    supervisor = authenticate(email="superviseur@demo.example", password=PASSWORD)
    assert supervisor is not None
    assert supervisor.is_staff
    assert supervisor.is_superuser
    assert supervisor.role == Agent.Role.SUPERVISOR
    assert authenticate(email="agent1@demo.example", password=PASSWORD) is not None
    assert authenticate(email="agent2@demo.example", password=PASSWORD) is not None
    assert "agent1@demo.example" in output
    assert PASSWORD not in output  # said to come from the environment, not echoed


@pytest.mark.django_db
def test_without_a_password_in_the_environment_one_is_generated_and_printed(monkeypatch):
    monkeypatch.delenv("FILROUGE_DEMO_PASSWORD")
    output = demo(20)
    password = re.search(r"password: (\S+)", output).group(1)
    assert len(password) >= 12
    assert authenticate(email="agent1@demo.example", password=password) is not None


@pytest.mark.django_db
def test_running_twice_changes_nothing_and_prints_the_logins_again():
    demo(30)
    before = counts()
    Agent.objects.filter(email="superviseur@demo.example").delete()
    output = demo(30)
    assert counts() == before
    assert authenticate(email="superviseur@demo.example", password=PASSWORD) is not None
    assert "already loaded" in output
    assert "agent1@demo.example" in output


@pytest.mark.django_db
def test_if_empty_does_nothing_when_a_customer_exists():
    CustomerFactory()
    output = demo(30, if_empty=True)
    assert Customer.objects.count() == 1
    assert not Case.objects.exists()
    assert "not loaded" in output


@pytest.mark.django_db
def test_if_empty_loads_an_empty_database():
    demo(20, if_empty=True)
    assert Customer.objects.count() == 20


@pytest.mark.django_db
def test_a_rerun_without_the_environment_password_prints_a_password_that_works(monkeypatch):
    demo(20)  # loaded with FILROUGE_DEMO_PASSWORD, so no password file was written
    monkeypatch.delenv("FILROUGE_DEMO_PASSWORD")
    output = demo(20)
    password = re.search(r"password: (\S+)", output).group(1)
    assert authenticate(email="agent1@demo.example", password=password) is not None


@pytest.mark.django_db
def test_the_delivery_case_has_a_box_and_a_visit_that_a_move_will_take_along():
    from filrouge.appointments.models import Appointment
    from filrouge.fieldops.models import Shipment

    out = demo()
    shipment = Shipment.objects.get()
    assert shipment.state == Shipment.State.PREPARING
    assert Appointment.objects.filter(case=shipment.case, state="booked").exists()
    assert f"/suivi/{shipment.case.reference}/demenagement/?t=" in out


def test_demo_phone_numbers_are_all_valid_and_distinct():
    import phonenumbers

    from filrouge.core.demo.world import landline, mobile, permute

    numbers = [mobile(permute(n, 31_415_926)) for n in range(0, 1_000_000, 37)]
    numbers += [
        landline(zone, permute(n, 27_182_818)) for zone in "12345" for n in range(0, 10**6, 97)
    ]
    assert len(set(numbers)) == len(numbers)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(x)) for x in numbers)

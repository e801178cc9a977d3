"""Filed messages through the real e-mail path: read, routed, recorded, acknowledged once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import Event, Priority
from filrouge.cases.services import make_promise
from filrouge.cases.tests.factories import make_case
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, LineFactory
from filrouge.incidents.models import IncidentCase
from filrouge.incidents.services import declare_incident, post_update
from filrouge.network.models import NetworkElement
from filrouge.network.services import add_element
from filrouge.triage.intake import AUTO_ACK
from filrouge.triage.models import AutoAcknowledgement, TriageCorrection

pytestmark = pytest.mark.django_db

_count = iter(range(1_000_000))


def send(customer_email: str, body: str, *, subject: str = "Bonjour") -> Event:
    """An e-mail as the SMTP listener stores it, filed by the real task."""
    n = next(_count)
    raw = raw_mail(
        sender=f"Client <{customer_email}>",
        subject=subject,
        body=body,
        message_id=f"<t{n}@exemple.fr>",
    )
    inbound, _new = store_inbound(
        channel=Channel.EMAIL, external_id=f"t{n}@exemple.fr", payload=raw
    )
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    return inbound.event


def reading(case) -> dict:
    return case.events.filter(kind=Event.Kind.TRIAGED).order_by("-pk").first().data


@pytest.fixture
def customer():
    customer = CustomerFactory()
    EmailFactory(customer=customer, value="anne@exemple.fr")
    return customer


@pytest.fixture
def teams():
    lead = AgentFactory(first_name="Nadia", last_name="Benali", team=None)
    support = TeamFactory(slug="support-fibre", name="Support fibre", lead=lead)
    lead.team = support
    lead.save()
    retention_lead = AgentFactory(first_name="Paul", last_name="Morel", team=None)
    retention = TeamFactory(slug="fidelisation", name="Fidélisation", lead=retention_lead)
    service = TeamFactory(slug="service-clients", name="Service clients")
    return {"support-fibre": support, "fidelisation": retention, "service-clients": service}


def test_a_new_case_gets_the_intent_and_team_read_on_its_first_message(customer, teams):
    event = send("anne@exemple.fr", "Plus d'internet depuis trois jours, la box clignote rouge.")
    case = event.case
    case.refresh_from_db()
    assert case.intent == "outage"
    assert case.team == teams["support-fibre"]
    assert case.priority == Priority.NORMAL
    assert case.owner is None
    data = reading(case)
    assert data["message"] == event.pk
    assert data["intent"] == "outage"
    assert "team_intent" in data["why"]
    triaged = case.events.get(kind=Event.Kind.TRIAGED)
    assert triaged.visibility == Event.Visibility.INTERNAL


def test_a_threat_to_leave_goes_to_retention_high_priority_and_a_named_senior_owner(
    customer, teams
):
    event = send(
        "anne@exemple.fr",
        "Toujours pas de connexion depuis une semaine. Si rien ne bouge je passe chez Free.",
    )
    case = event.case
    case.refresh_from_db()
    assert case.team == teams["fidelisation"]
    assert case.priority == Priority.HIGH
    assert case.owner.display_name == "Paul Morel"
    data = reading(case)
    assert data["churn"] is True
    assert data["triggers"]["churn"] == ["passe chez free"]
    assert {"churn", "senior_owner", "team_churn"} <= set(data["why"])
    assigned = case.events.get(kind=Event.Kind.ASSIGNED)
    assert assigned.data["to_name"] == "Paul Morel"
    changed = case.events.get(kind=Event.Kind.PRIORITY_CHANGED)
    assert (changed.data["from"], changed.data["to"]) == (Priority.NORMAL, Priority.HIGH)


def test_repeated_contacts_on_the_same_case_raise_its_priority(customer, teams):
    case = make_case(customer=customer, channel=Channel.EMAIL, intent="billing")
    subject = f"Re: dossier {case.reference}"
    priorities = []
    for _ in range(5):
        send("anne@exemple.fr", "Je reviens vers vous pour ma facture.", subject=subject)
        case.refresh_from_db()
        priorities.append(case.priority)
    # The customer's 3rd message raises it to High, the 5th to Urgent.
    assert priorities == [
        Priority.NORMAL,
        Priority.NORMAL,
        Priority.HIGH,
        Priority.HIGH,
        Priority.URGENT,
    ]
    assert case.intent == "billing"  # an existing case keeps its intent
    assert case.events.filter(kind=Event.Kind.TRIAGED).count() == 5


def test_an_owned_case_keeps_its_owner_even_when_the_customer_threatens(customer, teams):
    owner = AgentFactory()
    case = make_case(customer=customer, channel=Channel.EMAIL, owner=owner)
    send("anne@exemple.fr", f"C'est honteux, je résilie. {case.reference}", subject=case.reference)
    case.refresh_from_db()
    assert case.owner == owner
    assert case.priority == Priority.HIGH


# Incidents: the automatic acknowledgement ------------------------------------------------


@pytest.fixture
def outage(customer):
    nro = add_element(kind=NetworkElement.Kind.NRO, code="NRO-T")
    line = LineFactory(customer=customer, network_element=nro)
    incident = declare_incident(
        title="Coupure fibre Paris 11e",
        elements=[nro],
        text="Un câble a été sectionné, nos équipes sont sur place.",
        eta=timezone.now() + timedelta(hours=6),
    )
    case = make_case(customer=customer, channel=Channel.EMAIL, line=line, intent="outage")
    return incident, case


def auto_answers(case):
    return list(case.events.filter(kind=Event.Kind.MESSAGE_OUT, data__auto=AUTO_ACK))


def test_a_customer_writing_during_a_known_incident_is_answered_once_per_update(customer, outage):
    incident, case = outage
    send(
        "anne@exemple.fr",
        "Toujours pas d'internet, vous avez des nouvelles ?",
        subject=case.reference,
    )
    answers = auto_answers(case)
    assert len(answers) == 1
    body = answers[0].data["body"]
    assert incident.reference in body
    assert "Un câble a été sectionné" in body

    # The same news: the next message goes to a person, no robot loop.
    send("anne@exemple.fr", "Et donc, c'est pour quand ?", subject=case.reference)
    assert len(auto_answers(case)) == 1

    post_update(incident, text="Réparation en cours, fin prévue ce soir.")
    send("anne@exemple.fr", "Toujours rien chez moi.", subject=case.reference)
    assert len(auto_answers(case)) == 2
    assert AutoAcknowledgement.objects.filter(case=case).count() == 2


def test_a_repair_that_did_not_work_is_not_absorbed_by_the_incident(customer, outage):
    incident, case = outage
    # The incidents app linked the case when it opened on the affected line.
    assert IncidentCase.objects.filter(incident=incident, case=case).exists()
    send(
        "anne@exemple.fr",
        "Le technicien est passé hier mais toujours pas d'internet, la prise est arrachée.",
        subject=case.reference,
    )
    assert auto_answers(case) == []
    case.refresh_from_db()
    data = reading(case)
    assert data["new_intervention"] is True
    assert "new_intervention" in data["why"]
    assert case.priority == Priority.HIGH


def test_a_billing_question_during_an_incident_is_not_answered_by_the_robot(customer, outage):
    _incident, case = outage
    send("anne@exemple.fr", "Pourquoi ma facture a augmenté de 5 euros ?", subject=case.reference)
    assert auto_answers(case) == []


# The card, the correction, the suggested answer -----------------------------------------


def test_the_case_page_shows_the_reading_and_why(client, customer, teams):
    event = send("anne@exemple.fr", "C'est inadmissible, je vais passer chez Free !!!")
    client.force_login(AgentFactory())
    page = client.get(reverse("agent:case", args=[event.case.reference])).content.decode()
    card_url = reverse("triage:card", args=[event.case.reference])
    assert f'hx-get="{card_url}"' in page  # the card comes right after the page
    page = client.get(card_url).content.decode()
    assert "Menace de départ" in page
    assert "« vais passer chez free »" in page
    assert "Frustration : 3/3" in page


def test_one_click_correction_is_stored_as_a_labelled_example(client, customer, teams):
    event = send("anne@exemple.fr", "Bonjour, je voudrais des renseignements.")
    case = event.case
    triaged = case.events.get(kind=Event.Kind.TRIAGED)
    agent = AgentFactory()
    client.force_login(agent)
    url = reverse("triage:correct", args=[case.reference, triaged.pk])
    assert client.post(url, {"intent": "sales"}).status_code == 302
    correction = TriageCorrection.objects.get()
    assert correction.as_example() == {
        "text": "Bonjour, je voudrais des renseignements.",
        "channel": "email",
        "intent": "sales",
    }
    assert correction.predicted == triaged.data["intent"]
    assert correction.by == agent
    case.refresh_from_db()
    assert case.intent == "sales"
    assert case.events.filter(kind=Event.Kind.INTENT_CHANGED).count() == 1


def test_the_card_targets_itself_not_the_case_page(client, customer, teams):
    """The case page sets hx-target="this" on #case for its own forms: the card's slot and
    form must name their own target, or the card would replace the whole page."""
    event = send("anne@exemple.fr", "Plus d'internet depuis lundi")
    client.force_login(AgentFactory())
    page = client.get(reverse("agent:case", args=[event.case.reference])).content.decode()
    slot = page[page.index('class="triage-slot"') :].split(">", 1)[0]
    assert 'hx-target="this"' in slot
    card = client.get(reverse("triage:card", args=[event.case.reference])).content.decode()
    form = card[card.index('class="triage-correct"') - 400 :].split("<form", 1)[1].split(">")[0]
    assert 'hx-target="closest .triage-card"' in form
    assert 'hx-swap="outerHTML"' in form


def test_a_correction_through_htmx_returns_only_the_card(client, customer, teams):
    event = send("anne@exemple.fr", "Bonjour, je voudrais des renseignements.")
    case = event.case
    triaged = case.events.get(kind=Event.Kind.TRIAGED)
    agent = AgentFactory(first_name="Lea", last_name="Martin")
    client.force_login(agent)
    url = reverse("triage:correct", args=[case.reference, triaged.pk])
    response = client.post(url, {"intent": "sales"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card triage-card"')
    assert 'id="case"' not in html  # the card, not the page
    assert 'data-corrected="sales"' in html
    assert "Lea Martin" in html
    assert '<option value="sales" selected>' in html
    assert TriageCorrection.objects.get().intent == "sales"


def test_an_unknown_intent_through_htmx_says_so_in_the_card(client, customer, teams):
    event = send("anne@exemple.fr", "Plus d'internet.")
    triaged = event.case.events.get(kind=Event.Kind.TRIAGED)
    client.force_login(AgentFactory())
    url = reverse("triage:correct", args=[event.case.reference, triaged.pk])
    response = client.post(url, {"intent": "pizza"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Motif inconnu" in response.content.decode()
    assert TriageCorrection.objects.count() == 0


def test_an_unknown_intent_changes_nothing(client, customer, teams):
    event = send("anne@exemple.fr", "Plus d'internet.")
    triaged = event.case.events.get(kind=Event.Kind.TRIAGED)
    client.force_login(AgentFactory())
    url = reverse("triage:correct", args=[event.case.reference, triaged.pk])
    client.post(url, {"intent": "pizza"})
    assert TriageCorrection.objects.count() == 0
    event.case.refresh_from_db()
    assert event.case.intent == "outage"


def test_the_suggested_answer_speaks_of_the_case_as_it_is(client, customer, outage):
    incident, case = outage
    agent = AgentFactory()
    make_promise(
        case,
        by=agent,
        description="un conseiller vous rappelle",
        due_at=timezone.now() + timedelta(days=1),
    )
    send("anne@exemple.fr", "Des nouvelles ?", subject=case.reference)
    client.force_login(agent)
    page = client.get(reverse("triage:suggestion", args=[case.reference])).content.decode()
    assert incident.reference in page
    assert "Un câble a été sectionné" in page
    assert "un conseiller vous rappelle" in page


def test_the_suggested_answer_does_not_say_it_is_handled_when_the_fix_failed(
    client, customer, outage
):
    incident, case = outage
    send(
        "anne@exemple.fr",
        "Depuis son intervention rien ne marche, c'est un autre problème.",
        subject=case.reference,
    )
    client.force_login(AgentFactory())
    page = client.get(reverse("triage:suggestion", args=[case.reference])).content.decode()
    assert incident.reference not in page
    assert "nouvelle intervention" in page


def test_a_case_nobody_wrote_on_yet_has_no_card(client):
    case = make_case(subject="Appel sortant")
    client.force_login(AgentFactory())
    response = client.get(reverse("triage:card", args=[case.reference]))
    assert response.status_code == 204  # htmx leaves the page as it is

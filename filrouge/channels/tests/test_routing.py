"""One test per threading rule of `routing.choose_case`, each run twice: with the facts read
live (`process_inbound`) and with the facts a batch preloads (`batch.BatchFacts`)."""

import pytest
from django.utils import timezone

from filrouge.cases.models import Intent, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token
from filrouge.channels import routing
from filrouge.channels.batch import BatchFacts
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.tests.builders import message
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory

pytestmark = pytest.mark.django_db


_facts = {"kind": "live"}


@pytest.fixture(params=["live", "batch"], autouse=True)
def _facts_kind(request):
    _facts["kind"] = request.param
    yield
    _facts["kind"] = "live"


def choose_case(message):
    """The threading function, fed with live facts or a batch's, as the run says."""
    facts = BatchFacts([message]) if _facts["kind"] == "batch" else None
    return routing.choose_case(message, facts)


def _customer(email="anne@exemple.fr"):
    return EmailFactory(value=email).customer


def _outbound(case, external_id):
    event = case.events.first()
    return OutboundMessage.objects.create(
        event=event,
        case=case,
        channel=Channel.EMAIL,
        recipient="anne@exemple.fr",
        external_id=external_id,
        created_at=timezone.now(),
    )


def test_a_reply_to_one_of_our_messages_goes_to_its_case_whoever_sends_it():
    case = make_case(customer=_customer())
    _outbound(case, "ours-1@filrouge.example")
    route = choose_case(
        message(email="autre.adresse@exemple.fr", in_reply_to="ours-1@filrouge.example")
    )
    assert (route.rule, route.case, route.customer) == ("reply", case, case.customer)


def test_a_reply_naming_an_earlier_filed_message_in_references_goes_to_its_case():
    case = make_case(customer=_customer())
    InboundMessage.objects.create(
        channel=Channel.EMAIL,
        external_id="theirs-1@exemple.fr",
        payload=b"x",
        received_at=timezone.now(),
        case=case,
        state=InboundMessage.State.PROCESSED,
    )
    route = choose_case(message(references=("theirs-1@exemple.fr",), in_reply_to="unknown@x"))
    assert (route.rule, route.case) == ("reply", case)


def test_a_valid_tracking_link_goes_to_its_case():
    case = make_case(customer=_customer())
    route = choose_case(
        message(
            email="inconnu@exemple.fr",
            tracking_reference=case.reference,
            tracking_token=make_tracking_token(case),
        )
    )
    assert (route.rule, route.case) == ("tracking_token", case)


def test_a_forged_tracking_token_links_nothing():
    case = make_case(customer=_customer())
    route = choose_case(
        message(
            email="inconnu@exemple.fr", tracking_reference=case.reference, tracking_token="0" * 32
        )
    )
    assert route.case is None


def test_a_case_reference_from_the_cases_own_customer_goes_to_that_case():
    case = make_case(customer=_customer())
    route = choose_case(
        message(subject=f"Mon dossier {case.reference}", case_reference=case.reference)
    )
    assert (route.rule, route.case) == ("reference", case)


def test_a_case_reference_from_someone_else_never_attaches_to_that_case():
    case = make_case(customer=_customer())
    stranger = _customer("pirate@exemple.fr")
    route = choose_case(message(email="pirate@exemple.fr", case_reference=case.reference))
    assert (route.rule, route.case, route.customer) == ("unverified_reference", None, stranger)
    unknown = choose_case(message(email="inconnu@exemple.fr", case_reference=case.reference))
    assert (unknown.rule, unknown.case, unknown.customer) == ("unverified_reference", None, None)


def test_asking_for_news_with_exactly_one_active_case_goes_to_it():
    case = make_case(customer=_customer(), subject="Box en panne")
    route = choose_case(
        message(subject="Relance", text="Toujours rien depuis hier, des nouvelles ?")
    )
    assert (route.rule, route.case) == ("followup", case)


def test_asking_for_news_with_two_active_cases_opens_a_new_case():
    customer = _customer()
    make_case(customer=customer)
    make_case(customer=customer)
    route = choose_case(message(subject="Relance", text="Toujours rien, des nouvelles ?"))
    assert (route.rule, route.case) == ("new_case", None)


def test_one_active_case_on_the_same_topic_gets_the_message():
    customer = _customer()
    case = make_case(customer=customer, intent=Intent.BILLING, subject="Facture")
    make_case(customer=customer, intent=Intent.OUTAGE, subject="Panne")
    route = choose_case(
        message(subject="Prélèvement", text="Le prélèvement de ma facture est faux")
    )
    assert (route.rule, route.case, route.intent) == ("same_topic", case, Intent.BILLING)


def test_two_active_cases_on_the_same_topic_make_a_new_case():
    customer = _customer()
    make_case(customer=customer, intent=Intent.BILLING)
    make_case(customer=customer, intent=Intent.BILLING)
    route = choose_case(message(text="Ma facture est fausse"))
    assert (route.rule, route.case) == ("new_case", None)


def test_a_message_on_another_topic_makes_a_new_case():
    customer = _customer()
    make_case(customer=customer, intent=Intent.BILLING)
    route = choose_case(message(text="Je déménage le mois prochain"))
    assert (route.rule, route.case, route.intent) == ("new_case", None, Intent.MOVE)


def test_an_unknown_sender_makes_a_new_case_without_a_customer_yet():
    route = choose_case(message(email="inconnu@exemple.fr"))
    assert (route.rule, route.case, route.customer) == ("new_case", None, None)


def test_a_link_to_a_closed_case_opens_a_new_case_for_its_customer():
    case = make_case(customer=_customer())
    for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        case = change_status(case, to=status, by=None)
    _outbound(case, "ours-2@filrouge.example")
    route = choose_case(message(in_reply_to="ours-2@filrouge.example"))
    assert (route.rule, route.case, route.customer) == ("after_closed", None, case.customer)


def test_a_resolved_case_still_takes_its_replies():
    case = make_case(customer=_customer())
    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        case = change_status(case, to=status, by=None)
    route = choose_case(message(case_reference=case.reference))
    assert (route.rule, route.case) == ("reference", case)


def test_another_customers_cases_are_never_candidates():
    make_case(customer=CustomerFactory(), intent=Intent.BILLING)
    _customer()
    route = choose_case(message(text="Ma facture est fausse"))
    assert route.case is None


# Identity hints: weak signals never attach, they are suggested (see routing's docstring).


def test_a_reference_from_an_unknown_sender_is_only_a_hint_on_their_own_file():
    case = make_case(customer=_customer())
    route = choose_case(
        message(
            email="inconnu@exemple.fr",
            subject=f"Suite {case.reference}",
            case_reference=case.reference,
        )
    )
    assert (route.rule, route.customer, route.case) == ("unverified_reference", None, None)
    assert [(h.because, h.customer, h.case) for h in route.hints] == [
        ("reference", case.customer, case)
    ]


def test_a_line_or_account_number_or_phone_in_the_text_is_only_a_hint():
    from filrouge.customers.tests.factories import LineFactory, PhoneFactory

    fibre = LineFactory(number="FTTH00000042")
    account = CustomerFactory(account_number="C000000777")
    mobile = PhoneFactory(value="+33612345678").customer
    route = choose_case(
        message(
            email="inconnu@exemple.fr",
            text="Ma ligne FTTH00000042, compte c000000777, mon portable 06 12 34 56 78.",
        )
    )
    assert (route.rule, route.customer, route.case) == ("new_case", None, None)
    assert {(h.because, h.customer) for h in route.hints} == {
        ("line", fibre.customer),
        ("account", account),
        ("phone", mobile),
    }


def test_a_display_name_is_a_hint_only_when_exactly_one_customer_has_it():
    anne = CustomerFactory(first_name="Anne", last_name="Lefèvre")
    route = choose_case(message(email="inconnu@exemple.fr", name="Anne Lefevre"))
    assert [(h.because, h.customer) for h in route.hints] == [("name", anne)]
    CustomerFactory(first_name="Anne", last_name="Lefèvre")
    assert choose_case(message(email="inconnu@exemple.fr", name="Anne Lefevre")).hints == ()


def test_a_known_customer_gets_no_hints():
    anne = _customer()
    other = make_case(customer=_customer("paul@exemple.fr"))
    route = choose_case(message(subject=other.reference, case_reference=other.reference))
    assert (route.customer, route.hints) == (anne, ())


def test_a_tracking_link_from_a_prospects_address_suggests_merging_that_prospect():
    from filrouge.channels.identity import create_prospect
    from filrouge.channels.message import Sender

    case = make_case(customer=_customer())
    prospect = create_prospect(Sender(email="inconnu@exemple.fr"))
    route = choose_case(
        message(
            email="inconnu@exemple.fr",
            tracking_reference=case.reference,
            tracking_token=make_tracking_token(case),
        )
    )
    assert (route.rule, route.case, route.prospect) == ("tracking_token", case, prospect)
    assert [(h.because, h.customer, h.case) for h in route.hints] == [
        ("tracking_token", case.customer, case)
    ]

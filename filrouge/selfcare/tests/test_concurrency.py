"""Two confirmations at the very same moment (a double click that reaches two web
processes): one case. Real concurrent transactions, so PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections

from filrouge.cases.models import Case
from filrouge.channels.models import OutboundMessage
from filrouge.selfcare.cancellation import services
from filrouge.selfcare.models import CancellationRequest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]
DETAILS = services.Details(
    full_name="Lucie Martin",
    email="lucie.martin@exemple.fr",
    postal_address="",
    account_number="DEMO0001234",
    line_number="+33140000001",
    requested_end_date=None,
    reason="",
    reason_text="",
)


def _at_once(*keys: str) -> list[object]:
    """Run request_cancellation once per key, all released together; their outcomes."""
    line = services.find_line(
        account_number="DEMO0001234", line_number="+33140000001", full_name="Lucie Martin"
    )
    start, outcomes = threading.Barrier(len(keys)), []

    def confirm(key: str) -> None:
        try:
            start.wait()
            outcomes.append(
                services.request_cancellation(line, key=key, details=DETAILS, site_url="http://t")
            )
        except services.CancellationError as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_the_same_request_confirmed_twice_at_once_is_one_case_and_one_mail(fibre):
    outcomes = _at_once("a" * 32, "a" * 32)
    requests = {request.pk for request, _new in outcomes}
    assert len(requests) == 1
    assert sorted(new for _request, new in outcomes) == [False, True]
    assert (Case.objects.count(), OutboundMessage.objects.count()) == (1, 1)


def test_two_requests_for_one_line_at_once_make_one_case_and_one_refusal(fibre):
    outcomes = _at_once("a" * 32, "b" * 32)
    refusals = [o for o in outcomes if isinstance(o, services.CancellationError)]
    assert len(refusals) == 1
    assert "déjà en cours" in str(refusals[0])
    assert CancellationRequest.objects.count() == 1

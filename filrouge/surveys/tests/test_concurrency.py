"""The same survey posted from two tabs at once: one answer, one clear refusal
(PostgreSQL, real threads, each with its own connection)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from filrouge.cases.models import Event
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.services import SurveyError, answer_survey
from filrouge.surveys.tests.helpers import resolved_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-level concurrency needs PostgreSQL (SQLite serialises every writer)",
    ),
]


def test_two_answers_at_once_make_one_answer_and_one_event():
    case = resolved_case()
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(6)

    def tab(csat: int) -> None:
        try:
            start.wait()
            answer_survey(case, csat=csat, ces=5)
            result = "answered"
        except SurveyError as refused:
            result = "refused" if "déjà répondu" in str(refused) else f"other: {refused}"
        except Exception as exc:  # noqa: BLE001 - any other error fails the test below
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=tab, args=(n % 5 + 1,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes == Counter({"answered": 1, "refused": 5})
    assert SurveyAnswer.objects.filter(case=case).count() == 1
    assert case.events.filter(kind=Event.Kind.SURVEY_ANSWERED).count() == 1

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Promise
from filrouge.cases.services import make_promise
from filrouge.cases.tasks import sweep_promises
from filrouge.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db


def _overdue_promise():
    agent = AgentFactory()
    case = make_case(owner=agent)
    return make_promise(
        case,
        by=agent,
        description="Rappel avant 18h",
        due_at=timezone.now() + dt.timedelta(minutes=30),
    )


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_sweep_task_is_stored_then_run_by_the_database_worker():
    promise = _overdue_promise()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        result = sweep_promises.enqueue()
        assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL"
    assert row.return_value == 1
    promise.refresh_from_db()
    assert promise.state == Promise.State.BROKEN


def test_sweep_command_reports_what_it_broke(capsys):
    promise = _overdue_promise()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        call_command("sweep_promises")
    promise.refresh_from_db()
    assert promise.state == Promise.State.BROKEN
    assert "1 promise(s) marked broken" in capsys.readouterr().out

"""`filrouge triage analyse | eval | train` as a new user runs them."""

import io
import json

import pytest
from django.core.management import call_command

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.tests.factories import make_case
from filrouge.triage import classifier, store
from filrouge.triage.models import TriageCorrection


def run(*args) -> str:
    out = io.StringIO()
    call_command("triage", *args, stdout=out)
    return out.getvalue()


def test_analyse_reads_json_lines_and_writes_one_line_each(monkeypatch):
    lines = [
        {"text": "Bjr, tjrs pas de co depuis lundi, jvais chez Free", "channel": "sms"},
        "not json",
        {"text": "Appelez-moi au 06 12 34 56 78", "channel": "social", "public": True},
        {"text": "demain matin ?", "channel": "sms", "at": "2026-02-28T09:00:00+01:00"},
    ]
    raw = "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(raw))
    out = [json.loads(line) for line in run("analyse").splitlines()]
    assert len(out) == 4
    first = out[0]
    assert first["intent"] == "outage"
    assert first["churn_threat"] is True
    for key in (
        "intents",
        "frustration",
        "escalation_threat",
        "new_intervention",
        "entities",
        "public_pii",
    ):
        assert key in first
    assert "error" in out[1]
    assert out[2]["public_pii"] == ["phone"]
    assert out[3]["entities"] == [
        {"type": "slot", "text": "demain matin", "value": "2026-03-01T08:00/2026-03-01T12:00"}
    ]


def test_eval_prints_scores_confusion_and_speed():
    text = run("eval")
    assert "macro-F1" in text
    assert "confusion" in text
    assert "messages per CPU-second" in text
    assert "churn: precision" in text


@pytest.mark.django_db
def test_train_adds_the_corrections_and_writes_the_next_version(tmp_path, settings):
    settings.FILROUGE_TRIAGE_MODEL_DIR = tmp_path
    case = make_case()
    TriageCorrection.objects.create(
        case=case,
        text="Ma fibre fait des siennes au niveau du boîtier optique",
        channel="sms",
        predicted="other",
        intent="equipment",
        by=AgentFactory(),
        created_at=case.created_at,
    )
    try:
        text = run("train")
        assert "1 advisors' corrections" in text
        ((number, path),) = store.versions(tmp_path)
        model = classifier.Model.load(path)
        assert model.header["version"] == number == 1
        assert model.header["corrections"] == 1
        assert model.header["examples"] == len(store.shipped_rows()) + 1
        assert model.header["base"] == classifier.fingerprint(store.shipped_rows())
        assert store.current().header["version"] == 1  # the new file is the one used
    finally:
        store.forget()


@pytest.mark.django_db
def test_backfill_reads_the_messages_written_without_the_channels_once():
    from filrouge.cases.models import Event

    case = make_case(first_message="Ma box ne s'allume plus, je vais passer chez Free")
    other = make_case(first_message="Je voudrais résilier mon abonnement")
    assert run("backfill").startswith("2 messages read in ")
    reading = case.events.get(kind=Event.Kind.TRIAGED).data
    assert reading["message"] == case.events.get(kind=Event.Kind.MESSAGE_IN).pk
    assert reading["churn"] is True
    assert other.events.get(kind=Event.Kind.TRIAGED).data["intent"] == "cancellation"
    assert run("backfill").startswith("0 messages read in ")

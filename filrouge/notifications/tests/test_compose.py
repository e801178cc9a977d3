"""SMS notices: GSM-7 only, at most two parts, nothing dropped without saying so."""

import pytest
from django.utils import translation

from filrouge.cases.models import Event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.sms.encoding import encoding, segments
from filrouge.channels.sms.transport import compose as sms_as_sent
from filrouge.notifications import compose

pytestmark = pytest.mark.django_db
TRACKING = "https://suivi.operateur.example/suivi/FR-2026-000001/?t=" + "a" * 32
UNSUBSCRIBE = "https://suivi.operateur.example/notifications/desabonnement/1-" + "b" * 20 + "/"


def test_french_typography_is_folded_into_gsm7_and_accents_of_gsm7_stay():
    assert (
        compose.gsm7("Statut : Pris en compte → En cours") == "Statut : Pris en compte -> En cours"
    )
    assert compose.gsm7("Fenêtre “reçue” à 8h, l’équipe…") == 'Fenetre "recue" à 8h, l\'équipe...'
    assert encoding(compose.gsm7("Œuvre ô ï ç 🙂")) == "text"


def _notes(case, count, text):
    return [
        Event(case=case, kind=Event.Kind.NEXT_STEP, data={"text": f"{text} {n}"})
        for n in range(count)
    ]


def test_changes_that_do_not_fit_two_sms_are_counted_newest_first():
    case = make_case(subject="Box")
    events = _notes(case, 6, "Test ligne")
    with translation.override("fr"):
        text = compose.sms(case, events, tracking=TRACKING, unsubscribe=UNSUBSCRIBE)
    sent = sms_as_sent(case, Event(data={"body": text}))
    assert len(segments(sent)) == 2
    assert encoding(sent) == "text"
    assert text.startswith("Du nouveau : Prochaine étape : Test ligne 5 (et 5 autres).\n")
    assert TRACKING in text
    assert UNSUBSCRIBE in text


def test_a_single_change_too_long_for_two_sms_is_shortened_visibly():
    case = make_case(subject="Box")
    (event,) = _notes(case, 1, "x" * 400)
    with translation.override("fr"):
        text = compose.sms(case, [event], tracking=TRACKING, unsubscribe="")
    assert "xxx..." in text
    assert TRACKING in text
    assert len(segments(sms_as_sent(case, Event(data={"body": text})))) <= 2

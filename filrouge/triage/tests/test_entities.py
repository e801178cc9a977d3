"""Entities on tricky French inputs, resolved against the message's time in Europe/Paris."""

from datetime import datetime

import pytest

from filrouge.triage.entities import PARIS, Extractor

NUMBERS = {"line": [r"\bFTTH\d{8}\b"], "contract": [r"\bDEMO\d{7}\b"]}


def found(text: str, at: datetime, kind: str | None = None) -> list[tuple[str, str]]:
    entities = Extractor(NUMBERS).extract(text, at)
    return [(e.type, e.value) for e in entities if kind is None or e.type == kind]


THURSDAY = datetime(2026, 2, 26, 10, 0, tzinfo=PARIS)  # Thursday 26 February 2026
NEW_YEAR_EVE = datetime(2026, 12, 31, 23, 30, tzinfo=PARIS)


def test_a_visit_with_day_month_and_hours_is_one_slot():
    text = "Le technicien vient jeudi 4 mars entre 8h et 13h."
    assert found(text, THURSDAY) == [("slot", "2026-03-04T08:00/2026-03-04T13:00")]


def test_tomorrow_morning_at_the_end_of_february_is_the_first_of_march():
    assert found("demain matin svp", datetime(2026, 2, 28, 9, tzinfo=PARIS)) == [
        ("slot", "2026-03-01T08:00/2026-03-01T12:00")
    ]


def test_tomorrow_is_read_in_paris_not_in_utc():
    # 23:30 UTC on 31 December is already 1 January in Paris: tomorrow is 2 January.
    utc_evening = datetime.fromisoformat("2026-12-31T23:30:00+00:00")
    assert found("demain", utc_evening) == [("date", "2027-01-02")]


def test_next_week_across_a_year_end():
    assert found("la semaine prochaine", NEW_YEAR_EVE) == [("period", "2027-01-04/2027-01-10")]


def test_in_three_days_across_the_end_of_february():
    assert found("dans 3 jours", THURSDAY) == [("date", "2026-03-01")]


def test_a_day_and_month_without_year_is_the_nearest_such_date():
    assert found("le 2 janvier", NEW_YEAR_EVE) == [("date", "2027-01-02")]
    assert found("ma relance du 20 décembre", datetime(2027, 1, 3, tzinfo=PARIS)) == [
        ("date", "2026-12-20")
    ]


def test_a_date_that_does_not_exist_is_no_date():
    assert found("le 30 février", THURSDAY, "date") == []


def test_since_monday_is_in_the_past_and_thursday_alone_is_to_come():
    assert found("plus rien depuis lundi", THURSDAY) == [("date", "2026-02-23")]
    assert found("jeudi prochain", THURSDAY) == [("date", "2026-03-05")]
    assert found("mardi", THURSDAY) == [("date", "2026-03-03")]


def test_hours_written_with_a_dash_and_no_day():
    assert found("passage prévu 8h-13h", THURSDAY) == [("time", "08:00/13:00")]


def test_a_numeric_date_with_an_afternoon():
    assert found("rdv le 04/03 l'après-midi", THURSDAY) == [
        ("slot", "2026-03-04T13:00/2026-03-04T18:00")
    ]


def test_a_time_of_day_today():
    assert found("aujourd'hui à 14h30", THURSDAY) == [("slot", "2026-02-26T14:30")]


@pytest.mark.parametrize(
    "written",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "+33 6 12 34 56 78",
        "0033 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "06-12-34-56-78",
    ],
)
def test_phone_numbers_in_every_french_form(written):
    assert found(f"rappelez-moi au {written} merci", THURSDAY, "phone") == [
        ("phone", "+33612345678")
    ]


def test_an_invalid_number_and_an_amount_are_no_phone():
    assert found("ma facture de 0612 euros, réf 0012345678901", THURSDAY, "phone") == []


def test_emails_but_not_mastodon_handles():
    text = "écrivez à Jean.Dupont@Exemple.fr ou à @marie@mastodon.social"
    assert found(text, THURSDAY, "email") == [("email", "jean.dupont@exemple.fr")]


def test_an_address_with_its_postcode_and_commune():
    text = "Nouvelle adresse : 8 bis rue des Écoles 69003 Lyon, merci"
    assert found(text, THURSDAY) == [
        ("address", "8 bis rue des Écoles 69003 Lyon"),
        ("postcode", "69003"),
    ]


def test_euros_after_five_digits_are_no_postcode():
    assert found("on me réclame 12500 euros", THURSDAY, "postcode") == []


def test_line_contract_and_case_numbers_by_configurable_patterns():
    text = "Ligne FTTH12345678, compte DEMO1234567, contrat n° 88776655, dossier FR-2026-004512"
    assert found(text, THURSDAY) == [
        ("line", "FTTH12345678"),
        ("contract", "DEMO1234567"),
        ("contract", "88776655"),
        ("case_reference", "FR-2026-004512"),
    ]
    other_operator = Extractor({"line": [r"\bL-\d{6}\b"]}).extract("ligne L-123456", THURSDAY)
    assert [(e.type, e.value) for e in other_operator] == [("line", "L-123456")]

"""The personal data detector on French texts: what it must catch, what it must leave alone."""

import pytest

from filrouge.channels.social import privacy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appelez-moi au 06 12 34 56 78 svp", ["phone"]),
        ("mon numéro : 0612345678", ["phone"]),
        ("joignable au +33 6 12 34 56 78", ["phone"]),
        ("fixe 01.43.55.66.77 coupé", ["phone"]),
        ("écrivez-moi à marie.dupont+box@gmail.com", ["email"]),
        ("J'habite au 12 rue de la Roquette", ["address"]),
        ("livré au 3 bis avenue Jean Jaurès au lieu de chez moi", ["address"]),
        ("42, boulevard Voltaire", ["address"]),
        ("au 1 place d'Italie", ["address"]),
        ("la box est partie à 69003 Lyon", ["address"]),
        ("75011 PARIS", ["address"]),
        ("ma ligne FTTH00001234 est coupée", ["contract"]),
        ("mon contrat n° 12345678", ["contract"]),
        ("numéro client : AB123456", ["contract"]),
        ("compte DEMO0000042", ["contract"]),
        (
            "@FilRouge 3 semaines sans fibre au 8 rue Paul Bert 69003 Lyon, "
            "rappelez-moi au 06 12 34 56 78, contrat FTTH00001234",
            ["phone", "address", "contract"],
        ),
    ],
)
def test_personal_data_is_found_by_kind(text, expected):
    assert privacy.kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Toujours pas de fibre depuis 3 jours, inadmissible !",
        "Dossier FR-2026-000123 : des nouvelles ?",
        "il reste 1 place de libre sur le créneau de jeudi",
        "la rue est bloquée depuis 2 semaines à cause des travaux",
        "j'ai payé 12000 euros de factures en 10 ans",
        "débit de 300 Mbps au lieu de 1000 Mbps",
        "le technicien passe le 14 juillet entre 8h et 13h",
        "panne à Lyon depuis lundi, 5 voisins touchés",
        "merci @marie@mastodon.social pour l'info",
        "3 routes coupées dans le quartier",
        "",
    ],
)
def test_ordinary_complaints_are_not_flagged(text):
    assert privacy.find(text) == []


def test_findings_point_at_the_data_and_never_overlap():
    text = "rappel au 06 12 34 56 78 ou marie@exemple.fr"
    findings = privacy.find(text)
    assert [text[f.start : f.end] for f in findings] == ["06 12 34 56 78", "marie@exemple.fr"]


def test_the_operators_own_contacts_are_not_personal_data(settings):
    settings.FILROUGE_PRIVACY_ALLOWED = ["09 69 39 39 00", "Service-Client@FilRouge.example"]
    text = "Appelez le 09 69 39 39 00 ou service-client@filrouge.example"
    assert privacy.kinds(text) == []
    assert privacy.kinds(text + " ou mon 06 12 34 56 78") == ["phone"]


def test_contract_patterns_are_the_operators_setting(settings):
    assert privacy.kinds("ligne ORG-12-345-678") == []
    settings.FILROUGE_CONTRACT_PATTERNS = [r"\bORG-\d{2}-\d{3}-\d{3}\b"]
    assert privacy.kinds("ligne ORG-12-345-678") == ["contract"]
    assert privacy.kinds("ma ligne FTTH00001234") == []  # the defaults are replaced


def test_a_huge_text_is_read_without_trouble():
    assert privacy.kinds("panne " * 50_000 + "06 12 34 56 78") == []  # beyond the limit read
    assert privacy.kinds("06 12 34 56 78 " + "panne " * 50_000) == ["phone"]

"""Threats to leave or to go public, frustration, "needs a new intervention", and their phrases."""

import pytest

from filrouge.triage import lexicon
from filrouge.triage.classifier import normalise


def read(text: str) -> lexicon.Reading:
    return lexicon.read(normalise(text), text)


@pytest.mark.parametrize(
    "text",
    [
        "Je vais passer chez Free si rien ne bouge",
        "bon jvais chez sosh",
        "J'en ai marre, je pars.",
        "je résilie et je vais chez Bouygues",
        "si g pa internet demain je resilie tout",
        "Je vais changer d'opérateur.",
        "Deux semaines sans fibre. J'ai signé chez Sosh ce matin",
        "portabilité en cours vers B&You",
        "je vais aller voir ailleurs",
        "Je regarde les offres RED by SFR ce soir",
    ],
)
def test_threats_to_leave(text):
    reading = read(text)
    assert reading.churn, text
    assert reading.frustration >= 2


@pytest.mark.parametrize(
    "text",
    [
        "je compte pas partir chez SFR, je veux juste que ça marche",
        "Je n'ai pas l'intention de changer d'opérateur",
        "Le voyant de la box passe à orange puis au rouge",
        "Je quitte Paris pour Lille le mois prochain",
        "Je pars en vacances demain, pouvez-vous décaler le rendez-vous ?",
        "J'étais chez Free avant, content de vous avoir rejoint",
        "je souhaite résilier l'option TV",
    ],
)
def test_no_threat_to_leave(text):
    assert read(text).churn == [], text


def test_the_phrase_behind_a_threat_is_kept():
    assert read("Sinon je passe chez Free !").churn == ["passe chez free"]


@pytest.mark.parametrize(
    "text",
    [
        "Je saisis le médiateur des communications électroniques",
        "j'ai écrit à UFC-Que Choisir",
        "mon avocat va vous écrire",
        "je vais en parler sur Twitter",
        "je vais faire une vidéo YouTube sur ma galère",
        "je porte plainte",
    ],
)
def test_threats_to_go_public(text):
    assert read(text).escalation, text


def test_a_complaint_is_no_threat_to_go_public():
    assert read("Je dépose une réclamation auprès de votre service").escalation == []


def test_frustration_levels():
    assert read("Bonjour, ma box est arrivée, merci.").frustration == 0
    assert read("Toujours pas de connexion.").frustration == 1
    assert read("C'est inadmissible.").frustration == 2
    assert read("C'est inadmissible, toujours pas réparé !!!").frustration == 3
    assert read("bande d'escrocs").frustration == 3
    assert read("PLUS D'INTERNET DEPUIS LUNDI").frustration == 1


@pytest.mark.parametrize(
    "text",
    [
        "Le technicien est passé hier mais toujours pas d'internet",
        "Depuis son intervention, rien ne marche",
        "Ça a recommencé ce matin",
        "Ce n'est pas la même panne, c'est un autre problème : la télé",
        "Il me faut un nouveau technicien",
        "Votre robot dit qu'un technicien s'en occupe déjà mais chez moi la prise est cassée",
    ],
)
def test_needs_a_new_intervention(text):
    assert read(text).new_intervention, text


@pytest.mark.parametrize(
    "text",
    [
        "Plus d'internet depuis ce matin",
        "Le technicien vient jeudi, merci",
        "Merci, depuis l'intervention tout marche",
    ],
)
def test_already_being_handled(text):
    assert read(text).new_intervention == [], text

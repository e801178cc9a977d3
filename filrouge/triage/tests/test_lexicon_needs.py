"""`lexicon.needs`: the strings a rule's every match contains, so a text without them is skipped.

A wrong string would silently drop a threat or a frustration mark: the
derivation is checked on patterns whose answer is known, and on every match
the rules find in ~1,000 varied messages (`test_pinned_analysis.cases`) and
in the phrases the lexicon tests use.
"""

import re

import pytest

from filrouge.triage import lexicon
from filrouge.triage.classifier import normalise
from filrouge.triage.tests.test_pinned_analysis import cases

RULES = (*lexicon.CHURN, *lexicon.ESCALATION, *lexicon.FRUSTRATION, *lexicon.NEW_INTERVENTION)


@pytest.mark.parametrize(
    ("pattern", "strings"),
    [
        (r"\bmediat(?:eur|rice|ion)\b", ("mediateur", "mediation", "mediatrice")),
        (r"\bj ai signe\s+chez\s+(?:free|sfr)\b", ("j ai signe",)),
        (r"(?:a|b)?c+", ("c",)),  # an optional part is no string; a repeated one is
        (r"(?:ab|\w)cd", ("cd",)),  # an alternation with a class gives nothing
        (r"contacte?r?\s+(?:un|le)\b", ("contact", "contacte", "contacter", "contactr")),
        (r"\barcep\b|\bassociation\b", ("arcep", "association")),  # the parser shares "a"
        (r"x(?:yz)+", ("yz",)),  # the longer of the two strings every match has
        (r"(?:pas\s+de|rien)\s+(?:reseau|signal)", ("reseau", "signal")),
    ],
)
def test_the_strings_of_known_patterns(pattern, strings):
    assert lexicon.needs(pattern) == strings


@pytest.mark.parametrize(
    "pattern",
    [r"\w+", r"x{0,3}", r"(?i)abc", r"[a-z]+\s+[0-9]", r"(?:abc|\w+)", r"a|", r"(", r"(?x) a b c"],
)
def test_no_strings_when_none_is_certain(pattern):
    assert lexicon.needs(pattern) is None


def test_every_rule_has_its_strings():
    """The shortcut holds for all of today's rules (a rule without strings would still be read,
    only searched on every text)."""
    assert [r.pattern.pattern for r in RULES if r.needs is None] == []


def _texts() -> list[str]:
    texts = [normalise(c["text"]) for c in cases()]
    texts += [normalise(t) for t in PHRASES]
    # The sentences too: a rule may match a piece that the whole message's other rules hide.
    return texts + [p for t in texts for p in re.split(r"\s(?:et|mais|donc)\s", t)]


PHRASES = [
    "Je vais passer chez Free si rien ne bouge",
    "bon jvais chez sosh",
    "J'en ai marre, je pars.",
    "je résilie et je vais chez Bouygues",
    "Je vais changer d'opérateur.",
    "Deux semaines sans fibre. J'ai signé chez Sosh ce matin",
    "portabilité en cours vers B&You",
    "je vais aller voir ailleurs",
    "Je regarde les offres RED by SFR ce soir",
    "Sosh me propose mieux",
    "je vais rejoindre un autre opérateur",
    "je vous résilie",
    "je mettrai fin à mon contrat",
    "je vais vous quitter",
    "je quitte Orange",
    "je réfléchis à partir",
    "je saisis le médiateur",
    "j'écris à Que Choisir et à l'UFC, puis la DGCCRF et Signal Conso",
    "l'ARCEP et une association de consommateurs",
    "mon avocat, le tribunal, je vais porter plainte, un huissier",
    "mise en demeure, procédure judiciaire",
    "je vais raconter ça sur Twitter et dans la presse, BFM, France 2",
    "un thread public, publiquement, que tout le monde sache",
    "je prépare un reportage pour faire le buzz",
    "déçue, mécontent, agacée, pas normal, pas sérieux, dommage",
    "toujours pas, toujours rien, encore une fois, relance, troisième, 3e, 4ème",
    "cinq conseillers, personne ne répond, c'est long, trop long, j'attends encore",
    "aucune nouvelle, inadmissible, inacceptable, honteux, honteuse, honte, scandale",
    "scandaleux, lamentable, pathétique, minable, déplorable, incompétents, nuls, nulle",
    "ras le bol, marre, à bout, excédée, exaspéré, furieuse, insupportable, se moque",
    "vous moquez, mépris, une blague, foutage, putain, merde, bordel, connards, escrocs",
    "voleurs, arnaque, arnaqueurs, bande de, foutre, chier, abrutis, incapables",
    "le technicien est venu mais toujours pas de connexion",
    "depuis son passage toujours rien",
    "ça a recommencé, le problème est revenu, la panne est revenue",
    "rien n'a changé, pas du tout réparé, n'a rien réglé",
    "un autre problème, une nouvelle panne, pas le même, rien à voir avec",
    "pas lié à, autre chose que",
    "il me faut un nouveau technicien, une nouvelle intervention",
    "le technicien est déjà passé mais rien",
    "le robot s'en occupe alors que rien",
]


def test_every_match_contains_one_of_its_rules_strings():
    checked = 0
    for text in _texts():
        for rule in RULES:
            for match in rule.pattern.finditer(text):
                assert any(s in match[0] for s in rule.needs), (rule.pattern.pattern, match[0])
                checked += 1
    assert checked > 500  # the corpus does exercise the rules


def test_the_reading_is_the_same_with_and_without_the_shortcut():
    plain = tuple(lexicon.Rule(r.name, r.pattern, r.weight) for r in RULES)
    for text in _texts():
        fast = lexicon.matches(RULES, text, present=lexicon._STRINGS.present(text))
        assert fast == lexicon.matches(RULES, text)
        slow = lexicon.matches(plain, text)
        assert [(r.pattern, p) for r, p in fast] == [(r.pattern, p) for r, p in slow], text


def test_the_strings_found_word_by_word_are_those_in_the_text():
    strings = lexicon._STRINGS
    assert strings.known >= {s for r in RULES for s in r.needs}
    for text in [*_texts(), "m en vais", "j ai signe\tchez", "ab\u00a0cd", ""]:
        assert strings.present(text) == {s for s in strings.known if s in text}, text

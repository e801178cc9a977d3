"""Rules and a lexicon for what a model trained on a few thousand lines would guess badly.

Frustration (0–3), a threat to leave (churn), a threat to go public
(escalation) and "this needs a new intervention" are read by patterns on the
normalised text (`classifier.normalise`: lower case, no accents, shorthand
expanded), so each finding comes with the phrase that triggered it and an
advisor can see *why*. Negations are kept and read: "je ne compte pas partir
chez SFR" is no threat; "si ça marche pas je pars chez SFR" is one.

`OPERATORS` is the maintained list of French operators and brands (lower
case, accents removed, as `normalise` writes them): add a brand here and every
churn pattern knows it.
"""

import re
from dataclasses import dataclass

OPERATORS = (
    "free",
    "freebox",
    "free mobile",
    "sosh",
    "orange",
    "sfr",
    "red",
    "red by sfr",
    "bouygues",
    "bouygues telecom",
    "bbox",
    "b you",
    "b and you",
    "la poste mobile",
    "prixtel",
    "nrj mobile",
    "coriolis",
    "lebara",
    "lycamobile",
    "syma",
    "auchan telephone",
    "cdiscount mobile",
    "youprice",
    "source mobile",
    "k net",
    "videofutur",
    "ovh",
    "ovhcloud",
    "starlink",
    "nordnet",
    "numericable",
    "reglo mobile",
    "lidl connect",
    "sosh mobile",
)
# Brands that are ordinary words too ("le voyant passe à orange", "red"): only after "chez".
COMMON_WORDS = frozenset({"orange", "red", "free", "source mobile"})
_OPS = "|".join(sorted((re.escape(o) for o in OPERATORS), key=len, reverse=True))
_OPS_UNAMBIGUOUS = "|".join(
    sorted((re.escape(o) for o in OPERATORS if o not in COMMON_WORDS), key=len, reverse=True)
)
_ELSEWHERE = (
    rf"(?:chez|vers)\s+(?:{_OPS})\b|(?:a|pour)\s+(?:{_OPS_UNAMBIGUOUS})\b"
    r"|(?:chez|vers|pour|a)\s+(?:la\s+)?(?:concurrence|un\s+concurrent|un\s+autre\s+"
    r"(?:operateur|fournisseur|fai))|ailleurs"
)
_LEAVE_VERBS = (
    r"pass(?:e|er|erai|ons|ez)|part(?:ir|irai)?|pars|vais|aller|irai|file|filer|signe|signer|"
    r"signe|rejoin(?:dre|s)|port(?:e|er)\s+(?:mon|ma|le)\s+numero|bascul(?:e|er)|migr(?:e|er)|"
    r"retourn(?:e|er)|resilie\s+et\s+(?:je\s+)?(?:vais|pars|passe)|voir"
)


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern
    weight: int = 1
    # Strings one of which every match of `pattern` contains (derived from the pattern by
    # `needs`): a text with none of them is not searched. None: always searched.
    needs: tuple[str, ...] | None = None


def _rules(*specs: tuple[str, str] | tuple[str, str, int]) -> tuple[Rule, ...]:
    return tuple(
        Rule(s[0], re.compile(s[1]), s[2] if len(s) > 2 else 1, needs(s[1])) for s in specs
    )


# A pattern is searched at every position of the text, and most of these start with a long
# alternation: that is most of the cost of reading a message. But every match contains one
# of a few literal strings ("mediat", one of the leaving verbs, "intervention"...), and a
# substring test is ~100 times cheaper: `needs` finds such strings in the pattern's parse
# tree — a run of literal characters, the strings an alternation of literals can match, the
# body of a group or of a repetition done at least once — and keeps the most selective.
# Anything it does not know (a class, a repetition that may be skipped, a flag) gives no
# string, never a wrong one; a pattern it cannot read is always searched.
_EXACT_LIMIT = 64  # an alternation matching more strings than this is no literal


def needs(pattern: str) -> tuple[str, ...] | None:
    try:
        from re import _constants as op
        from re import _parser
    except ImportError:  # another Python's internals: no shortcut, the same results
        return None
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return None
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None

    def best(*options: frozenset[str] | None) -> frozenset[str] | None:
        valid = [o for o in options if o and all(o)]
        # Longer strings are rarer; fewer strings are fewer tests.
        return max(valid, key=lambda o: (min(4, min(map(len, o))), -len(o)), default=None)

    def exact(node) -> frozenset[str] | None:
        """Every string the node can match, if they are few and literal."""
        kind, value = node
        if kind is op.LITERAL:
            return frozenset({chr(value)})
        if kind in (op.AT, op.ASSERT, op.ASSERT_NOT):  # zero width
            return frozenset({""})
        if kind is op.IN and all(k is op.LITERAL for k, _v in value):
            return frozenset(chr(v) for _k, v in value)
        if kind is op.SUBPATTERN and not value[1] and not value[2]:  # no flags in the group
            return sequence(value[3])[0]
        if kind is op.BRANCH:
            branches = [sequence(b)[0] for b in value[1]]
            if all(b is not None for b in branches):
                union = frozenset().union(*branches)
                return union if len(union) <= _EXACT_LIMIT else None
        if kind in (op.MAX_REPEAT, op.MIN_REPEAT) and value[:2] == (0, 1):
            inner = sequence(value[2])[0]
            return None if inner is None else inner | {""}
        return None

    def required(node) -> frozenset[str] | None:
        """Strings one of which any match of the node contains (not an exact node)."""
        kind, value = node
        if kind is op.SUBPATTERN and not value[1] and not value[2]:
            return sequence(value[3])[1]
        if kind is op.BRANCH:
            branches = [sequence(b)[1] for b in value[1]]
            if all(b is not None for b in branches):
                return frozenset().union(*branches)
        if kind in (op.MAX_REPEAT, op.MIN_REPEAT, op.POSSESSIVE_REPEAT) and value[0] >= 1:
            return sequence(value[2])[1]
        return None

    def sequence(nodes) -> tuple[frozenset[str] | None, frozenset[str] | None]:
        """(every string the sequence can match if few, strings one of which it contains)."""
        found: frozenset[str] | None = None
        run = frozenset({""})  # the strings the current stretch of exact nodes can match
        whole: frozenset[str] | None = run
        for node in nodes:
            strings = exact(node)
            if strings is not None and len(run) * len(strings) <= _EXACT_LIMIT:
                run = frozenset(a + b for a in run for b in strings)
                if whole is not None:
                    whole = run
                continue
            found = best(found, run, required(node) if strings is None else strings)
            run = frozenset({""}) if strings is None else strings
            whole = None
        return whole, best(found, run)

    found = sequence(list(tree))[1]
    return tuple(sorted(found)) if found else None


CHURN = _rules(
    ("switch", rf"\b(?:{_LEAVE_VERBS})\b(?:\s+\w+){{0,4}}?\s+(?:{_ELSEWHERE})"),
    ("switch", rf"\bj ai signe\s+chez\s+(?:{_OPS})\b"),
    ("switch", r"\bchang(?:e|er|erai|ement)\s+d\s*(?:operateur|fournisseur|fai)\b"),
    ("switch", rf"\bportabilite\b(?:\s+\w+){{0,4}}\s+(?:vers|chez)\s+(?:{_OPS})\b"),
    ("switch", rf"\b(?:je\s+)?regarde\s+les\s+offres\s+(?:de\s+)?(?:{_OPS})\b"),
    ("switch", rf"\b(?:{_OPS})\s+(?:me\s+)?propose\s+(?:mieux|moins\s+cher)"),
    ("switch", r"\brejoindr(?:e|ai)\s+un\s+autre\s+(?:operateur|fournisseur)"),
    ("resign", r"\bje\s+(?:vous\s+)?resilie\b"),
    ("resign", r"\bje\s+(?:vais|vous\s+vais)\s+resilier\b"),
    ("resign", r"\bmettrai\s+fin\s+a\s+mon\s+(?:abonnement|contrat)"),
    (
        "leave",
        r"\bje\s+(?:pars|me\s+casse|m en\s+vais|me\s+barre|vous\s+quitte)\b(?!\s+(?:de|du|des|"
        r"en|a|au|aux|pour|dans|vivre|demenager|le|la|les|l|m|d|travailler|bientot|demain|"
        r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|ce|cet|cette|avant|apres)\b)",
    ),
    ("leave", r"\bje\s+vais\s+(?:partir|vous\s+quitter|me\s+casser|m en\s+aller)\b"),
    ("leave", r"\bje\s+quitte\s+(?:" + _OPS + r")\b"),
    ("leave", r"\b(?:reflechis|pense|envisage)\s+a\s+(?:partir|resilier|vous\s+quitter)"),
)

ESCALATION = _rules(
    ("mediator", r"\bmediat(?:eur|rice|ion)\b"),
    ("consumers", r"\bque\s+choisir\b|\bufc\b|\b60\s+millions\b|\bdgccrf\b|\bsignal\s*conso\b"),
    ("consumers", r"\barcep\b|\bassociation\s+de\s+consommateurs\b"),
    ("lawyer", r"\bavocat\b|\btribunal\b|\bjustice\b|\bporte?r?\s+plainte\b|\bhuissier\b"),
    ("lawyer", r"\bmise\s+en\s+demeure\b|\bprocedure\s+judiciaire\b"),
    (
        "public",
        r"\b(?:vais|va|allons|vous\s+allez|irai|faire|fais|contacte?r?|prevenir|previens|"
        r"saisir|ecrire|ecris|ecrit|raconter?|raconte|publier|publie|poster|poste|parler|parle|"
        r"alerter|alerte|transmis|transmettre|balancer|denoncer|partager|prepare|relayer|"
        r"mettre|tweeter|signaler)\b(?:\s+\w+){0,6}?\s+(?:sur|a|aux|au|la|les|le|un|une|dans)?"
        r"\s*(?:twitter|x|facebook|tiktok|youtube|instagram|linkedin|reseaux\s+sociaux|blog|"
        r"presse|journal|journaliste|journalistes|media|medias|tele|television|reportage|"
        r"article|video|thread|bfm|france\s+\d|le\s+parisien|radio)\b",
    ),
    (
        "public",
        r"\b(?:thread|post)\s+public\b|\bpubliquement\b|\btout\s+le\s+monde\s+(?:voie|sache)",
    ),
    ("public", r"\bprepare\s+un\s+reportage\b|\bfaire\s+le\s+buzz\b"),
)

FRUSTRATION = _rules(
    ("mild", r"\b(?:decu|decue|mecontente?|agacee?|pas\s+normal|pas\s+serieux|dommage)\b"),
    (
        "mild",
        r"\b(?:toujours\s+pas|toujours\s+rien|encore\s+une\s+fois|relance|troisieme|"
        r"3e|3eme|4eme|cinq\s+conseillers|personne\s+ne\s+(?:repond|rappelle))\b",
    ),
    ("mild", r"\b(?:c\s+est\s+long|trop\s+long|j\s+attends\s+encore|aucune\s+nouvelle)\b"),
    (
        "strong",
        r"\b(?:inadmissible|inacceptable|honteu(?:x|se)|honte|scandale|scandaleu(?:x|se)|"
        r"lamentable|pathetique|minable|deplorable|incompetents?|nuls?|nulle)\b",
        2,
    ),
    (
        "strong",
        r"\b(?:ras\s+le\s+bol|marre|a\s+bout|excedee?|exaspere|furieu(?:x|se)|"
        r"insupportable|se\s+moque|vous\s+moquez|mepris|une\s+blague|foutage)\b",
        2,
    ),
    (
        "insult",
        r"\b(?:putain|merde|bordel|connards?|escrocs?|voleurs?|arnaque|arnaqueurs?|"
        r"bande\s+de|foutre|chier|abrutis?|incapables)\b",
        3,
    ),
)

NEW_INTERVENTION = _rules(
    (
        "not_fixed",
        r"\b(?:technicien|intervention|reparation|passage|depannage)\b(?:\s+\w+){0,8}?"
        r"\s+(?:toujours|encore|rien\s+n\s+a\s+change|pas\s+(?:regle|resolu|repare)|"
        r"n\s+a\s+rien\s+(?:change|regle|fait)|ne\s+(?:marche|fonctionne)\s+(?:pas|plus)"
        r"|recommence|revenu|est\s+revenue?)\b",
    ),
    (
        "not_fixed",
        r"\b(?:depuis|apres)\s+(?:son|le|l|la|votre)\s+(?:passage|intervention|"
        r"reparation|visite)\b(?:\s+\w+){0,6}?\s+(?:toujours|encore|rien|pas|plus)\b",
    ),
    (
        "not_fixed",
        r"\b(?:ca|cela|le\s+probleme|la\s+panne)\s+(?:a\s+)?recommence\b"
        r"|\ble\s+probleme\s+est\s+revenu\b|\bla\s+panne\s+est\s+revenue\b",
    ),
    (
        "not_fixed",
        r"\brien\s+n\s+a\s+change\b|\bpas\s+(?:du\s+tout\s+)?(?:repare|regle|resolu)\b"
        r"|\bn\s+a\s+(?:rien\s+)?(?:repare|regle|resolu)\b",
    ),
    ("different", r"\b(?:autre|nouveau|nouvelle|second|deuxieme)\s+(?:probleme|panne|souci)\b"),
    (
        "different",
        r"\b(?:pas\s+(?:le|la)\s+meme|rien\s+a\s+voir\s+avec|pas\s+lie\s+a|"
        r"autre\s+chose\s+que)\b",
    ),
    (
        "needs_visit",
        r"\b(?:il\s+)?(?:me\s+|nous\s+)?faut\s+(?:un|une)\s+(?:nouveau|nouvelle|autre)"
        r"\s+(?:technicien|passage|intervention|rendez\s+vous|visite)\b",
    ),
    ("needs_visit", r"\b(?:nouvelle|autre|deuxieme|seconde)\s+intervention\b"),
    (
        "needs_visit",
        r"\b(?:technicien|robot)\b(?:\s+\w+){0,6}?\s+(?:deja|s\s+en\s+occupe)\b"
        r"(?:\s+\w+){0,8}?\s+(?:mais|alors\s+que|or)\b",
    ),
)

# "je ne compte pas partir", "je n ai pas l intention de resilier", "pas question de partir":
# a negation right before the phrase (a few grammatical words in between).
_NEGATED = re.compile(
    r"\b(?:pas|jamais|aucunement|nullement|plus)\s+(?:(?:de|d|l|intention|envie|question|"
    r"du\s+tout|encore|a|vous)\s+)*$"
)
_NEGATION_WINDOW = 40


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATED.search(text[max(0, start - _NEGATION_WINDOW) : start]))


_NONE: frozenset[str] = frozenset()  # shared by the words that contain no string


class _Strings:
    """Which of many strings a text contains, read word by word: a string with no white space
    in it can only be inside one word (a run of non-space characters), and what a word
    contains is worked out once and kept; the few strings with a space are looked for in the
    whole text. A dozen look-ups per message instead of a substring search per string."""

    LIMIT = 50_000  # words kept (a few MB); emptied when full (a flood of novel words)

    def __init__(self, strings: set[str]) -> None:
        self.known = frozenset(strings)
        self.spaced = tuple(sorted(s for s in strings if any(c.isspace() for c in s)))
        self.plain = tuple(sorted(s for s in strings if not any(c.isspace() for c in s)))
        self.words: dict[str, frozenset[str]] = {}

    def present(self, text: str) -> set[str]:
        found = {s for s in self.spaced if s in text}
        words = self.words
        if len(words) > self.LIMIT:
            words.clear()
        for word in set(text.split()):
            inside = words.get(word)
            if inside is None:
                inside = words[word] = frozenset(s for s in self.plain if s in word) or _NONE
            if inside:
                found |= inside
        return found


def matches(
    rules: tuple[Rule, ...],
    text: str,
    *,
    negatable: bool = True,
    present: set[str] | None = None,
) -> list[tuple[Rule, str]]:
    """Each rule that matches (not negated), with the phrase it matched. `present`: which of
    the strings of this module's rules the text contains (`_STRINGS.present(text)`), when
    the caller has it; `rules` must then be this module's."""
    found = []
    for rule in rules:
        needs = rule.needs
        if needs is not None and (
            present.isdisjoint(needs)
            if present is not None
            else not any(map(text.__contains__, needs))
        ):
            continue  # no match possible (see `needs`)
        for match in rule.pattern.finditer(text):
            if negatable and _negated(text, match.start()):
                continue
            found.append((rule, match[0]))
            break
    return found


_STRINGS = _Strings(
    {s for r in (*CHURN, *ESCALATION, *FRUSTRATION, *NEW_INTERVENTION) for s in r.needs or ()}
)


@dataclass(frozen=True)
class Reading:
    frustration: int
    churn: list[str]
    escalation: list[str]
    new_intervention: list[str]
    frustration_phrases: list[str]


_SHOUT = re.compile(r"\b[A-ZÀ-Ý]{3,}\b")
_WORDS = re.compile(r"\b\w{3,}\b")
_BANGS = re.compile(r"[!?]{2,}|!\s*!|😡|🤬|😤")


def read(clean: str, raw: str) -> Reading:
    """Frustration, threats and the new-intervention signal of one message."""
    present = _STRINGS.present(clean)
    churn = [phrase for _rule, phrase in matches(CHURN, clean, present=present)]
    escalation = [phrase for _rule, phrase in matches(ESCALATION, clean, present=present)]
    new = [
        phrase
        for _rule, phrase in matches(NEW_INTERVENTION, clean, negatable=False, present=present)
    ]
    angry = matches(FRUSTRATION, clean, present=present)
    points = sum(rule.weight for rule, _phrase in angry)
    phrases = [phrase for _rule, phrase in angry]
    head = raw[:2_000]
    if bangs := _BANGS.search(head):
        points += 1
        phrases.append(bangs[0])
    words = _WORDS.findall(head)
    if len(words) >= 3 and len(_SHOUT.findall(head)) * 2 > len(words):
        points += 1
        phrases.append("MAJUSCULES")
    if churn or escalation:  # a threat says more than any word: at least 2, and adds to anger
        points = max(points + 1, 2)
    return Reading(min(3, points), churn, escalation, new, phrases)

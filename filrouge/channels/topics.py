"""A first guess of what a message is about, from French keywords.

Threading needs a topic to tell "the same problem again" from a new one. This
is deliberately small and explainable; the triage app's trained model replaces
`guess_intent` behind the same signature when it lands.
"""

import re

from filrouge.cases.models import Intent
from filrouge.customers.normalise import fold

# Folded (lower-case, no accents) word starts; order breaks ties.
KEYWORDS: dict[str, tuple[str, ...]] = {
    Intent.OUTAGE: (
        "panne",
        "coupure",
        "coupe",
        "plus d'internet",
        "plus de connexion",
        "pas de connexion",
        "plus de reseau",
        "pas de reseau",
        "ne fonctionne plus",
        "ne marche plus",
        "hors service",
        "plus de tonalite",
        "plus de tele",
        "plus de fibre",
    ),
    Intent.MOVE: ("demenag", "nouvelle adresse", "changement d'adresse", "transfert de ligne"),
    Intent.BILLING: ("factur", "prelev", "rembours", "trop paye", "trop percu", "montant"),
    Intent.DELIVERY: ("livraison", "livre", "colis", "expedi", "transporteur", "point relais"),
    Intent.APPOINTMENT: ("rendez-vous", "rdv", "technicien", "intervention", "creneau"),
    Intent.CANCELLATION: ("resili",),
    Intent.EQUIPMENT: ("box", "decodeur", "routeur", "modem", "carte sim", "boitier", "repeteur"),
    Intent.SALES: ("offre", "souscri", "forfait", "option"),
    Intent.COMPLAINT: ("reclamation", "inadmissible", "scandale", "plainte", "mediateur"),
    Intent.FOLLOWUP: (
        "des nouvelles",
        "toujours rien",
        "toujours pas",
        "relance",
        "je reviens vers vous",
        "ou en est",
        "sans nouvelles",
        "aucune nouvelle",
        "suite a mon",
    ),
}
_PATTERNS = {
    intent: re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + ")")
    for intent, words in KEYWORDS.items()
}


def guess_intent(*texts: str) -> str:
    """The intent with the most keyword hits in the texts; `other` when none hits."""
    folded = _fold(texts)
    scores = {intent: len(p.findall(folded)) for intent, p in _PATTERNS.items()}
    best = max(scores.values(), default=0)
    if not best:
        return Intent.OTHER
    return next(intent for intent, score in scores.items() if score == best)


def is_followup(*texts: str) -> bool:
    """Whether the message asks about progress ("des nouvelles ?", "toujours rien")."""
    return bool(_PATTERNS[Intent.FOLLOWUP].search(_fold(texts)))


def _fold(texts: tuple[str, ...]) -> str:
    return fold(" ".join(t for t in texts if t)).replace("\u2019", "'")

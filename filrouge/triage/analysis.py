"""`analyse(text, *, channel, customer=None) -> Analysis`: what a message is about, how it feels.

`analyse_many(items)` does the same for a batch: the texts are normalised once,
vectorised together and scored in one sparse product; the rules and the entity
patterns then run per message on the already-normalised text. Never raises on
a text: empty, a megabyte, binary junk, emoji only or another language give a
valid `Analysis` (intent `other`, confidence 0 when there is nothing French to
read), in bounded time.

Limits on what is read (bad input, Quality section of issue 6):
- only the first `MAX_TEXT` (20,000) characters of a message are analysed at all —
  the model reads the first 4,000 of those, the frustration marks the first 2,000;
- the quoted history of a reply ("Le … a écrit :", "> …", "-----Message d'origine-----")
  is cut before reading, with the e-mail parser's own rule, so the customer's new words
  are read, not the old ones they quote;
- at most `MAX_ENTITIES` (50) entities per message, in the order they appear;
- binary junk is read as text (bytes decoded, NUL removed), emoji only and other
  languages give `other` with confidence 0.
"""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from filrouge.channels.email.parse import strip_quoted
from filrouge.channels.social import privacy
from filrouge.triage import classifier, lexicon, store
from filrouge.triage.entities import Extractor

PUBLIC_CHANNELS = frozenset({"social", "x", "mastodon"})
SECONDARY_THRESHOLD = 0.2  # another intent this likely is reported as a second topic
FRAGMENT_THRESHOLD = 0.5  # ...and so is the clear topic of one of the message's sentences
MAX_FRAGMENTS = 8
MAX_TEXT = 20_000  # characters of a message analysed at all: a long letter, not a log file
MAX_ENTITIES = 50  # entities kept per message: a person lists a few, a paste lists hundreds
# A reply that quotes what it answers (the e-mail parser's rule decides what is cut).
_QUOTE_HINT = re.compile(
    r"^\s*>|a [ée]crit ?:|wrote:|message d'origine|original message|^\s*(?:de|from) ?:",
    re.IGNORECASE | re.MULTILINE,
)
# Where one topic ends and another starts: sentence ends, and the words that add a topic.
_SPLIT = re.compile(
    r"[.!?;\n]+|\b(?:et en plus|en plus|par ailleurs|au passage|d'autre part|autre chose|"
    r"et aussi|de plus)\b",
    re.IGNORECASE,
)
# Common French words: a text of four words or more with none of these is not French.
_FRENCH = frozenset(
    (  # noqa: SIM905 - a word list reads better as a sentence
        "le la les de des du je j pas mon ma mes est et a un une pour vous il on ne plus que "
        "qui en au avec sur c l d m n s t y ce cette suis ai depuis toujours rien bonjour "
        "merci internet box ligne facture votre vos nous"
    ).split()
)

# Common words of the other languages customers write in (English, Spanish, Portuguese,
# Italian, German), none of them a French word or a French customer's usual slang: a text
# with more of these than French ones is not French ("mi factura de este mes" has two).
_FOREIGN = frozenset(
    (  # noqa: SIM905 - a word list reads better as a sentence
        "the and is my to of for please you it have not with this that was are be from my "
        "your can hello thanks thank why what when "
        "el los las por favor mi tengo hola gracias buenos buenas dias este esta muy pero "
        "hace funciona ayuda ayudenme factura desde senor usted "
        "obrigado obrigada nao meu minha voce ola bom dia "
        "della sono ho mio grazie buongiorno perche funziona "
        "und ist nicht mein ich die der das bitte guten tag seit funktioniert mir sie"
    ).split()
)


@dataclass
class Analysis:
    intent: str
    confidence: float
    intents: dict[str, float]
    secondary: list[str]
    frustration: int
    churn_threat: bool
    escalation_threat: bool
    new_intervention: bool
    entities: list[dict]
    public_pii: list[str]
    triggers: dict[str, list[str]] = field(default_factory=dict)
    model_version: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Item:
    text: str
    channel: str = ""
    public: bool | None = None
    at: datetime | None = None


@lru_cache(maxsize=4)
def _extractor(patterns: str, region: str) -> Extractor:
    import json

    return Extractor(json.loads(patterns), region)


_last_extractor: tuple[dict, str, Extractor] | None = None


def extractor() -> Extractor:
    """The extractor for the settings' number patterns and region: the one built last if the
    settings still equal what it was built from (a comparison, not a JSON dump, per call)."""
    import copy
    import json

    global _last_extractor
    patterns, region = settings.FILROUGE_TRIAGE_NUMBER_PATTERNS, settings.FILROUGE_DEFAULT_REGION
    last = _last_extractor
    if last is not None and last[1] == region and last[0] == patterns:
        return last[2]
    built = _extractor(json.dumps(patterns, sort_keys=True), region)
    _last_extractor = (copy.deepcopy(patterns), region, built)
    return built


def _as_text(text: object) -> str:
    """The words to read: text, at most `MAX_TEXT` characters, without a reply's quote."""
    if isinstance(text, bytes):
        text = text[: MAX_TEXT * 4].decode("utf-8", "replace")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_TEXT].replace("\x00", "")
    if _QUOTE_HINT.search(text):
        text = strip_quoted(text)
    return text


_LETTERS = re.compile(r"[a-z]{2,}")


def _is_french(clean: str) -> bool:
    words = clean.split()
    if len(words) < 4:
        return True  # too short to tell: let the model read it
    head = words[:200]
    french = sum(w in _FRENCH for w in head)
    return french * 10 >= len(head) and french >= sum(w in _FOREIGN for w in head)


def analyse(
    text: str,
    *,
    channel: str,
    customer=None,
    public: bool | None = None,
    at: datetime | None = None,
) -> Analysis:
    """One message. `customer` is accepted for the interface (the routing reads the case)."""
    return analyse_many([Item(text, channel, public, at)])[0]


def analyse_many(items: Sequence[Item]) -> list[Analysis]:
    model = store.current()
    texts = [_as_text(i.text) for i in items]
    clean = [classifier.normalise(t) for t in texts]
    readable = [bool(_LETTERS.search(c)) and _is_french(c) for c in clean]
    owners, fragments = _fragments(texts)
    probabilities, per_fragment = model.probabilities_with_sentences(clean, fragments)
    topics: list[set[int]] = [set() for _ in texts]
    for owner, row in zip(owners, per_fragment, strict=True):
        best = int(row.argmax())
        if row[best] >= FRAGMENT_THRESHOLD:
            topics[owner].add(best)
    names = model.intents
    other = names.index("other")
    numbers = extractor()
    moment = timezone.now()
    results = []
    for item, text, normalised, ok, row, found in zip(
        items, texts, clean, readable, probabilities, topics, strict=True
    ):
        if ok:
            order = row.argsort()[::-1]
            top = int(order[0])
            confidence = float(row[top])
            intents = {name: round(p, 4) for name, p in zip(names, row.tolist(), strict=True)}
        else:
            top, confidence = other, 0.0
            intents = {name: (1.0 if name == "other" else 0.0) for name in names}
            order = [other]
        likely = {int(i) for i in order[1:4] if ok and float(row[int(i)]) >= SECONDARY_THRESHOLD}
        secondary = [
            names[i]
            for i in sorted((likely | found) - {top, other}, key=lambda i: -float(row[i]))
            if ok
        ]
        reading = lexicon.read(normalised, text)
        public = item.public if item.public is not None else item.channel in PUBLIC_CHANNELS
        entities = numbers.extract(text, item.at or moment)[:MAX_ENTITIES]
        pii = _pii(text) if public else []
        results.append(
            Analysis(
                intent=names[top],
                confidence=round(confidence, 4),
                intents=intents,
                secondary=secondary,
                frustration=reading.frustration,
                churn_threat=bool(reading.churn),
                escalation_threat=bool(reading.escalation),
                new_intervention=bool(reading.new_intervention),
                entities=[e.as_dict() for e in entities],
                public_pii=pii,
                triggers={
                    "churn": reading.churn,
                    "escalation": reading.escalation,
                    "frustration": reading.frustration_phrases,
                    "new_intervention": reading.new_intervention,
                },
                model_version=int(model.header.get("version", 0)),
            )
        )
    return results


def _fragments(texts: Sequence[str]) -> tuple[list[int], list[str]]:
    """The sentences of messages that have several (owner index, normalised sentence)."""
    owners, fragments = [], []
    for n, text in enumerate(texts):
        parts = [p for p in _SPLIT.split(text[: classifier.MAX_CHARS]) if len(p.split()) >= 3]
        if len(parts) < 2:
            continue
        for part in parts[:MAX_FRAGMENTS]:
            owners.append(n)
            fragments.append(classifier.normalise(part))
    return owners, fragments


def _pii(text: str) -> list[str]:
    """Kinds of personal data a public post exposes (the channels' detector, shared)."""
    if "@" not in text and not any(c.isdigit() for c in text[:20_000]):
        return []
    return privacy.kinds(text)

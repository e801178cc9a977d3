"""Personal data in a text: phone numbers, e-mail addresses, postal addresses, contract numbers.

Story E5: a customer posts their address and phone number publicly to get
help. A public post is flagged with the *kinds* of data it exposes (never the
values: the flag must not become a second copy), and an advisor's public answer
that would expose any is refused. The triage app reuses `find` on every message.

Rules, not a model: each finding says which rule matched, so a false positive
can be explained and a rule tuned. Phones use `phonenumbers` (French numbering
plan, only valid numbers); addresses are a street number followed by a kind of
street ("12 rue…", "3 bis avenue…"), or a postcode followed by a capitalised
commune ("75011 Paris"); contract and line numbers are the operator's own
patterns (`FILROUGE_CONTRACT_PATTERNS`) plus "contrat/client n° 12345678".
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.conf import settings

PHONE, EMAIL, ADDRESS, CONTRACT = "phone", "email", "address", "contract"
KINDS = (PHONE, EMAIL, ADDRESS, CONTRACT)  # the order flags are listed in

# "contrat n° 12345678", "numéro client : AB123456", "réf. abonné 98765432"...
_NAMED_NUMBER = re.compile(
    r"\b(?:contrat|client|abonn[ée]e?|compte|abonnement|r[ée]f[ée]rence|r[ée]f\.?)"
    r"(?:\s+(?:client|abonn[ée]e?))?\s*(?:n\s?[°o]|num[ée]ro|no\.?|#)?\s*:?\s*"
    r"[A-Z]{0,4}\d{6,}\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,24}\b", re.IGNORECASE)
# Kinds of street that are hardly anything else after a number.
_STREETS = (
    r"rue|avenue|av\.?|boulevard|bd|bld|blvd|all[ée]e|impasse|imp\.|quai|faubourg|fbg|"
    r"lotissement|lieu-dit|r[ée]sidence|square|esplanade|promenade|rond-point"
)
# Kinds that are ordinary words too ("1 place de libre"): only with a capitalised name.
_AMBIGUOUS_STREETS = r"place|pl\.|cours|route|rte|voie|passage|chemin|cit[ée]|villa|hameau|sentier"
_NUMBER = r"\b\d{1,4}(?:\s?(?:bis|ter|quater|[a-d]))?,?\s+"
_ADDRESS = re.compile(rf"{_NUMBER}(?:{_STREETS})\s+\w", re.IGNORECASE)
_AMBIGUOUS_ADDRESS = re.compile(
    rf"{_NUMBER}(?i:{_AMBIGUOUS_STREETS})\s+(?i:(?:de\s+la|de|du|des|d['’])\s*)?[A-ZÀ-Ý]"
)
# A postcode (01000–98999) then a commune with a capital: "75011 Paris", "69003 Lyon".
_POSTCODE_COMMUNE = re.compile(
    r"(?<![\w-])(?:0[1-9]|[1-8]\d|9[0-8])\d{3}\s+(?:[A-ZÀ-Ý][a-zà-ÿ'’-]{2,}|[A-ZÀ-Ý]{3,}\b)"
)
# Units and words that follow a number but are no commune.
_NOT_COMMUNES = frozenset({"euros", "euro", "eur", "mbps", "mbit", "gbps", "octets", "abonnés"})


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    rule: str


def find(text: str) -> list[Finding]:
    """Every piece of personal data in the text, in order, overlaps resolved to the first."""
    if not text:
        return []
    text = text[:20_000]
    found = [*_phones(text), *_emails(text), *_addresses(text), *_contracts(text)]
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def kinds(text: str) -> list[str]:
    """The kinds of personal data in the text (what a flag stores), in `KINDS` order."""
    present = {f.kind for f in find(text)}
    return [kind for kind in KINDS if kind in present]


def _phones(text: str) -> list[Finding]:
    allowed = _allowed()
    found = []
    for match in phonenumbers.PhoneNumberMatcher(
        text, settings.FILROUGE_DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID
    ):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in allowed:
            found.append(Finding(PHONE, match.start, match.end, "phonenumbers"))
    return found


def _emails(text: str) -> list[Finding]:
    allowed = _allowed()
    return [
        Finding(EMAIL, m.start(), m.end(), "email")
        for m in _EMAIL.finditer(text)
        if m[0].lower() not in allowed and not _is_handle(text, m.start())
    ]


def _is_handle(text: str, start: int) -> bool:
    """`@marie@mastodon.social` is a public handle, not an e-mail address."""
    return start > 0 and text[start - 1] == "@"


def _addresses(text: str) -> list[Finding]:
    found = [Finding(ADDRESS, m.start(), m.end(), "street") for m in _ADDRESS.finditer(text)]
    found += [
        Finding(ADDRESS, m.start(), m.end(), "street") for m in _AMBIGUOUS_ADDRESS.finditer(text)
    ]
    for match in _POSTCODE_COMMUNE.finditer(text):
        word = match[0].split()[-1].lower()
        if word not in _NOT_COMMUNES:
            found.append(Finding(ADDRESS, match.start(), match.end(), "postcode"))
    return found


def _contracts(text: str) -> list[Finding]:
    found = [Finding(CONTRACT, m.start(), m.end(), "named") for m in _NAMED_NUMBER.finditer(text)]
    for pattern in _contract_patterns(tuple(settings.FILROUGE_CONTRACT_PATTERNS)):
        found += [Finding(CONTRACT, m.start(), m.end(), "pattern") for m in pattern.finditer(text)]
    return found


@lru_cache(maxsize=8)
def _contract_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in patterns)


def _allowed() -> frozenset[str]:
    """The operator's own public contacts (its hotline, its care address): not personal data."""
    return _allowed_set(tuple(settings.FILROUGE_PRIVACY_ALLOWED))


@lru_cache(maxsize=8)
def _allowed_set(values: tuple[str, ...]) -> frozenset[str]:
    allowed = set()
    for value in values:
        value = value.strip().lower()
        if "@" in value:
            allowed.add(value)
            continue
        try:
            number = phonenumbers.parse(value, settings.FILROUGE_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            continue
        allowed.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return frozenset(allowed)

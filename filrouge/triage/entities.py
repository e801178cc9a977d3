"""Entities in a French message: phones, e-mails, addresses, postcodes, numbers, references, dates.

Precompiled patterns, each behind a cheap check (no digit: no phone, postcode,
number or numeric date; no "@": no e-mail; no day or time word: no date), so a
message without any costs a few string scans. Phones are found by a pattern
and confirmed by `phonenumbers` (French numbering plan by default, only valid
numbers, value in E.164). Contract and line numbers are the operator's own
patterns (settings `FILROUGE_TRIAGE_NUMBER_PATTERNS`).

Dates and time slots are resolved against the message's time in Europe/Paris:
"jeudi 4 mars entre 8h et 13h" → a slot `2026-03-04T08:00/2026-03-04T13:00`,
"demain matin" → tomorrow 08:00–12:00, "la semaine prochaine" → next Monday to
Sunday. `dateparser` was measured and not used: 2.5 ms per message even with
no date in it (the whole budget is 0.5 ms) and it read "8h et 13h" as 23:00.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers

PARIS = ZoneInfo("Europe/Paris")
MAX_SCAN = 20_000  # characters read for entities: what a person would write by hand

# Lower case and accents removed one letter for one, so positions match the original text.
_FOLD = str.maketrans(
    "ÀÂÄÁÃÇÉÈÊËÍÎÏÌÑÓÔÖÒÕÚÛÜÙÝŸàâäáãçéèêëíîïìñóôöòõúûüùýÿ’–—",
    "aaaaaceeeeiiiinooooouuuuyyaaaaaceeeeiiiinooooouuuuyy'--",
)

_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)"
)
_EMAIL = re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,24}\b", re.IGNORECASE)
_STREET_KINDS = (
    r"rue|avenue|av\.?|boulevard|bd|bld|allee|impasse|quai|place|chemin|route|cours|square|"
    r"faubourg|residence|lotissement|voie|passage|cite|villa|hameau|sentier|esplanade"
)
_ADDRESS = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter|quater))?,?\s+(?:" + _STREET_KINDS + r")\s+"
    r"[a-z'\- ]{2,60}?(?:,?\s+(\d{5})\s+([a-z][a-z'\- ]{1,40}[a-z]))?"
    r"(?=[,.;\n!?)]|$|\s\d|\s(?:et|a|pour|merci)\b)",
)
_POSTCODE = re.compile(r"(?<![\w-])((?:0[1-9]|[1-8]\d|9[0-8])\d{3})\s+([a-z][a-z'\-]{2,})")
_NOT_COMMUNES = frozenset(
    {
        "euros",
        "euro",
        "eur",
        "mbps",
        "mbit",
        "gbps",
        "octets",
        "abonnes",
        "clients",
        "jours",
        "heures",
        "minutes",
        "fois",
        "km",
        "metres",
    }
)
_CASE_REFERENCE = re.compile(r"\bFR-\d{4}-\d{6,9}\b", re.IGNORECASE)
_NAMED_CONTRACT = re.compile(
    r"\b(?:contrat|client|abonne|compte|abonnement|reference|ref\.?)"
    r"(?:\s+(?:client|abonne))?\s*(?:n\s?[°o]|numero|no\.?|#)?\s*:?\s*([A-Z]{0,4}\d{6,})\b",
    re.IGNORECASE,
)

MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)
_HOUR = r"(\d{1,2})\s?(?:h|:|heures?)\s?(\d{2})?"
_PARTS = {
    "matin": (8, 12),
    "matinee": (8, 12),
    "midi": (12, 14),
    "apres-midi": (13, 18),
    "apres midi": (13, 18),
    "aprem": (13, 18),
    "soir": (18, 22),
    "soiree": (18, 22),
    "nuit": (22, 24),
}
_PART = r"(matinee|matin|apres-midi|apres midi|aprem|midi|soiree|soir|nuit)"

_DAY = re.compile(
    r"\b(?:(" + _WEEKDAY + r")\s+)?(1er|\d{1,2})\s+(" + _MONTH + r")\.?(?:\s+(\d{4}))?\b"
    r"|\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b"
    r"|\b(apres-demain|apres demain|avant-hier|avant hier|aujourd'hui|aujourd hui|auj|demain|"
    r"hier|ce matin|ce soir|cet apres-midi|cet apres midi|cette nuit)\b"
    r"|\b(ce\s+|cette\s+)?(" + _WEEKDAY + r")(\s+prochain|\s+dernier)?\b"
    r"|\bdans\s+(\d{1,2}|un|une|deux|trois|quatre|huit|quinze)\s+(jours?|semaines?)\b"
    r"|\b(la\s+semaine\s+prochaine|la\s+semaine\s+derniere|cette\s+semaine|ce\s+week-?end|"
    r"le\s+week-?end\s+prochain|le\s+mois\s+prochain|fin\s+du\s+mois|la\s+fin\s+du\s+mois)\b"
)
_TIME = re.compile(
    r"\s*,?\s*(?:"
    r"(?:entre|de)\s+"
    + _HOUR
    + r"\s*(?:et|a|-)\s*"
    + _HOUR
    + r"|"
    + _HOUR
    + r"\s*(?:-|a)\s*"
    + _HOUR
    + r"|(?:a|vers|des|avant|apres)\s+"
    + _HOUR
    + r"|(?:dans\s+la\s+|en\s+|l'|le\s+|au\s+|en\s+fin\s+de\s+)?"
    + _PART
    + r")"
)
_RANGE_ALONE = re.compile(
    r"\b(?:entre|de)\s+" + _HOUR + r"\s*(?:et|a|-)\s*" + _HOUR + r"|\b" + _HOUR + r"\s*-\s*" + _HOUR
)
_DATE_HINT = re.compile(
    r"\d|demain|hier|aujourd|auj|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|semaine|"
    r"week|mois|matin|soir"
)
_NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "huit": 8, "quinze": 15}


@dataclass(frozen=True)
class Entity:
    type: str
    text: str
    value: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"type": self.type, "text": self.text, "value": self.value}


class Extractor:
    """Compiled once per set of number patterns; `extract(text, at)` is then pure and cheap."""

    def __init__(self, number_patterns: dict[str, list[str]], region: str = "FR") -> None:
        self.region = region
        self.numbers = [(kind, re.compile(p)) for kind, ps in number_patterns.items() for p in ps]

    def extract(self, text: str, at: datetime) -> list[Entity]:
        text = text[:MAX_SCAN]
        folded = text.lower().translate(_FOLD)
        if len(folded) != len(text):  # a letter whose lower case is longer: positions drift
            folded = text
        found: list[Entity] = []
        has_digit = (
            any(c.isdigit() for c in text) if len(text) < 4000 else bool(re.search(r"\d", text))
        )
        if "@" in text:
            found += self._emails(text)
        if has_digit:
            found += self._phones(text)
            found += self._references(text)
            found += self._numbers(text)
            found += self._addresses(text, folded)
        if _DATE_HINT.search(folded):
            found += _dates(text, folded, at.astimezone(PARIS))
        return _without_overlaps(found)

    def _phones(self, text: str) -> list[Entity]:
        found = []
        for m in _PHONE.finditer(text):
            try:
                number = phonenumbers.parse(m[0], self.region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                found.append(Entity("phone", m[0], e164, m.start(), m.end()))
        return found

    def _emails(self, text: str) -> list[Entity]:
        return [
            Entity("email", m[0], m[0].lower(), m.start(), m.end())
            for m in _EMAIL.finditer(text)
            if not (m.start() > 0 and text[m.start() - 1] == "@")  # @name@server: a handle
        ]

    def _references(self, text: str) -> list[Entity]:
        return [
            Entity("case_reference", m[0], m[0].upper(), m.start(), m.end())
            for m in _CASE_REFERENCE.finditer(text)
        ]

    def _numbers(self, text: str) -> list[Entity]:
        found = [
            Entity(kind, m[0], m[0].upper(), m.start(), m.end())
            for kind, pattern in self.numbers
            for m in pattern.finditer(text)
        ]
        for m in _NAMED_CONTRACT.finditer(text):
            found.append(Entity("contract", m[0], m[1].upper(), m.start(), m.end()))
        return found

    def _addresses(self, text: str, folded: str) -> list[Entity]:
        found = []
        for m in _ADDRESS.finditer(folded):
            value = " ".join(text[m.start() : m.end()].split()).strip(" ,")
            found.append(Entity("address", text[m.start() : m.end()], value, m.start(), m.end()))
            if m[1]:
                found.append(Entity("postcode", m[1], m[1], m.start(1), m.end(1)))
        for m in _POSTCODE.finditer(folded):
            if m[2] in _NOT_COMMUNES:
                continue
            found.append(
                Entity("postcode", text[m.start(1) : m.end(1)], m[1], m.start(1), m.end(1))
            )
        return found


def _without_overlaps(found: list[Entity]) -> list[Entity]:
    """In text order; a postcode inside an address is kept (it is useful alone), others not."""
    found.sort(key=lambda e: (e.start, -(e.end - e.start)))
    kept: list[Entity] = []
    last_end = -1
    for entity in found:
        if entity.start < last_end and entity.type != "postcode":
            continue
        if entity.type == "postcode" and any(
            k.type == "postcode" and k.start == entity.start for k in kept
        ):
            continue
        kept.append(entity)
        if entity.type != "postcode":
            last_end = max(last_end, entity.end)
    return kept


# Dates ---------------------------------------------------------------------------------


def _nearest(day: int, month: int, today: date) -> date | None:
    """A day and month without a year: the nearest such date to the message (either side)."""
    best = None
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - today).days) < abs((best - today).days):
            best = candidate
    return best


def _weekday(name: str, today: date, *, nxt: bool, last: bool) -> date:
    """The coming such day ("jeudi" written on a Thursday is today; "jeudi prochain" is not);
    "jeudi dernier" and "depuis jeudi" the past one."""
    target = WEEKDAYS[name]
    if last:
        return today - timedelta(days=(today.weekday() - target) % 7 or 7)
    ahead = (target - today.weekday()) % 7
    if nxt and ahead == 0:
        ahead = 7
    return today + timedelta(days=ahead)


def _hour(h: str | None, m: str | None) -> time | None:
    if h is None:
        return None
    hour, minute = int(h), int(m or 0)
    if hour > 24 or minute > 59:
        return None
    return time(0, 0) if hour == 24 else time(hour, minute)


def _day_of(m: re.Match, today: date) -> tuple[date, date] | None:
    """(first day, last day) of what the match names."""
    g = m.groups()
    if g[2]:  # "4 mars", "jeudi 4 mars 2026"
        day = 1 if g[1] == "1er" else int(g[1])
        month = MONTHS[g[2]]
        if g[3]:
            try:
                d = date(int(g[3]), month, day)
            except ValueError:
                return None
        else:
            d = _nearest(day, month, today)
        return (d, d) if d else None
    if g[4]:  # 04/03, 4/3/2026
        day, month = int(g[4]), int(g[5])
        if not (1 <= month <= 12):
            return None
        if g[6]:
            year = int(g[6]) + (2000 if len(g[6]) == 2 else 0)
            try:
                d = date(year, month, day)
            except ValueError:
                return None
        else:
            d = _nearest(day, month, today)
        return (d, d) if d else None
    if g[7]:
        word = g[7].replace("-", " ")
        offset = {"apres demain": 2, "avant hier": -2, "demain": 1, "hier": -1}.get(word, 0)
        d = today + timedelta(days=offset)
        return d, d
    if g[9]:  # "jeudi", "ce jeudi", "jeudi prochain", "jeudi dernier"
        modifier = (g[10] or "").strip()
        since = m.string[max(0, m.start() - 7) : m.start()] == "depuis "
        d = _weekday(g[9], today, nxt=modifier == "prochain", last=modifier == "dernier" or since)
        return d, d
    if g[11]:
        n = int(g[11]) if g[11].isdigit() else _NUMBERS[g[11]]
        days = n * 7 if g[12].startswith("semaine") else n
        d = today + timedelta(days=days)
        return d, d
    if g[13]:
        phrase = " ".join(g[13].split())
        monday = today - timedelta(days=today.weekday())
        if phrase == "la semaine prochaine":
            return monday + timedelta(days=7), monday + timedelta(days=13)
        if phrase == "la semaine derniere":
            return monday - timedelta(days=7), monday - timedelta(days=1)
        if phrase == "cette semaine":
            return monday, monday + timedelta(days=6)
        if phrase.startswith(("ce week", "le week")):
            saturday = monday + timedelta(days=5 + (7 if "prochain" in phrase else 0))
            return saturday, saturday + timedelta(days=1)
        first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        if phrase == "le mois prochain":
            last = (first_next.replace(day=28) + timedelta(days=4)).replace(day=1)
            return first_next, last - timedelta(days=1)
        return max(today, first_next - timedelta(days=7)), first_next - timedelta(days=1)
    return None


def _slot_of(t: re.Match) -> tuple[time, time] | None:
    g = t.groups()
    if g[0] is not None:
        return _pair(_hour(g[0], g[1]), _hour(g[2], g[3]))
    if g[4] is not None:
        return _pair(_hour(g[4], g[5]), _hour(g[6], g[7]))
    if g[8] is not None:
        start = _hour(g[8], g[9])
        return (start, start) if start else None
    if g[10]:
        first, last = _PARTS[g[10]]
        return time(first), time(0) if last == 24 else time(last)
    return None


def _pair(a: time | None, b: time | None) -> tuple[time, time] | None:
    return (a, b) if a and b and (a < b or b == time(0)) else None


def _iso(d: date, t: time) -> str:
    if t == time(0):  # the end of a slot running to midnight
        return f"{d + timedelta(days=1):%Y-%m-%d}T00:00"
    return f"{d:%Y-%m-%d}T{t:%H:%M}"


def _dates(text: str, folded: str, at: datetime) -> list[Entity]:
    today = at.date()
    found = []
    used_until = -1
    for m in _DAY.finditer(folded):
        if m.start() < used_until:
            continue
        span = _day_of(m, today)
        if span is None:
            continue
        first, last = span
        end = m.end()
        phrase = m[0]
        implied = None
        if phrase.startswith(("ce matin", "ce soir", "cet apres", "cette nuit")):
            implied = _PARTS[phrase.split()[-1].replace("-", " ")]
        t = _TIME.match(folded, end) if implied is None else None
        slot = _slot_of(t) if t else None
        if t and slot:
            end = t.end()
        elif implied:
            slot = (time(implied[0]), time(0) if implied[1] == 24 else time(implied[1]))
        raw = text[m.start() : end]
        if slot and first == last:
            value = f"{_iso(first, slot[0])}/{_iso(first, slot[1])}"
            if slot[0] == slot[1]:
                value = _iso(first, slot[0])
            found.append(Entity("slot", raw, value, m.start(), end))
        elif first == last:
            found.append(Entity("date", raw, f"{first:%Y-%m-%d}", m.start(), end))
        else:
            found.append(Entity("period", raw, f"{first:%Y-%m-%d}/{last:%Y-%m-%d}", m.start(), end))
        used_until = end
    for m in _RANGE_ALONE.finditer(folded):  # "entre 8h et 13h" with no day: the hours only
        if any(e.start <= m.start() < e.end for e in found):
            continue
        g = m.groups()
        pair = (
            _pair(_hour(g[0], g[1]), _hour(g[2], g[3]))
            if g[0]
            else _pair(_hour(g[4], g[5]), _hour(g[6], g[7]))
        )
        if pair:
            value = f"{pair[0]:%H:%M}/{pair[1]:%H:%M}"
            found.append(Entity("time", text[m.start() : m.end()], value, m.start(), m.end()))
    return found

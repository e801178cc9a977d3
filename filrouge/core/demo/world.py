"""The demo operator's network and customers, generated straight into bulk rows.

Network: per commune an area, NROs, street cabinets (PM) and fibre cables of
about two dozen homes each (so an outage on one cable is "five neighbours",
STORIES C1), a DSLAM and mobile cells; materialised paths as `add_element`
writes them. Customers: French names, a unique mobile number (E.164) and
e-mail, a current address and for some a past one (a move), and their lines.
"""

import functools
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from faker.providers.person.fr_FR import Provider as Names

from filrouge.core.demo import catalogue as cat
from filrouge.core.demo.stories import weighted
from filrouge.core.demo.writer import BulkWriter, next_id
from filrouge.customers.models import Address, ContactPoint, Customer, Line
from filrouge.customers.normalise import fold
from filrouge.network.models import Area, NetworkElement

HOMES_PER_CABLE = 24
PREFERRED_CHANNELS = (
    ("email", 35),
    ("sms", 30),
    ("whatsapp", 10),
    ("phone", 15),
    ("chat", 5),
    ("social", 5),
)
PRODUCTS = (("fibre", 78), ("adsl", 9), ("pro_fibre", 3), ("mobile", 10))
ACCOUNT_PREFIX = "DEMO"
_NOT_LETTER = re.compile(r"[^a-z]")


@functools.cache
def _fold(name: str) -> str:
    return fold(name)  # names come from a small pool: fold each once


@functools.cache
def _letters(name: str) -> str:
    return _NOT_LETTER.sub("", fold(name))


def permute(n: int, salt: int) -> int:
    """A bijection of 0…99,999,999: unique yet random-looking phone digits."""
    return (n * 48_271 + salt) % 100_000_000


# Mobile ranges after "+33 6" that the numbering plan (and `phonenumbers`) does not
# assign: numbers drawn there are moved to "+33 78", one digit per range, still unique.
_UNASSIGNED_06 = (39, 90, 91, 92, 93, 94, 96, 97)


def mobile(digits: int) -> str:
    """A valid French mobile number for eight random-looking digits (a bijection)."""
    prefix, rest = divmod(digits, 1_000_000)
    if prefix in _UNASSIGNED_06:
        return f"+3378{_UNASSIGNED_06.index(prefix)}{rest:06d}"
    return f"+336{digits:08d}"


# Landline ranges (zone digit, next two digits) the plan does not assign; numbers drawn
# there become "+33 9" box numbers with the same digits (the ranges differ per zone,
# so they stay unique).
_UNASSIGNED_GEO = {("2", 62), ("5", 90), ("5", 94)} | {("4", q) for q in range(10)}


def landline(zone: str, digits: int) -> str:
    """A valid French fixed number in `zone` (1–5) for eight random-looking digits."""
    if (zone, digits // 1_000_000) in _UNASSIGNED_GEO:
        return f"+339{digits:08d}"
    return f"+33{zone}{digits:08d}"


@dataclass(eq=False)
class Element:
    id: int
    code: str
    commune: cat.Commune


@dataclass(eq=False)
class Network:
    cables: dict[str, list[Element]] = field(default_factory=dict)  # commune code → cables
    dslams: dict[str, Element] = field(default_factory=dict)
    cells: dict[str, list[Element]] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)  # cable id → customer indexes
    count: int = 0


@dataclass(eq=False)
class Person:
    """What the case stories need to know about one generated customer."""

    id: int
    first_name: str
    phone: str
    address: str
    commune: str
    line_id: int
    line_number: str
    product: str
    cable: Element | None
    since: datetime
    old_address: str = ""
    moved_on: date | None = None


def build_network(writer: BulkWriter, customers: int) -> Network:
    net = Network()
    area_id, element_id = next_id(Area), next_id(NetworkElement)
    link_id = next_id(NetworkElement.areas.through)
    total_weight = sum(c.weight for c in cat.COMMUNES)
    for commune in cat.COMMUNES:
        writer.add(Area, (area_id, commune.postcode, commune.name, commune.insee))
        homes = customers * commune.weight / total_weight * 0.85
        cables = max(2, math.ceil(homes / HOMES_PER_CABLE))
        pms = math.ceil(cables / 8)
        rows: list[tuple[int, str, str, str, int | None, str]] = []
        net.cables[commune.code] = []
        for nro_n in range(math.ceil(pms / 16)):
            nro = element_id
            code = f"NRO-{commune.code}-{nro_n + 1:02d}"
            rows.append((nro, "nro", code, f"NRO {commune.name} {nro_n + 1}", None, f"/{nro}/"))
            element_id += 1
            for pm_n in range(nro_n * 16, min(pms, nro_n * 16 + 16)):
                pm = element_id
                pm_code = f"PM-{commune.code}-{pm_n + 1:03d}"
                rows.append((pm, "pm", pm_code, "", nro, f"/{nro}/{pm}/"))
                element_id += 1
                for cable_n in range(pm_n * 8, min(cables, pm_n * 8 + 8)):
                    cable_code = f"CAB-{commune.code}-{pm_n + 1:03d}-{cable_n % 8 + 1}"
                    rows.append(
                        (element_id, "cable", cable_code, "", pm, f"/{nro}/{pm}/{element_id}/")
                    )
                    net.cables[commune.code].append(Element(element_id, cable_code, commune))
                    element_id += 1
        dslam = Element(element_id, f"DSL-{commune.code}-01", commune)
        rows.append((dslam.id, "dslam", dslam.code, f"DSLAM {commune.name}", None, f"/{dslam.id}/"))
        net.dslams[commune.code] = dslam
        element_id += 1
        net.cells[commune.code] = []
        for letter in "AB":
            cell = Element(element_id, f"CELL-{commune.code}-{letter}", commune)
            rows.append(
                (
                    cell.id,
                    "cell",
                    cell.code,
                    f"Antenne {commune.name} {letter}",
                    None,
                    f"/{cell.id}/",
                )
            )
            net.cells[commune.code].append(cell)
            element_id += 1
        for row in rows:
            writer.add(NetworkElement, row)
            writer.add(NetworkElement.areas.through, (link_id, row[0], area_id))
            link_id += 1
        net.count += len(rows)
        area_id += 1
    writer.flush()
    return net


class CustomerFactory:
    """Writes one customer (contacts, addresses, lines) per call; keeps what stories need."""

    def __init__(self, writer: BulkWriter, network: Network, rng: Random, now: datetime):
        self.w, self.net, self.rng, self.now = writer, network, rng, now
        self.ids = {m: next_id(m) for m in (Customer, ContactPoint, Address, Line)}
        self.landlines = Line.objects.count()
        self.first_names = (Names.first_names_male, Names.first_names_female)
        self.communes = cat.COMMUNES
        self.commune_weights = tuple((c.code, c.weight) for c in cat.COMMUNES)
        self.by_code = {c.code: c for c in cat.COMMUNES}

    def _id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _address(self, commune: cat.Commune) -> str:
        rng = self.rng
        number = rng.randint(1, 180)
        bis = " bis" if rng.random() < 0.03 else ""
        return f"{number}{bis} {rng.choice(commune.streets)}"

    def make(
        self,
        n: int,
        *,
        commune: cat.Commune | None = None,
        product: str | None = None,
        moved_days_ago: int | None = None,
    ) -> Person:
        rng, w, now = self.rng, self.w, self.now
        first = rng.choice(self.first_names[rng.random() < 0.52])
        last = rng.choice(Names.last_names)
        since = now - timedelta(days=rng.uniform(30, 16 * 365))
        customer = self._id(Customer)
        folded = f"{_fold(last)} {_fold(first)}"
        channel = weighted(rng, PREFERRED_CHANNELS)
        w.add(
            Customer,
            (customer, f"{ACCOUNT_PREFIX}{n:07d}", first, last, folded, channel, w.dt(since)),
        )
        phone = mobile(permute(n, 31_415_926))
        w.add(ContactPoint, (self._id(ContactPoint), customer, "phone", phone, True, w.dt(since)))
        if rng.random() < 0.9:
            local = _letters(first) + "." + _letters(last)
            email = f"{local}{n}@{rng.choice(cat.EMAIL_DOMAINS)}"
            w.add(
                ContactPoint, (self._id(ContactPoint), customer, "email", email, True, w.dt(since))
            )
        if rng.random() < 0.06:
            handle = "@" + _letters(first) + _letters(last) + str(n)
            w.add(
                ContactPoint,
                (self._id(ContactPoint), customer, "social", handle, False, w.dt(since)),
            )
        commune = commune or self.by_code[weighted(rng, self.commune_weights)]
        street = self._address(commune)
        complement = rng.choice(cat.COMPLEMENTS) if rng.random() < 0.2 else ""
        old, moved_on = "", None
        since_day = since.date()
        if moved_days_ago is None and rng.random() < 0.15 and (now - since).days > 400:
            moved_days_ago = int(rng.uniform(10, min(3 * 365, (now - since).days - 200)))
        if moved_days_ago is not None:
            moved_on = (now - timedelta(days=moved_days_ago)).date()
            before = rng.choice(self.communes) if rng.random() < 0.5 else commune
            old = f"{self._address(before)}, {before.postcode} {before.name}"
            w.add(
                Address,
                (
                    self._id(Address),
                    customer,
                    old.split(", ")[0],
                    "",
                    before.postcode,
                    before.name,
                    w.day(min(since_day, moved_on - timedelta(days=200))),
                    w.day(moved_on),
                ),
            )
        address = self._id(Address)
        w.add(
            Address,
            (
                address,
                customer,
                street,
                complement,
                commune.postcode,
                commune.name,
                w.day(moved_on or since_day),
                None,
            ),
        )
        product = product or weighted(rng, PRODUCTS)
        activated = moved_on or since_day
        cable = None
        if product in ("fibre", "pro_fibre"):
            cable = rng.choice(self.net.cables[commune.code])
            self.net.members.setdefault(cable.id, []).append(customer)
            element, number = cable.id, self._landline(commune)
        elif product == "adsl":
            element, number = self.net.dslams[commune.code].id, self._landline(commune)
        else:
            element, number = rng.choice(self.net.cells[commune.code]).id, phone
        line = self._id(Line)
        status = "suspended" if rng.random() < 0.01 else "active"
        w.add(Line, (line, customer, number, product, status, address, element, w.day(activated)))
        if product != "mobile" and rng.random() < 0.25:
            cell = rng.choice(self.net.cells[commune.code]).id
            w.add(
                Line,
                (
                    self._id(Line),
                    customer,
                    phone,
                    "mobile",
                    "active",
                    address,
                    cell,
                    w.day(since_day),
                ),
            )
        return Person(
            customer,
            first,
            phone,
            street,
            commune.name,
            line,
            number,
            product,
            cable,
            since,
            old,
            moved_on,
        )

    def _landline(self, commune: cat.Commune) -> str:
        self.landlines += 1
        return landline(commune.landline_prefix, permute(self.landlines, 27_182_818))

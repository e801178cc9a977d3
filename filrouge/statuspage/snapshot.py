"""What the status page shows, built once and held in memory by each web process.

A storm is when everyone reloads the page at once: the page must not cost a
query per view. `build()` reads the incidents (open ones, and those closed in
the last 24 hours), the places they touch and every commune served, then
renders the page (in each language) and `summary.json` to bytes. `current()`
hands out the latest snapshot:

- in a server wrapped by `fastpath.StatusFastPath` (gunicorn over
  `filrouge.wsgi`), a thread of each process polls `Stamp.version` every half
  second and swaps in a new snapshot when it moved (and every minute anyway,
  for edits made outside the services): requests never touch the database;
- elsewhere (tests, management commands, `runserver`), each call reads the
  version (one indexed single-row query) and rebuilds when it moved.

`Stamp.version` is moved by `listeners.on_update_published`, in the
transaction of the update: a process cannot see the new version before the
update itself is visible.
"""

import gzip
import hashlib
import json
import logging
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from filrouge.core.clock import now
from filrouge.customers.normalise import fold
from filrouge.incidents.models import CLOSED_STATUSES, Incident, IncidentUpdate
from filrouge.network.models import Area
from filrouge.statuspage.models import Stamp

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
REBUILD_ANYWAY_SECONDS = 60
RECENTLY_CLOSED = timedelta(hours=24)

# Statuspage's component statuses, best to worst, and what an incident's impact makes them.
COMPONENT_ORDER = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
IMPACT_COMPONENT = {
    Incident.Impact.NONE: "operational",
    Incident.Impact.MINOR: "degraded_performance",
    Incident.Impact.MAJOR: "partial_outage",
    Incident.Impact.CRITICAL: "major_outage",
}
INDICATOR_ORDER = ("none", "minor", "major", "critical")


def component_label(status: str) -> str:
    return {
        "operational": _("Working normally"),
        "under_maintenance": _("Planned works in progress"),
        "degraded_performance": _("Degraded service"),
        "partial_outage": _("Partial outage"),
        "major_outage": _("Total outage"),
    }[status]


@dataclass(frozen=True)
class Update:
    id: int
    status: str
    text: str
    eta: datetime | None
    published_at: datetime

    @property
    def status_label(self) -> str:
        return str(Incident.Status(self.status).label)


@dataclass(frozen=True)
class Entry:
    """An incident or planned works as the public sees it."""

    id: int
    reference: str
    kind: str
    status: str
    title: str
    impact: str
    started_at: datetime
    scheduled_until: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    updates: tuple[Update, ...]  # newest first
    place_ids: tuple[str, ...]
    communes: tuple[str, ...]
    element_ids: frozenset[int]

    @property
    def is_over(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def status_label(self) -> str:
        return str(Incident.Status(self.status).label)

    @property
    def impact_label(self) -> str:
        return str(Incident.Impact(self.impact).label)

    @property
    def is_maintenance(self) -> bool:
        return self.kind == Incident.Kind.MAINTENANCE

    @property
    def component_status(self) -> str:
        """What this entry does to the places it touches while it lasts."""
        if self.is_over or self.status == Incident.Status.SCHEDULED:
            return "operational"
        if self.is_maintenance:
            return "under_maintenance"
        return IMPACT_COMPONENT.get(self.impact, "partial_outage")

    @property
    def eta(self) -> datetime | None:
        return next((u.eta for u in self.updates if u.eta), None)


@dataclass
class Place:
    """A commune (all its postcodes): one Statuspage component."""

    id: str
    commune: str
    postcodes: tuple[str, ...]
    created_at: datetime
    entries: list[Entry] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = [e.component_status for e in self.entries] or ["operational"]
        return max(statuses, key=COMPONENT_ORDER.index)

    @property
    def status_label(self) -> str:
        return component_label(self.status)

    @property
    def current(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_over]


@dataclass
class Snapshot:
    version: int
    built_at: datetime
    entries: list[Entry]
    places: list[Place]
    by_postcode: dict[str, list[Place]]
    by_name: dict[str, list[Place]]
    by_element: dict[int, list[Entry]]
    html: dict[str, bytes] = field(default_factory=dict)
    summary: bytes = b""
    etags: dict[str, str] = field(default_factory=dict)
    gzipped: dict[str, bytes] = field(default_factory=dict)  # the same, compressed, by key

    @property
    def current(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_over and not e.is_maintenance]

    @property
    def maintenances(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_over and e.is_maintenance]

    @property
    def closed(self) -> list[Entry]:
        return [e for e in self.entries if e.is_over]

    @property
    def touched(self) -> list[Place]:
        """Places with something current (incident or works), worst first."""
        found = [p for p in self.places if p.current]
        return sorted(found, key=lambda p: (-COMPONENT_ORDER.index(p.status), p.commune))

    @property
    def indicator(self) -> str:
        impacts = [e.impact for e in self.current] or ["none"]
        return max(impacts, key=INDICATOR_ORDER.index)

    def lookup(self, query: str) -> list[Place]:
        """Places for a postcode (exact) or a commune name (exact, else starting with it)."""
        text = " ".join(query.split())
        if text.isdigit():
            return list(self.by_postcode.get(text, []))
        key = _key(text)
        if not key:
            return []
        if key in self.by_name:
            return list(self.by_name[key])
        return [p for p in self.places if _key(p.commune).startswith(key)][:20]

    def entries_for_element_path(self, path: str) -> list[Entry]:
        """Current incidents on an element of this path (the line's element or one above it)."""
        ids = [int(pk) for pk in path.strip("/").split("/") if pk.isdigit()]
        found: dict[int, Entry] = {}
        for pk in ids:
            for entry in self.by_element.get(pk, ()):
                if not entry.is_over:
                    found[entry.id] = entry
        return sorted(found.values(), key=lambda e: e.started_at, reverse=True)


def _key(text: str) -> str:
    return " ".join(fold(text).replace("-", " ").replace("'", " ").split())


def read_version() -> int:
    return Stamp.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def bump_version() -> None:
    """Move the version, in the caller's transaction (see `listeners`)."""
    if not Stamp.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now()):
        Stamp.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now()})


# -- building ---------------------------------------------------------------------------


def _entries(at: datetime) -> list[Entry]:
    updates = IncidentUpdate.objects.order_by("-published_at", "-pk")
    incidents = (
        Incident.objects.filter(
            ~Q(status__in=CLOSED_STATUSES) | Q(resolved_at__gte=at - RECENTLY_CLOSED)
        )
        .prefetch_related(Prefetch("updates", queryset=updates), "elements")
        .order_by("-started_at", "-pk")
    )
    found = []
    for incident in incidents:
        elements = list(incident.elements.all())
        where = Q()
        for element in elements:
            where |= Q(networkelement__path__startswith=element.path)
        areas = (
            Area.objects.filter(where).distinct().values_list("commune", "insee_code", "postcode")
            if elements
            else []
        )
        found.append(
            Entry(
                id=incident.pk,
                reference=incident.reference,
                kind=incident.kind,
                status=incident.status,
                title=incident.title,
                impact=incident.impact,
                started_at=incident.started_at,
                scheduled_until=incident.scheduled_until,
                created_at=incident.created_at,
                updated_at=incident.updated_at,
                resolved_at=incident.resolved_at,
                updates=tuple(
                    Update(u.pk, u.status, u.text, u.eta, u.published_at)
                    for u in incident.updates.all()
                ),
                place_ids=tuple(sorted({_place_id(c, i, p) for c, i, p in areas})),
                communes=tuple(sorted({c for c, _i, _p in areas}, key=_key)),
                element_ids=frozenset(e.pk for e in elements),
            )
        )
    return found


def _place_id(commune: str, insee: str, postcode: str) -> str:
    # One commune name exists in several départements: the INSEE code tells them apart.
    return f"commune-{insee}" if insee else f"commune-{postcode[:2]}-{slugify(commune)}"


def build() -> Snapshot:
    version = read_version()  # read first: an update committed meanwhile moves it again
    at = now()
    entries = _entries(at)
    places: dict[str, Place] = {}
    postcodes: dict[str, set[str]] = defaultdict(set)
    for area in Area.objects.order_by("commune", "postcode").values(
        "commune", "insee_code", "postcode"
    ):
        pid = _place_id(area["commune"], area["insee_code"], area["postcode"])
        places.setdefault(pid, Place(pid, area["commune"], (), at))
        postcodes[pid].add(area["postcode"])
    for pid, codes in postcodes.items():
        places[pid].postcodes = tuple(sorted(codes))
    by_element: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        for pid in entry.place_ids:
            if pid in places:
                places[pid].entries.append(entry)
        for pk in entry.element_ids:
            by_element[pk].append(entry)
    ordered = sorted(places.values(), key=lambda p: (_key(p.commune), p.postcodes))
    by_postcode: dict[str, list[Place]] = defaultdict(list)
    by_name: dict[str, list[Place]] = defaultdict(list)
    for place in ordered:
        by_name[_key(place.commune)].append(place)
        for code in place.postcodes:
            by_postcode[code].append(place)
    snap = Snapshot(
        version, at, entries, ordered, dict(by_postcode), dict(by_name), dict(by_element)
    )
    _render(snap)
    return snap


def _render(snap: Snapshot) -> None:
    from filrouge.statuspage import feed

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            html = render_to_string("statuspage/page.html", {"snap": snap, "LANGUAGE_CODE": code})
        snap.html[code] = html.encode()
        snap.etags[code] = _etag(snap.html[code])
        snap.gzipped[code] = gzip.compress(snap.html[code], 6, mtime=0)
    with translation.override(settings.LANGUAGE_CODE):
        snap.summary = json.dumps(feed.summary(snap), ensure_ascii=False).encode()
    snap.etags["summary"] = _etag(snap.summary)
    snap.gzipped["summary"] = gzip.compress(snap.summary, 6, mtime=0)


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


# -- holding ----------------------------------------------------------------------------


class _Holder:
    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.lock = threading.Lock()
        self.background = False
        self.thread_pid = 0
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def current(self) -> Snapshot:
        if self.background:
            self._ensure_thread()
            if self.snapshot is not None:
                return self.snapshot
        with self.lock:
            snap = self.snapshot
            if snap is None or (not self.background and self._stale(snap, read_version())):
                snap = self.snapshot = build()
            return snap

    @staticmethod
    def _stale(snap: Snapshot, version: int) -> bool:
        age = (timezone.now() - snap.built_at).total_seconds()
        return version != snap.version or age > REBUILD_ANYWAY_SECONDS

    def _ensure_thread(self) -> None:
        # gunicorn forks its workers after loading the app: each process starts its own.
        if self.thread_pid == os.getpid():
            return
        with self.lock:
            if self.thread_pid == os.getpid():
                return
            self.thread_pid = os.getpid()
            self.stopping.clear()
            self.thread = threading.Thread(
                target=self._poll, name="statuspage-refresh", daemon=True
            )
            self.thread.start()

    def stop(self) -> None:
        """Stop this process's refresh thread (tests); it closes its database connection."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.thread, self.thread_pid, self.background = None, 0, False

    def _poll(self) -> None:
        try:
            while not self.stopping.is_set():
                self._refresh()
                self.stopping.wait(POLL_SECONDS)
        finally:
            connection.close()

    def _refresh(self) -> None:
        try:
            snap = self.snapshot
            if snap is None or self._stale(snap, read_version()):
                fresh = build()
                with self.lock:
                    self.snapshot = fresh
        except Exception:  # noqa: BLE001 - the page keeps its last snapshot; retried
            logger.exception("status page: refresh failed")
            close_old_connections()


_holder = _Holder()


def current() -> Snapshot:
    return _holder.current()


def serve_from_memory() -> None:
    """Called by the server's WSGI wrapper: refresh in a thread, never on a request."""
    _holder.background = True


def forget() -> None:
    """Stop the refresh thread and drop the snapshot (tests): `current()` builds a new one."""
    _holder.stop()
    _holder.snapshot = None

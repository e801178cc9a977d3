"""`summary.json` in the shape of Atlassian Statuspage's public `/api/v2/summary.json`.

Same keys and values, so the tools that read Statuspage pages read ours:
`page` (id, name, url, time_zone, updated_at), `status` (indicator none, minor,
major or critical; description), `components` (one per commune, status
operational, degraded_performance, partial_outage, major_outage or
under_maintenance), `incidents` (the unresolved ones, each with its
`incident_updates`, newest first) and `scheduled_maintenances` (scheduled or in
progress). Ids are strings, times ISO 8601 in UTC. Incident and component ids
are our references (`INC-2026-0001`) and `commune-<INSEE code>`.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from filrouge.statuspage.snapshot import Entry, Place, Snapshot

PAGE_ID = "filrouge-etat-du-reseau"


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _page_url() -> str:
    return settings.FILROUGE_PUBLIC_URL.rstrip("/") + reverse("statuspage:page")


def summary(snap: Snapshot) -> dict:
    names = {p.id: p for p in snap.places}
    latest = max((e.updated_at for e in snap.entries), default=None)
    return {
        "page": {
            "id": PAGE_ID,
            "name": _("Fil Rouge network status"),
            "url": _page_url(),
            "time_zone": settings.TIME_ZONE,
            "updated_at": _time(latest or snap.built_at),
        },
        "status": {"indicator": snap.indicator, "description": description(snap)},
        "components": [_component(p, i) for i, p in enumerate(snap.places, start=1)],
        "incidents": [_incident(e, names) for e in snap.current],
        "scheduled_maintenances": [_maintenance(e, names) for e in snap.maintenances],
    }


def description(snap: Snapshot) -> str:
    if snap.current:
        return {
            "none": _("Minor service outage"),
            "minor": _("Minor service outage"),
            "major": _("Partial system outage"),
            "critical": _("Major system outage"),
        }[snap.indicator]
    if any(e.component_status == "under_maintenance" for e in snap.maintenances):
        return _("Service under maintenance")
    return _("All systems operational")


def _component(place: Place, position: int) -> dict:
    changed = max((e.updated_at for e in place.current), default=place.created_at)
    return {
        "id": place.id,
        "name": place.commune,
        "status": place.status,
        "created_at": _time(place.created_at),
        "updated_at": _time(changed),
        "position": position,
        "description": _("Postcodes: %(codes)s") % {"codes": ", ".join(place.postcodes)},
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def _incident(entry: Entry, places: dict[str, Place]) -> dict:
    components = [_component(places[pid], 0) for pid in entry.place_ids if pid in places]
    return {
        "id": entry.reference,
        "name": entry.title,
        "status": entry.status,
        "created_at": _time(entry.created_at),
        "updated_at": _time(entry.updated_at),
        "monitoring_at": _time(
            next((u.published_at for u in entry.updates if u.status == "monitoring"), None)
        ),
        "resolved_at": _time(entry.resolved_at),
        "impact": entry.impact if not entry.is_maintenance else "maintenance",
        "shortlink": f"{_page_url()}#{entry.reference}",
        "started_at": _time(entry.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": f"{entry.reference}-{u.id}",
                "status": u.status,
                "body": u.text,
                "incident_id": entry.reference,
                "created_at": _time(u.published_at),
                "updated_at": _time(u.published_at),
                "display_at": _time(u.published_at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in entry.updates
        ],
        "components": components,
    }


def _maintenance(entry: Entry, places: dict[str, Place]) -> dict:
    return {
        **_incident(entry, places),
        "scheduled_for": _time(entry.started_at),
        "scheduled_until": _time(entry.scheduled_until),
    }

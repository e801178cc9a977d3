"""Places in shared pages where other apps add a panel, without editing the page.

A page names its slots in its template (`{% slot "case.banner" case %}`); an app
fills one in its `AppConfig.ready()`:

    slots.fill("case.banner", "incidents/case_banner.html", incident_banner_context)

The context function gets the template's arguments (the case, say) and returns
the panel's context, or None to show nothing. Panels render in registration
order. Slots in use:

- agent case page: `case.banner` (above the header's facts), `case.side` (the
  actions column), `case.main` (above the timeline)
- customer tracking page: `track.status` (below the progress), `track.cards`
  (below the facts)

A context function runs on every page view: keep it to one or two queries.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ContextFn = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    template: str
    context: ContextFn


_slots: dict[str, list[Panel]] = {}


def fill(slot: str, template: str, context: ContextFn) -> None:
    panels = _slots.setdefault(slot, [])
    if all(p.template != template for p in panels):
        panels.append(Panel(template, context))


def panels(slot: str) -> list[Panel]:
    return list(_slots.get(slot, ()))

"""What other apps do when cases are opened, without `cases` knowing them.

An app registers a function in its `AppConfig.ready()`:

    cases.hooks.on_case_opened(incidents.linking.link_new_cases)

Every path that opens cases (`services.open_case`, and any batch path that
opens many at once) calls `opened(cases)` once, inside its transaction, with
the cases it opened: a hook receives a list and should do its work in a few
queries for the whole list, not one per case. A hook that raises rolls the
opening back.

Two more, for apps that mirror the timeline elsewhere or keep their own deadlines:
`on_event_recorded(fn)`, `fn(event, case)` after each event `record_event` writes on a
case (inside its transaction: keep it to a query for the kinds it cares about, none
for the others), and `on_sweep(fn)`, `fn(at)` run by the periodic promise sweep.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from filrouge.cases.models import Case, Event

CaseHook = Callable[[Sequence[Case]], None]
EventHook = Callable[[Event, Case], None]
SweepHook = Callable[[datetime], object]
_on_opened: list[CaseHook] = []
_on_event: list[EventHook] = []
_on_sweep: list[SweepHook] = []


def on_case_opened(hook: CaseHook) -> CaseHook:
    if hook not in _on_opened:
        _on_opened.append(hook)
    return hook


def opened(cases: Sequence[Case]) -> None:
    if not cases:
        return
    for hook in list(_on_opened):
        hook(cases)


def on_event_recorded(hook: EventHook) -> EventHook:
    if hook not in _on_event:
        _on_event.append(hook)
    return hook


def recorded(event: Event, case: Case) -> None:
    for hook in list(_on_event):
        hook(event, case)


def on_sweep(hook: SweepHook) -> SweepHook:
    if hook not in _on_sweep:
        _on_sweep.append(hook)
    return hook


def swept(at: datetime) -> None:
    for hook in list(_on_sweep):
        hook(at)

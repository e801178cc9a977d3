"""What other apps do when cases are opened, without `cases` knowing them.

An app registers a function in its `AppConfig.ready()`:

    cases.hooks.on_case_opened(incidents.linking.link_new_cases)

Every path that opens cases (`services.open_case`, and any batch path that
opens many at once) calls `opened(cases)` once, inside its transaction, with
the cases it opened: a hook receives a list and should do its work in a few
queries for the whole list, not one per case. A hook that raises rolls the
opening back.
"""

from collections.abc import Callable, Sequence

from filrouge.cases.models import Case

CaseHook = Callable[[Sequence[Case]], None]
_on_opened: list[CaseHook] = []


def on_case_opened(hook: CaseHook) -> CaseHook:
    if hook not in _on_opened:
        _on_opened.append(hook)
    return hook


def opened(cases: Sequence[Case]) -> None:
    if not cases:
        return
    for hook in list(_on_opened):
        hook(cases)

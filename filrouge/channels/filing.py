"""What other apps do with each inbound message once it is filed on a case.

`channels.services` files a message (sender resolved, case chosen, event
written) and then calls `filed([...])` inside the same transaction with one
`Filed` per message; a batch path calls it once with the whole batch. Apps
register in their `AppConfig.ready()`:

    channels.filing.register(triage.intake.triage_filed)

Hooks run in the order they were registered (the order of `INSTALLED_APPS`),
except those registered with `last=True`, which run after every other one — for
a hook that needs what the others decided (the incidents app links a case once
triage has read the message and set its intent):

    channels.filing.register(incidents.linking.link_filed, last=True)

A hook receives a list and should handle it in a few queries, not one per
message. A hook that raises rolls the filing back (the task retries), so a hook
must only raise for what deserves a retry.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from filrouge.cases.models import Case, Event
from filrouge.channels.message import Message
from filrouge.channels.models import InboundMessage
from filrouge.customers.models import Customer


@dataclass(frozen=True, slots=True)
class Filed:
    inbound: InboundMessage
    message: Message
    customer: Customer
    case: Case
    event: Event | None
    new_case: bool

    @property
    def text(self) -> str:
        return self.message.text or self.message.subject or ""

    @property
    def channel(self) -> str:
        return self.message.channel


FiledHook = Callable[[Sequence[Filed]], None]
_hooks: list[FiledHook] = []
_last: list[FiledHook] = []


def register(hook: FiledHook, *, last: bool = False) -> FiledHook:
    """Run `hook` on every filed batch; with `last=True`, after every hook registered without."""
    if hook not in _hooks and hook not in _last:
        (_last if last else _hooks).append(hook)
    return hook


def filed(items: Sequence[Filed]) -> None:
    if not items:
        return
    for hook in [*_hooks, *_last]:
        hook(items)

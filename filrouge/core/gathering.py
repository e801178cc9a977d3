"""Work a hook gathers over one set-based filing, done once at its end.

A batch of inbound messages (`channels.batch.process_batch`) calls the hooks of
the cases it opens and of the messages it files several times in one
transaction: once per pass, and twice a pass (the cases opened, the messages
filed). A hook whose work locks shared rows — the incident detector locks the
loads of every network element above the lines reported — would lock them
several times, in an order that differs from one call to the next; two workers
filing at once then lock the same rows in opposite orders and PostgreSQL
breaks the deadlock by rolling one batch back. Inside `gathering()`, such a
hook hands its items to `gather` instead, and its work runs once, with all of
them, at the end of the block: still inside the caller's transaction, its rows
locked in one pass and held only until the commit that follows.

Outside a block, `gather` returns False and the hook does its work at once, as
before: one message filed by `process_inbound`, a case opened by an advisor.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_local = threading.local()


@contextmanager
def gathering() -> Iterator[None]:
    """Keep what `gather` is handed for the end of the block; then call each function
    once with its items in the order gathered, functions in the order first seen. A
    block inside another belongs to the outer one. Nothing runs if the block raises."""
    if getattr(_local, "work", None) is not None:
        yield
        return
    _local.work = work = {}
    try:
        yield
    finally:
        _local.work = None
    for function, items in work.items():
        function(items)


def gather(function: Callable[[list[Any]], Any], items: Sequence[Any]) -> bool:
    """Keep `items` for one call of `function` at the end of the open block; False when
    no block is open (the caller does its work now)."""
    work = getattr(_local, "work", None)
    if work is None:
        return False
    work.setdefault(function, []).extend(items)
    return True

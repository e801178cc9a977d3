"""Reading and writing the element loads of a batch: one locking read, one write.

The hot path of the detector. On PostgreSQL both are single statements whose
parameters are one string each (the ids as an array literal, the new states as one
JSON document unpacked by `jsonb_to_recordset`), and the read returns one JSON
document too (decoded once, by orjson): a batch of a thousand reports
touches some 1,700 loads, and building that many model instances or binding that
many parameters one by one costs more than the detector's arithmetic itself.
Other databases (SQLite for the demo and the tests) go through the ORM.
"""

import json
from collections.abc import Iterable
from datetime import datetime

import orjson
from django.db import connection

from filrouge.detection import engine
from filrouge.detection.conf import Params
from filrouge.detection.models import ElementLoad
from filrouge.network.models import NetworkElement

FIELDS = ["recent", "weight", "hourly", "weight_at", "updated_at"]
TABLE = ElementLoad._meta.db_table


def array(values: Iterable) -> str:
    """A PostgreSQL array literal (`{1,2,3}`): one parameter, whatever the count."""
    return "{" + ",".join(map(str, values)) + "}"


def _state(recent, weight, prior, hourly, weight_at, since, *, top: bool) -> engine.Load:
    """A load; its times as datetimes (the ORM) or already as epoch seconds (PostgreSQL)."""
    if hourly is None and top:
        hourly = [0.0] * 24
    if isinstance(weight_at, datetime):
        weight_at, since = weight_at.timestamp(), since.timestamp()
    return engine.Load(recent, weight, weight_at, since, prior, hourly)


def _read(ids: list[int], tops: set[int]) -> dict[int, engine.Load]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                # Locked in id order (the sort is below the lock), then handed over as one
                # JSON document: one decoding for the batch rather than two a row, and the
                # times as epoch seconds rather than 1,700 parsed datetimes.
                "WITH l AS (SELECT element_id, recent, weight, prior, hourly, "  # noqa: S608
                "extract(epoch FROM weight_at)::float8 AS t, extract(epoch FROM since)::float8 "
                f"AS s FROM {TABLE} WHERE element_id = ANY(%s::int[]) ORDER BY element_id "
                "FOR UPDATE) SELECT json_agg(json_build_array(element_id, recent, weight, "
                "prior, hourly, t, s))::text FROM l",
                [array(ids)],
            )
            document = cursor.fetchone()[0]
        rows = orjson.loads(document or "[]")
        return {
            pk: _state(recent, weight, prior, hourly, weight_at, since, top=pk in tops)
            for pk, recent, weight, prior, hourly, weight_at, since in rows
        }
    locked = ElementLoad.objects.select_for_update().order_by("element_id")
    return {
        load.element_id: _state(
            load.recent,
            load.weight,
            load.prior,
            load.hourly,
            load.weight_at,
            load.since,
            top=load.element_id in tops,
        )
        for load in locked.filter(element_id__in=ids)
    }


def lock_loads(
    ids: list[int],
    *,
    at: datetime,
    p: Params,
    tops: set[int],
    ancestry: dict[int, list[int]] | None = None,
) -> dict[int, engine.Load]:
    """The loads of these elements, row-locked in id order; created when missing.

    A missing load means no report ever came through the element. When its parent has
    a load, the detector has been watching the element since the parent's `since`
    (any report on it would have counted on the parent too) and saw nothing: the new
    load starts then, with no report learned, rather than at this first report — which
    would learn a rate from a clock started by an event (a few hours with a report or
    two: a busy element's background for the quietest ones). `ancestry` (element →
    its path of ids, itself last) tells each element's parent."""
    states = _read(ids, tops)
    missing = [i for i in ids if i not in states]
    if missing:
        ancestry = ancestry or {}
        since: dict[int, datetime] = {}
        for pk in sorted(missing, key=lambda i: len(ancestry.get(i, ()))):
            path = ancestry.get(pk, [pk])
            parent = path[-2] if len(path) > 1 else None
            if parent in states:
                since[pk] = engine.from_epoch(min(states[parent].since, at.timestamp()))
            elif parent in since:
                since[pk] = since[parent]
            else:
                since[pk] = at
        _create(missing, since, at=at, p=p)
        states.update(_read(missing, tops))
    return states


def _create(ids: list[int], since: dict[int, datetime], *, at: datetime, p: Params) -> None:
    """Create the missing loads, in id order: two batches creating the same loads wait for
    each other in the same order, never in a cycle. A load created meanwhile by another
    batch is left as it is (and read, locked, afterwards)."""
    ids = sorted(ids)
    default = min(p.prior_rate.values())
    if connection.vendor == "postgresql":
        element = NetworkElement._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                # One statement whatever the count; the prior by kind from one JSON object.
                f"INSERT INTO {TABLE} (element_id, recent, weight, prior, hourly, "  # noqa: S608
                "weight_at, since, updated_at) SELECT e.id, '[]'::jsonb, 0, "
                "coalesce((%s::jsonb ->> e.kind)::float8, %s), NULL, to_timestamp(v.s), "
                "to_timestamp(v.s), %s FROM unnest(%s::int[], %s::float8[]) AS v(i, s) "
                f"JOIN {element} e ON e.id = v.i ORDER BY e.id ON CONFLICT DO NOTHING",
                [
                    json.dumps(p.prior_rate),
                    default,
                    at,
                    array(ids),
                    array(repr(since[i].timestamp()) for i in ids),
                ],
            )
        return
    kinds = NetworkElement.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "kind")
    ElementLoad.objects.bulk_create(
        [
            ElementLoad(
                element_id=pk,
                prior=p.prior_rate.get(kind, default),
                weight_at=since[pk],
                since=since[pk],
                updated_at=at,
            )
            for pk, kind in kinds
        ],
        ignore_conflicts=True,
    )


def save_loads(states: dict[int, engine.Load], *, written: datetime) -> None:
    if connection.vendor == "postgresql":
        document = orjson.dumps(
            [
                {"i": pk, "r": s.recent, "w": s.weight, "h": s.hourly, "t": s.weight_at}
                for pk, s in states.items()
            ]
        ).decode()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} AS l SET recent = v.r, weight = v.w, "  # noqa: S608
                "hourly = CASE WHEN jsonb_typeof(v.h) = 'array' THEN v.h END, "
                "weight_at = to_timestamp(v.t), updated_at = %s "
                "FROM jsonb_to_recordset(%s::jsonb) AS v(i int, r jsonb, w float8, h jsonb, "
                "t float8) WHERE l.element_id = v.i",
                [written, document],
            )
        return
    ElementLoad.objects.bulk_create(
        _rows(states, written),
        update_conflicts=True,
        unique_fields=["element"],
        update_fields=FIELDS,
    )


def _rows(states: dict[int, engine.Load], written: datetime) -> Iterable[ElementLoad]:
    for pk, s in states.items():
        yield ElementLoad(
            element_id=pk,
            recent=s.recent,
            weight=s.weight,
            prior=s.prior,
            hourly=s.hourly,
            weight_at=engine.from_epoch(s.weight_at),
            since=engine.from_epoch(s.since),
            updated_at=written,
        )

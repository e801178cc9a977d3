"""`filrouge bench slots`: many customers racing for the same technician slots.

Seeds one bench area with `slots` slots of `capacity` technicians each and
`customers` customers, each with a fibre line and an open case, then lets
every customer book through `services.book` from `clients` threads, each with
its own PostgreSQL connection, all released together by a barrier. A customer
refused with "slot full" tries another slot not yet seen full, like a person
on the page would (at most `tries` times). Passes when the slots end with
exactly their capacity booked, as many live appointments as places, and no
error other than "slot full".
"""

import queue
import random
import statistics
import threading
import time
from collections import Counter
from datetime import timedelta

from django.db import connection, connections, transaction

from filrouge.accounts.models import Agent
from filrouge.appointments import services
from filrouge.appointments.models import Appointment, HalfDay, Slot
from filrouge.appointments.selectors import first_bookable_day
from filrouge.cases.services import open_case
from filrouge.customers.models import Address, Channel, Customer, Line
from filrouge.network.models import Area
from filrouge.network.services import add_element


class BenchError(RuntimeError):
    pass


@transaction.atomic
def _seed(*, customers: int, slots: int, capacity: int, write) -> tuple[list, list[Slot]]:
    stamp = time.strftime("%Y%m%d%H%M%S")
    area = Area.objects.create(postcode="99999", commune=f"Banc d’essai {stamp}")
    nro = add_element(kind="nro", code=f"BENCH-NRO-{stamp}", areas=[area])
    pm = add_element(kind="pm", code=f"BENCH-PM-{stamp}", parent=nro, areas=[area])
    agent, _created = Agent.objects.get_or_create(
        email="bench-rdv@filrouge.invalid", defaults={"first_name": "Banc", "last_name": "Essai"}
    )
    first = first_bookable_day()
    halves = [HalfDay.MORNING, HalfDay.AFTERNOON]
    the_slots = [
        Slot.objects.create(
            area=area,
            date=first + timedelta(days=n // 2),
            half_day=halves[n % 2],
            capacity=capacity,
        )
        for n in range(slots)
    ]
    cases = []
    for n in range(customers):
        customer = Customer.objects.create(
            account_number=f"B{stamp[-8:]}{n:05d}",
            first_name="Client",
            last_name=f"Banc {n}",
            search_name=f"banc {n} client",
        )
        address = Address.objects.create(
            customer=customer,
            line1=f"{n + 1} rue du Banc",
            postcode=area.postcode,
            commune=area.commune,
            valid_from=first - timedelta(days=400),
        )
        line = Line.objects.create(
            customer=customer,
            number=f"BENCH{stamp[-8:]}{n:05d}",
            product=Line.Product.FIBRE,
            service_address=address,
            network_element=pm,
        )
        cases.append(
            open_case(
                customer, subject="Plus de fibre", channel=Channel.WEB, line=line, owner=agent
            )
        )
    write(f"Seeded {customers} customers and {slots} slots × {capacity} technicians.")
    return cases, the_slots


def run(*, customers: int, slots: int, capacity: int, clients: int, tries: int, write) -> dict:
    if connection.vendor != "postgresql":
        raise BenchError("This benchmark needs PostgreSQL (set DATABASE_URL).")
    cases, the_slots = _seed(customers=customers, slots=slots, capacity=capacity, write=write)
    todo: queue.Queue = queue.Queue()
    for case in cases:
        todo.put(case)
    outcomes: Counter = Counter()
    errors: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            while True:
                try:
                    case = todo.get_nowait()
                except queue.Empty:
                    return
                seen_full: set[int] = set()
                for _attempt in range(tries):
                    choices = [s for s in the_slots if s.pk not in seen_full]
                    if not choices:
                        break
                    target = rng.choice(choices)
                    began = time.perf_counter()
                    try:
                        services.book(case, slot=target)
                        kind = "booked"
                    except services.SlotFull:
                        kind = "slot full"
                        seen_full.add(target.pk)
                    except Exception as exc:  # noqa: BLE001 - counted and reported as a failure
                        kind = "error"
                        with lock:
                            errors[f"{type(exc).__name__}: {exc}"[:160]] += 1
                    took = time.perf_counter() - began
                    with lock:
                        outcomes[kind] += 1
                        latencies.append(took)
                    if kind != "slot full":
                        break
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    slot_ids = [s.pk for s in the_slots]
    booked = sum(Slot.objects.filter(pk__in=slot_ids).values_list("booked", flat=True))
    live = Appointment.objects.filter(slot_id__in=slot_ids, state="booked").count()
    over = Slot.objects.filter(pk__in=slot_ids, booked__gt=capacity).count()
    total = slots * capacity
    latencies.sort()
    return {
        "customers": customers,
        "slots": slots,
        "capacity_each": capacity,
        "places": total,
        "clients": clients,
        "attempts": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "errors": dict(errors),
        "booked_counter": booked,
        "live_appointments": live,
        "slots_over_capacity": over,
        "seconds": round(seconds, 2),
        "attempts_per_second": round(sum(outcomes.values()) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "passed": booked == total == live and not errors and over == 0,
    }

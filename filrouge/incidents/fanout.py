"""Each public update told to every customer with an affected line, once, by tasks.

1. **Plan** (`plan_notices`, a task enqueued with the update, in its transaction):
   the affected customers' ids, in order, cut into chunks of `CHUNK`; one
   `NoticeChunk` row (an id range) and one task per chunk, committed together. The
   web request that published the update does none of this.
2. **Send a chunk** (`send_chunk`, a task): the chunk row is claimed with `SELECT …
   FOR UPDATE SKIP LOCKED OF <chunk table>` — the chunk's row only: locking the
   update and incident rows it is read with would make a second worker skip every
   *other* chunk of the update too, as if taken. The `IncidentNotice` rows of its
   customers are inserted (unique per update and customer; on PostgreSQL by one
   `INSERT … SELECT … ON CONFLICT DO NOTHING`, so a re-run inserts nothing and no
   id list goes through Python) and the pending ones claimed the same way; in that
   one transaction each claimed customer gets a `message_out` event (on the case
   the incident is linked to, else on the customer's own timeline) and its
   delivery row, and the notices are marked sent.
   A worker killed mid-way commits nothing; a re-run, or a second worker, never
   sends a notice twice. The deliveries then go through the channels' own
   `deliver_outbound` (retries, dead letters), by one task per chunk.
3. **Sweep** (`filrouge incidents sweep`): plans the updates whose planning was lost
   and queues again the chunks still pending past their due time.

Channel, consent and quiet hours are the notifications app's rules: the preferred
channel, else e-mail, else SMS, skipping numbers that sent STOP (`reach`); an
incident notice is essential (`rules.ESSENTIAL_KINDS`: sent to customers who
unsubscribed from case news, without unsubscribe link); an SMS waits for 08:00 Paris
during quiet hours unless the customer asked for incident notices at night
(`rules.may_go_at_night`). Here they are applied to a thousand customers in a few
queries rather than one customer at a time.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event
from filrouge.channels.email.transport import new_message_id
from filrouge.channels.models import OptOut, OutboundMessage
from filrouge.channels.sms.transport import is_mobile
from filrouge.channels.whatsapp import templates as whatsapp_templates
from filrouge.core.clock import now
from filrouge.customers.models import Channel, ContactPoint, Customer, Line
from filrouge.incidents import selectors
from filrouge.incidents.models import (
    CLOSED_STATUSES,
    CompensationProposal,
    Incident,
    IncidentCase,
    IncidentNotice,
    IncidentUpdate,
    NoticeChunk,
)
from filrouge.notifications import compose, links, rules
from filrouge.notifications.models import Preference
from filrouge.notifications.reach import FALLBACK, NOTIFIABLE

CHUNK = 1000
# A chunk's task has this long to run before the sweep queues it again.
STALL = timedelta(minutes=5)
NOTICE_KIND = "incident_notice"  # the kind the notifications rules know incident notices by
AUTO = "incident_notice"  # `data["auto"]` of the message_out events written here


def affected_customers(incident: Incident) -> QuerySet[Customer]:
    """Customers with an active line under the incident's elements (never prospects)."""
    lines = selectors.affected_lines(incident).filter(status=Line.Status.ACTIVE)
    return Customer.objects.filter(
        pk__in=lines.values("customer_id"), is_prospect=False, merged_into__isnull=True
    )


def affected_customer_ids(incident: Incident, first: int, last: int) -> list[int]:
    """The affected customers with ids in [first, last]: the lines of that customer range
    first (their customer index), then their elements — not every affected line again."""
    lines = Line.objects.filter(
        customer_id__gte=first,
        customer_id__lte=last,
        status=Line.Status.ACTIVE,
        network_element__in=selectors.affected_elements(incident),
    )
    return list(
        Customer.objects.filter(
            pk__in=set(lines.values_list("customer_id", flat=True)),
            is_prospect=False,
            merged_into__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def on_update_published(sender, *, incident: Incident, update: IncidentUpdate, **kwargs) -> None:
    """`services.update_published`: plan the notices once the update is committed."""
    _enqueue("plan_notices", update.pk)


def _enqueue(name: str, *args, run_after: datetime | None = None) -> None:
    """In the current transaction on the database backend (an outbox), else on commit."""
    from django_tasks_db.backend import DatabaseBackend

    from filrouge.incidents import tasks

    task = getattr(tasks, name)
    backend = task.get_backend()
    if run_after is not None and backend.supports_defer:
        task = task.using(run_after=run_after)
    if isinstance(backend, DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))


@transaction.atomic
def plan_notices(update_id: int) -> int:
    """Cut the affected customers into chunks, one task each; planned once per update."""
    update = (
        IncidentUpdate.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("incident")
        .filter(pk=update_id, notices_planned_at__isnull=True)
        .first()
    )
    if update is None:
        return 0  # planned already (or being planned by another worker)
    at = now()
    ids = list(affected_customers(update.incident).order_by("pk").values_list("pk", flat=True))
    chunks = NoticeChunk.objects.bulk_create(
        NoticeChunk(
            update=update,
            number=n,
            first_customer_id=part[0],
            last_customer_id=part[-1],
            due_at=at + STALL,
            created_at=at,
        )
        for n, part in enumerate((ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)), 1)
    )
    update.notices_planned_at = at
    update.save(update_fields=["notices_planned_at"])
    for chunk in chunks:
        _enqueue("send_chunk", chunk.pk)
    return len(chunks)


@transaction.atomic
def send_chunk(chunk_id: int) -> int:
    """Tell the customers of one chunk; how many notices this run sent (0 on a re-run)."""
    chunk = (
        NoticeChunk.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("update__incident")
        .filter(pk=chunk_id, state=NoticeChunk.State.PENDING)
        .first()
    )
    if chunk is None:
        return 0  # done, or another worker has it
    at = now()
    update = chunk.update
    in_range = {"customer_id__gte": chunk.first_customer_id}
    in_range["customer_id__lte"] = chunk.last_customer_id
    write_notices(update, chunk.first_customer_id, chunk.last_customer_id, at=at)
    claimed = list(
        IncidentNotice.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(update=update, state=IncidentNotice.State.PENDING, due_at__lte=at, **in_range)
        .order_by("customer_id")
    )
    outbound_ids = send_notices(update, claimed, at=at)
    later = (
        IncidentNotice.objects.filter(update=update, state=IncidentNotice.State.PENDING, **in_range)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    chunk.runs += 1
    if later is None:
        chunk.state, chunk.done_at = NoticeChunk.State.DONE, at
    else:  # SMS held for the morning: the chunk runs again then
        chunk.due_at = max(later, at) + STALL
        _enqueue("send_chunk", chunk.pk, run_after=later)
    chunk.save(update_fields=["state", "done_at", "due_at", "runs"])
    if outbound_ids:
        _enqueue("deliver_notices", outbound_ids)
    return len(outbound_ids)


def write_notices(update: IncidentUpdate, first: int, last: int, *, at: datetime) -> None:
    """The pending notices of the affected customers with ids in [first, last], once: a
    notice already there (a re-run, another worker) is left as it is."""
    if connection.vendor != "postgresql":
        customer_ids = affected_customer_ids(update.incident, first, last)
        IncidentNotice.objects.bulk_create(
            [IncidentNotice(update=update, customer_id=pk, due_at=at) for pk in customer_ids],
            ignore_conflicts=True,
        )
        return
    elements, params = (
        selectors.affected_elements(update.incident).values("pk").query.sql_with_params()
    )
    notice, customer = IncidentNotice._meta.db_table, Customer._meta.db_table
    line = Line._meta.db_table
    sql = (
        f"INSERT INTO {notice} (update_id, customer_id, state, reason, channel, due_at) "  # noqa: S608 - our own tables; values are parameters
        f"SELECT %s, c.id, %s, '', '', %s FROM {customer} c "
        "WHERE c.id BETWEEN %s AND %s AND NOT c.is_prospect AND c.merged_into_id IS NULL "
        f"AND EXISTS (SELECT 1 FROM {line} l WHERE l.customer_id = c.id AND l.status = %s "
        f"AND l.network_element_id IN ({elements})) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [update.pk, IncidentNotice.State.PENDING, at, first, last, Line.Status.ACTIVE]
            + list(params),
        )


@dataclass(frozen=True)
class Reach:
    channel: str
    recipient: str


def send_notices(update: IncidentUpdate, notices: list[IncidentNotice], *, at: datetime) -> list:
    """Write the message and the delivery of each claimed notice (in the caller's
    transaction); a customer due later (an SMS at night) is left pending. Returns the
    delivery ids."""
    if not notices:
        return []
    incident = update.incident
    ids = [n.customer_id for n in notices]
    customers = Customer.objects.in_bulk(ids)
    reaches = routes(customers.values())
    night = set(
        Preference.objects.filter(customer_id__in=ids, incident_sms_at_night=True).values_list(
            "customer_id", flat=True
        )
    )
    cases = linked_cases(incident, ids)
    owed = compensations(incident, ids)
    notice_event = Event(kind=NOTICE_KIND)
    morning = rules.after_quiet_hours(at)
    sent: list[tuple[IncidentNotice, Event, OutboundMessage]] = []
    with translation.override(settings.LANGUAGE_CODE):
        texts = Texts(incident, update)
        for notice in notices:
            customer, found = customers[notice.customer_id], reaches.get(notice.customer_id)
            if found is None:
                notice.state, notice.reason = IncidentNotice.State.SKIPPED, "no_contact"
                continue
            allowed = notice.customer_id in night
            may_night = allowed and rules.is_essential(notice_event)
            if found.channel == Channel.SMS and not may_night and morning > at:
                notice.due_at = morning
                continue
            case = cases.get(notice.customer_id)
            event, outbound = _message(
                texts, customer, case, found, at=at, owed=owed.get(notice.customer_id)
            )
            notice.state, notice.channel, notice.sent_at = (
                IncidentNotice.State.SENT,
                found.channel,
                at,
            )
            sent.append((notice, event, outbound))
    Event.objects.bulk_create([event for _n, event, _o in sent])
    for notice, event, outbound in sent:
        notice.message, outbound.event = event, event
    outbounds = OutboundMessage.objects.bulk_create([o for _n, _e, o in sent])
    _save_notices(notices)
    return [o.pk for o in outbounds]


NOTICE_FIELDS = ("state", "reason", "channel", "sent_at", "due_at", "message_id")


def _save_notices(notices: list[IncidentNotice]) -> None:
    """What happened to each notice, in one statement (Django's `bulk_update` builds a
    CASE per row and field: seconds of Python for a thousand rows)."""
    if connection.vendor != "postgresql":
        fields = [f.removesuffix("_id") for f in NOTICE_FIELDS]
        IncidentNotice.objects.bulk_update(notices, fields, batch_size=1000)
        return
    table = IncidentNotice._meta.db_table
    row = "(%s::bigint, %s, %s, %s, %s::timestamptz, %s::timestamptz, %s::bigint)"
    params = [
        value
        for n in notices
        for value in (n.pk, n.state, n.reason, n.channel, n.sent_at, n.due_at, n.message_id)
    ]
    sets = ", ".join(f"{f} = v.{f}" for f in NOTICE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS n SET {sets} FROM (VALUES {', '.join([row] * len(notices))}) "  # noqa: S608 - our own table and columns
            f"AS v(id, {', '.join(NOTICE_FIELDS)}) WHERE n.id = v.id",
            params,
        )


def linked_cases(incident: Incident, customer_ids: list[int]) -> dict[int, Case]:
    """Customer id → the case of theirs the incident explains (the notice lands on it)."""
    links = (
        IncidentCase.objects.filter(
            incident=incident, unlinked_at__isnull=True, case__customer_id__in=customer_ids
        )
        .select_related("case")
        .order_by("linked_at")
    )
    return {link.case.customer_id: link.case for link in links}


def compensations(incident: Incident, customer_ids: list[int]) -> dict[int, Decimal]:
    """Customer id → what the resolved incident's proposals give them (all their lines)."""
    if not incident.is_over:
        return {}
    owed: dict[int, Decimal] = defaultdict(Decimal)
    for customer_id, amount in CompensationProposal.objects.filter(
        incident=incident, customer_id__in=customer_ids, amount__gt=0
    ).values_list("customer_id", "amount"):
        owed[customer_id] += amount
    return owed


def routes(customers: Iterable[Customer]) -> dict[int, Reach]:
    """`notifications.reach.route` for many customers in two queries."""
    customers = list(customers)
    points: dict[int, list[ContactPoint]] = defaultdict(list)
    for point in ContactPoint.objects.filter(
        customer_id__in=[c.pk for c in customers],
        kind__in=[ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE],
    ).order_by("customer_id", "-is_primary", "pk"):
        points[point.customer_id].append(point)
    phones = [p.value for ps in points.values() for p in ps if p.kind == ContactPoint.Kind.PHONE]
    opted_out = set(OptOut.objects.filter(address__in=phones).values_list("channel", "address"))
    found: dict[int, Reach] = {}
    for customer in customers:
        own = points.get(customer.pk, [])
        mobiles = [p.value for p in own if p.kind == ContactPoint.Kind.PHONE and is_mobile(p.value)]
        emails = [p.value for p in own if p.kind == ContactPoint.Kind.EMAIL]
        for channel in dict.fromkeys([customer.preferred_channel, *FALLBACK]):
            if channel not in NOTIFIABLE:
                continue
            if channel == Channel.EMAIL:
                address = emails[0] if emails else ""
            else:
                address = next((p for p in mobiles if (channel, p) not in opted_out), "")
            if address:
                found[customer.pk] = Reach(channel, address)
                break
    return found


class Texts:
    """The words of one update, made once per chunk, per channel (French)."""

    def __init__(self, incident: Incident, update: IncidentUpdate) -> None:
        self.incident, self.update = incident, update
        self.status = Incident.Status(update.status).label
        self.eta = (
            formats.date_format(timezone.localtime(update.eta), "DATETIME_FORMAT")
            if update.eta
            else ""
        )
        self.subject = _("Network incident on your line: %(title)s") % {"title": incident.title}
        self.status_page = links.absolute("/etat-du-reseau/")

    def intro(self) -> str:
        facts = {"reference": self.incident.reference, "title": self.incident.title}
        if self.update.status in CLOSED_STATUSES:
            return (
                _("The network incident on your line (%(reference)s, %(title)s) is over.") % facts
            )
        return (
            _(
                "A network incident affects your line (%(reference)s, %(title)s). "
                "You have nothing to do: our teams are on it."
            )
            % facts
        )

    @staticmethod
    def compensation(owed: Decimal | None) -> str:
        if not owed:
            return ""
        return _(
            "For the days without service, we propose a compensation of %(amount)s €, "
            "deducted from your next bill."
        ) % {"amount": f"{owed:.2f}".replace(".", ",")}

    def email(self, customer: Customer, url: str, owed: Decimal | None = None) -> str:
        hello = (
            _("Hello %(name)s,") % {"name": customer.first_name}
            if customer.first_name
            else _("Hello,")
        )
        lines = [
            hello,
            "",
            self.intro(),
            "",
            _("%(status)s: %(text)s") % {"status": self.status, "text": self.update.text},
        ]
        if self.eta:
            lines.append(_("Service expected back by %(eta)s.") % {"eta": self.eta})
        if owed:
            lines += ["", self.compensation(owed)]
        lines += ["", _("Follow it: %(url)s") % {"url": url}]
        return "\n".join(lines)

    def sms(self, url: str, owed: Decimal | None = None) -> str:
        text = _("Network incident on your line (%(reference)s): %(text)s") % {
            "reference": self.incident.reference,
            "text": self.update.text,
        }
        if self.eta:
            text += " " + _("Back by %(eta)s.") % {"eta": self.eta}
        if owed:
            text += " " + self.compensation(owed)
        return compose.gsm7(f"{text}\n{url}")

    def summary(self) -> str:
        summary = " ".join(self.update.text.split())
        if self.eta:
            summary += " " + _("Back by %(eta)s.") % {"eta": self.eta}
        return summary[:600]


def _message(
    texts: Texts,
    customer: Customer,
    case: Case | None,
    found: Reach,
    *,
    at: datetime,
    owed: Decimal | None = None,
) -> tuple[Event, OutboundMessage]:
    url = links.tracking_url(case) if case is not None else texts.status_page
    headers: dict[str, str] = {}
    facts: dict = {"auto": AUTO, "incident": texts.incident.pk, "update": texts.update.pk}
    if found.channel == Channel.EMAIL:
        body = texts.email(customer, url, owed)
        headers = {"external_id": new_message_id(), "subject": texts.subject[:255]}
    elif found.channel == Channel.SMS:
        body = texts.sms(url, owed)
    else:
        template = whatsapp_templates.get("incident_notice")
        values = template.values(
            {"area": texts.incident.title[:200], "summary": texts.summary(), "tracking_url": url}
        )
        body = template.render(values)
        facts |= {"template": template.key, "params": values}
    event = Event(
        case=case,
        customer_id=customer.pk,
        kind=Event.Kind.MESSAGE_OUT,
        visibility=Event.Visibility.PUBLIC,
        actor_label="system",
        channel=found.channel,
        data={"body": body, **facts},
        created_at=at,
    )
    outbound = OutboundMessage(
        case=case,
        channel=found.channel,
        recipient=found.recipient,
        external_id=headers.get("external_id", ""),
        subject=headers.get("subject", ""),
        created_at=at,
        next_attempt_at=at,
    )
    return event, outbound


def deliver_notices(outbound_ids: list[int]) -> int:
    """Hand a chunk's messages to their channels, one by one (each claimed under the
    channels' own lease, so a re-run or the channels' sweep never sends one twice at once)."""
    from filrouge.channels.services import deliver_outbound

    return sum(deliver_outbound(pk) == OutboundMessage.State.SENT for pk in outbound_ids)


def sweep(*, at: datetime | None = None) -> tuple[int, int]:
    """Plan the updates whose planning task was lost; queue again the chunks overdue.
    Harmless when it overlaps a live task: both claim with SKIP LOCKED."""
    moment = at or now()
    unplanned = list(
        IncidentUpdate.objects.filter(
            notices_planned_at__isnull=True, published_at__lte=moment - STALL
        ).values_list("pk", flat=True)[:100]
    )
    stalled = list(
        NoticeChunk.objects.filter(state=NoticeChunk.State.PENDING, due_at__lte=moment)
        .order_by("due_at")
        .values_list("pk", flat=True)[:1000]
    )
    with transaction.atomic():
        for pk in unplanned:
            _enqueue("plan_notices", pk)
        for pk in stalled:
            _enqueue("send_chunk", pk)
        NoticeChunk.objects.filter(pk__in=stalled).update(due_at=moment + STALL)
    return len(unplanned), len(stalled)

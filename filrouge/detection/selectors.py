"""Reads for the supervisors' page: the suspicions to decide, and what a confirmation says."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from filrouge.detection.models import Suspicion, SuspicionCase


def open_suspicions() -> QuerySet[Suspicion]:
    return _with_evidence(Suspicion.objects.filter(status=Suspicion.Status.OPEN))


def recently_decided(limit: int = 10) -> QuerySet[Suspicion]:
    return (
        Suspicion.objects.exclude(status=Suspicion.Status.OPEN)
        .select_related("element", "incident", "decided_by", "widened_to__element")
        .order_by("-decided_at", "-pk")[:limit]
    )


def suspicion(pk: int) -> Suspicion | None:
    return _with_evidence(Suspicion.objects.filter(pk=pk)).first()


def _with_evidence(suspicions: QuerySet[Suspicion]) -> QuerySet[Suspicion]:
    return (
        suspicions.select_related("element")
        .prefetch_related(
            "element__areas",
            Prefetch(
                "links",
                SuspicionCase.objects.select_related("case__customer").order_by("reported_at"),
                to_attr="evidence",
            ),
        )
        .order_by("-raised_at", "-pk")
    )


def proposal(suspicion: Suspicion) -> dict[str, str]:
    """The incident a confirmation would declare, in the reader's language, to edit."""
    element = suspicion.element
    place = ", ".join(sorted({a.commune for a in element.areas.all()})) or element.name
    what = f"{element.get_kind_display()} {element.code}"
    if place:
        title = _("Outage on %(element)s (%(place)s)") % {"element": what, "place": place}
        text = _(
            "We know of an outage of our network around %(place)s: internet and telephone "
            "may be cut. Our technicians are looking into it; we will tell you here as soon "
            "as we know when the service comes back."
        ) % {"place": place}
    else:
        title = _("Outage on %(element)s") % {"element": what}
        text = _(
            "We know of an outage of our network in your area: internet and telephone may be "
            "cut. Our technicians are looking into it; we will tell you here as soon as we "
            "know when the service comes back."
        )
    return {"title": title, "text": text, "impact": "major"}

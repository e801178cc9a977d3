"""What every channel's `prepare_reply` shares: the delivery row and the case footer."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event
from filrouge.channels.models import OutboundMessage
from filrouge.core.clock import now


def queue_delivery(
    event: Event, *, case: Case | None, channel: str, recipient: str, **headers: str
) -> OutboundMessage:
    """A delivery due now; the delivery task picks it up once the transaction commits."""
    moment = now()
    return OutboundMessage.objects.create(
        event=event,
        case=case,
        channel=channel,
        recipient=recipient,
        external_id=headers.pop("external_id", ""),
        created_at=moment,
        next_attempt_at=moment,
        **headers,
    )


def case_footer(case: Case) -> str:
    """ "Your case: FR-…", in the operator's language (the customer quotes it back)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Your case: %(reference)s") % {"reference": case.reference}

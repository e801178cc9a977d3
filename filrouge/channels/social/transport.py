"""Answers on the "social" channel: where the customer last wrote, as they wrote.

`prepare_reply` (in the advisor's transaction) picks the conversation: the
customer's latest social message on the case, answered in public under their
post if it was public, in private if it was private; without any, a private
message to the customer's social handle. A public answer that contains
personal data is refused there and then, with the reason; so is a text too
long for the network. `send` hands the delivery to the network's transport.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.channels.mastodon import transport as mastodon_transport
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.outbound import case_footer
from filrouge.channels.social import flags, privacy
from filrouge.channels.social.parse import network_of
from filrouge.channels.x import parse as x_parse
from filrouge.channels.x import transport as x_transport
from filrouge.core.clock import now
from filrouge.customers.models import Channel, ContactPoint

X_POST_MAX, X_DM_MAX = 280, 10_000
NAMES = {"mastodon": "Mastodon", "x": "X"}


@dataclass(frozen=True)
class Conversation:
    recipient: str  # the customer's handle
    in_reply_to: str  # our external id of the post answered ("" for a new private message)
    is_public: bool


def conversation_for(case: Case) -> Conversation:
    last = (
        InboundMessage.objects.filter(
            case=case, channel=Channel.SOCIAL, state=InboundMessage.State.PROCESSED
        )
        .exclude(sender="")
        .order_by("-received_at", "-pk")
        .only("sender", "external_id", "is_public")
        .first()
    )
    if last is not None and network_of(last.sender):
        return Conversation(last.sender, last.external_id, last.is_public)
    handles = ContactPoint.objects.filter(
        customer_id=case.customer_id, kind=ContactPoint.Kind.SOCIAL
    ).order_by("-is_primary", "pk")
    handle = next((h.value for h in handles if network_of(h.value)), "")
    if not handle:
        raise CaseError(
            _(
                "This customer has not written to us on a social network and has no "
                "Mastodon or X handle: answer on another channel."
            )
        )
    return Conversation(handle, "", False)


def prepare_reply(case: Case, event: Event) -> OutboundMessage:
    talk = conversation_for(case)
    body = str(event.data.get("body", ""))
    if talk.is_public and (kinds := privacy.kinds(body)):
        raise CaseError(
            _(
                "This answer would be posted publicly and contains personal data "
                "(%(kinds)s). Remove it, or ask the customer to write to us in a private "
                "message."
            )
            % {"kinds": flags.kind_labels(kinds)}
        )
    moment = now()
    outbound = OutboundMessage(
        event=event,
        case=case,
        channel=Channel.SOCIAL,
        recipient=talk.recipient,
        in_reply_to=talk.in_reply_to,
        is_public=talk.is_public,
        external_id="",
        created_at=moment,
        next_attempt_at=moment,
    )
    text, limit = compose(outbound, event), _limit(outbound)
    if len(text) > limit:
        raise CaseError(
            _("This answer is %(count)d characters long; %(network)s takes %(max)d: shorten it.")
            % {"count": len(text), "network": NAMES[network_of(talk.recipient)], "max": limit}
        )
    outbound.save()
    return outbound


def _limit(outbound: OutboundMessage) -> int:
    if network_of(outbound.recipient) == "x":
        return X_POST_MAX if outbound.is_public else X_DM_MAX
    return settings.MASTODON_MAX_CHARACTERS


def compose(outbound: OutboundMessage, event: Event) -> str:
    """The text posted. On Mastodon it opens with the customer's `@user@host` (a direct
    status reaches only who it mentions); a public X reply with their `@name`. A private
    answer ends with the case reference to quote back; a public one never names the case."""
    body = str(event.data.get("body", "")).strip()
    network = network_of(outbound.recipient)
    mention = outbound.recipient if network == "mastodon" else _x_mention(outbound)
    text = f"{mention} {body}" if mention else body
    if outbound.is_public or outbound.case is None:
        return text
    return f"{text}\n\n{case_footer(outbound.case)}"


def _x_mention(outbound: OutboundMessage) -> str:
    if not outbound.is_public or not outbound.in_reply_to:
        return ""
    answered = (
        InboundMessage.objects.filter(channel=Channel.SOCIAL, external_id=outbound.in_reply_to)
        .values_list("payload", flat=True)
        .first()
    )
    name = x_parse.screen_name(bytes(answered)) if answered is not None else ""
    return f"@{name}" if name else ""


def send(outbound: OutboundMessage, event: Event) -> str:
    text = compose(outbound, event)
    if outbound.is_public and privacy.kinds(str(event.data.get("body", ""))):
        raise DeliveryRefused("a public answer with personal data is never posted")
    network = network_of(outbound.recipient)
    if network == "mastodon":
        return mastodon_transport.send(outbound, event, text=text)
    if network == "x":
        return x_transport.send(outbound, event, text=text)
    raise DeliveryRefused(f"no social network for {outbound.recipient!r}")

"""Story E5: a public post that exposes personal data is flagged, and the team steers
the customer to a private message without ever repeating the data in public.

When a social message lands on a case (`note_landing`, run by
`channels.services` before the inbound row is saved), the row records whether
it was public and, for a public post, the kinds of personal data it exposes.
If there are any, an internal timeline event `personal_data_exposed` carries
the kinds (never the values); its formatter shows the warning and the
suggested public answer, in the reader's language at render time.
"""

import json

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from filrouge.cases import timeline
from filrouge.cases.models import Event
from filrouge.cases.services import record_event
from filrouge.channels.message import Message
from filrouge.channels.models import InboundMessage
from filrouge.channels.social import privacy
from filrouge.channels.social.parse import network_of_payload
from filrouge.customers.models import Channel

PERSONAL_DATA_EXPOSED = "personal_data_exposed"  # a timeline event kind of this app


def note_landing(inbound: InboundMessage, message: Message) -> None:
    """Flag a public post's personal data on the row and on the case's timeline."""
    inbound.is_public = message.is_public
    inbound.personal_data = privacy.kinds(message.text) if message.is_public else []
    if not inbound.personal_data or inbound.case is None:
        return
    network = network_of_payload(bytes(inbound.payload))
    data = {"kinds": inbound.personal_data, "network": network, "inbound": inbound.external_id}
    if network == "x":  # our account's id, for the "send us a DM" link
        data["account"] = str(json.loads(bytes(inbound.payload)).get("for_user_id", ""))[:25]
    record_event(
        inbound.case,
        kind=PERSONAL_DATA_EXPOSED,
        visibility=Event.Visibility.INTERNAL,
        actor_label="system",
        channel=Channel.SOCIAL,
        data=data,
    )


def kind_labels(kinds: list[str]) -> str:
    labels = {
        privacy.PHONE: _("phone number"),
        privacy.EMAIL: _("e-mail address"),
        privacy.ADDRESS: _("postal address"),
        privacy.CONTRACT: _("contract or line number"),
    }
    return ", ".join(str(labels.get(kind, kind)) for kind in kinds)


def suggested_public_answer(*, network: str = "", account: str = "") -> str:
    """The public answer to a post that exposed personal data: an invitation to a private
    message that repeats nothing. In the customer's language (the site's), not the agent's."""
    with translation.override(settings.LANGUAGE_CODE):
        answer = _(
            "Hello, thank you for your message. Please write to us in a private message: "
            "we will take up your case there. For your safety, do not post your personal "
            "details publicly."
        )
    if network == "x" and account.isdigit():
        answer += f" https://x.com/messages/compose?recipient_id={account}"
    return answer


@timeline.formatter(PERSONAL_DATA_EXPOSED)
def _personal_data_exposed(event: Event) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    return _(
        "Personal data exposed in a public post (%(kinds)s): do not repeat it in public. "
        "Suggested public answer: “%(answer)s”"
    ) % {
        "kinds": kind_labels(list(data.get("kinds", []))),
        "answer": suggested_public_answer(
            network=str(data.get("network", "")), account=str(data.get("account", ""))
        ),
    }

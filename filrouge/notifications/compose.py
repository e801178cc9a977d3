"""The words of a notification, per channel, in the operator's language (French).

Each change is the sentence the timeline shows for its event (`cases.timeline.describe`),
so the customer reads what the tracking page and the advisor read. Called inside
`translation.override(settings.LANGUAGE_CODE)`.
"""

import unicodedata
from collections.abc import Callable, Sequence

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from filrouge.cases.models import Case, Event
from filrouge.channels.sms import transport as sms_transport
from filrouge.channels.sms.encoding import GSM_BASIC, GSM_EXTENDED, segments
from filrouge.channels.whatsapp import templates as whatsapp_templates
from filrouge.portal.timeline import customer_line

SMS_MAX_PARTS = 2
WHATSAPP_MAX_UPDATE = 700  # of Meta's 1,024 per parameter: a notice, not a report
# Typography that would turn a whole SMS into UCS-2 (67 characters a part, not 153).
_GSM_SUBSTITUTES = {
    "→": "->",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "…": "...",
    "–": "-",
    "—": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "œ": "oe",
    "Œ": "OE",
}
# Lines other apps add after the tracking link, given the case and the events told
# (registered in their `AppConfig.ready`): the survey link in a resolution notice.
# E-mail and SMS carry them; WhatsApp's approved templates cannot.
EXTRA_LINES: list[Callable[[Case, Sequence[Event]], list[str]]] = []


def changes(events: Sequence[Event]) -> list[str]:
    # The sentence of the customer's tracking page: no advisor's surname, no typed reason.
    return [customer_line(event).text for event in events]


def extra_lines(case: Case, events: Sequence[Event]) -> list[str]:
    return [line for extra in EXTRA_LINES for line in extra(case, events)]


def email(
    case: Case, events: Sequence[Event], *, tracking: str, unsubscribe: str
) -> tuple[str, str]:
    """Subject and body. The e-mail adapter adds the signature and the case footer."""
    subject = _("[%(reference)s] News about your case “%(subject)s”") % {
        "reference": case.reference,
        "subject": case.subject,
    }
    lines = [
        _("Hello %(name)s,") % {"name": case.customer.first_name}
        if case.customer.first_name
        else _("Hello,"),
        "",
        _("Here is what changed on your case %(reference)s:") % {"reference": case.reference},
        "",
    ]
    for event in events:
        moment = formats.date_format(timezone.localtime(event.created_at), "DATETIME_FORMAT")
        lines.append(
            "- " + _("%(when)s: %(what)s") % {"when": moment, "what": customer_line(event).text}
        )
    lines += ["", _("Follow your case at any time: %(url)s") % {"url": tracking}]
    for line in extra_lines(case, events):
        lines += ["", line]
    if unsubscribe:
        lines += [
            "",
            _("To stop receiving news about your cases: %(url)s") % {"url": unsubscribe},
        ]
    return subject[:255], "\n".join(lines)


def sms(case: Case, events: Sequence[Event], *, tracking: str, unsubscribe: str) -> str:
    """A text that fits `SMS_MAX_PARTS` parts once the adapter added the case footer.

    Written in GSM-7 characters only (a single "ê" would make every part 67 characters
    instead of 153). The newest change comes first; those that do not fit are counted,
    not cut silently: the tracking link shows them all.
    """
    said = [gsm7(line) for line in reversed(changes(events))]  # the newest first
    extra = [gsm7(line) for line in extra_lines(case, events)]
    for shown in range(len(said), 0, -1):
        text = _sms_text(said[:shown], len(said) - shown, tracking, unsubscribe, extra)
        if _fits(case, text):
            return text
    first, hidden = said[0], len(said) - 1
    while len(first) > 10:  # even one change is too long: shortened, visibly
        first = first[:-10]
        text = _sms_text([first + "..."], hidden, tracking, unsubscribe, extra)
        if _fits(case, text):
            break
    return text


def _sms_text(
    shown: list[str], hidden: int, tracking: str, unsubscribe: str, extra: list[str]
) -> str:
    news = "; ".join(shown)
    if hidden:
        news += " " + ngettext("(and %(count)d more)", "(and %(count)d more)", hidden) % {
            "count": hidden
        }
    lines = [
        gsm7(_("News: %(news)s.") % {"news": news}),
        gsm7(_("Follow it: %(url)s") % {"url": tracking}),
        *extra,
    ]
    if unsubscribe:
        lines.append(gsm7(_("Unsubscribe: %(url)s") % {"url": unsubscribe}))
    return "\n".join(lines)


def _fits(case: Case, text: str) -> bool:
    sent = sms_transport.compose(case, Event(data={"body": text}))  # as the adapter sends it
    return len(segments(sent)) <= SMS_MAX_PARTS


def gsm7(text: str) -> str:
    """French typography folded into GSM-7: "ê" → "e", "→" → "->"; é, è, à, ù stay."""
    out = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENDED:
            out.append(char)
        elif char in _GSM_SUBSTITUTES:
            out.append(_GSM_SUBSTITUTES[char])
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            out.append(base if base in GSM_BASIC else "?")
    return "".join(out)


def whatsapp(
    case: Case, events: Sequence[Event], *, tracking: str, unsubscribe: str
) -> tuple[whatsapp_templates.Template, list[str]]:
    """The approved template and its parameters (one line each, as Meta requires)."""
    update = " ".join("; ".join(changes(events)).split())
    if len(update) > WHATSAPP_MAX_UPDATE:
        update = update[: WHATSAPP_MAX_UPDATE - 3] + "..."
    params = {"reference": case.reference, "update": update, "tracking_url": tracking}
    if unsubscribe:
        template = whatsapp_templates.get("case_news")
        params["unsubscribe_url"] = unsubscribe
    else:
        template = whatsapp_templates.get("case_news_essential")
    return template, template.values(params)

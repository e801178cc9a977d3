"""Subscriptions to the status page: subscribe, confirm (link or SMS code), unsubscribe.

Double opt-in: a subscription is `pending` until the person proves they hold
the address — the link of the confirmation e-mail, or the six-digit code of
the confirmation SMS typed back on the page (a code rather than a link: it
works on a phone without switching apps and cannot be clicked by a link
scanner). Only `confirmed` subscriptions receive anything. Bad input raises
`SubscriptionError` with a French message and writes nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from filrouge.channels.sms.transport import is_mobile
from filrouge.core.clock import now
from filrouge.customers.normalise import InvalidContact, fold, normalise_email, normalise_phone
from filrouge.network.models import Area
from filrouge.statuspage import tasks, tokens
from filrouge.statuspage.models import Subscription

CODE_TRIES = 5
CODE_LIFETIME = timedelta(minutes=30)
CONFIRMATIONS_PER_DAY = 3


class SubscriptionError(ValueError):
    """A refused request, with a message for the person who made it."""


def normalise_place(raw: str) -> tuple[str, str]:
    """(postcode, commune) for what was typed; the place must be one we serve."""
    text = " ".join(raw.split())
    if not text:
        raise SubscriptionError(_("Type a postcode or the name of a commune."))
    if text.isdigit():
        if len(text) != 5 or not Area.objects.filter(postcode=text).exists():
            raise SubscriptionError(
                _("We know of no commune with the postcode “%(code)s”.") % {"code": text}
            )
        return text, ""
    key = fold(text)
    for commune in Area.objects.filter(commune__iexact=text).values_list("commune", flat=True):
        return "", commune
    for commune in Area.objects.values_list("commune", flat=True).distinct():
        if fold(commune) == key:
            return "", commune
    raise SubscriptionError(_("We know of no commune named “%(name)s”.") % {"name": text})


def normalise_address(channel: str, raw: str) -> str:
    try:
        if channel == Subscription.Channel.EMAIL:
            return normalise_email(raw)
        if channel == Subscription.Channel.SMS:
            phone = normalise_phone(raw)
            if not is_mobile(phone):
                raise SubscriptionError(
                    _("“%(value)s” is not a mobile number: SMS only reach mobiles.")
                    % {"value": raw}
                )
            return phone
    except InvalidContact as exc:
        raise SubscriptionError(str(exc)) from exc
    raise SubscriptionError(_("Choose e-mail or SMS."))


@transaction.atomic
def subscribe(*, channel: str, address: str, place: str, language: str = "fr") -> Subscription:
    """Record a pending subscription and send its confirmation (an existing one is reused)."""
    address = normalise_address(channel, address)
    postcode, commune = normalise_place(place)
    at = now()
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        channel=channel,
        address=address,
        postcode=postcode,
        commune_key=fold(commune),
        defaults={"commune": commune, "state": Subscription.State.PENDING, "created_at": at},
    )
    if subscription.state == Subscription.State.CONFIRMED:
        return subscription  # nothing to confirm again
    recent = (
        subscription.last_confirmation_at
        and at - subscription.last_confirmation_at < timedelta(days=1)
    )
    if recent and subscription.confirmations_sent >= CONFIRMATIONS_PER_DAY:
        raise SubscriptionError(
            _(
                "We have already sent %(n)d confirmations to this address today: "
                "use the last one, or try again tomorrow."
            )
            % {"n": CONFIRMATIONS_PER_DAY}
        )
    subscription.state = Subscription.State.PENDING
    subscription.unsubscribed_at = None
    subscription.confirmations_sent = (subscription.confirmations_sent if recent else 0) + 1
    subscription.last_confirmation_at = at
    subscription.code_tries = 0
    subscription.code_expires_at = (
        at + CODE_LIFETIME if channel == Subscription.Channel.SMS else None
    )
    subscription.language = language
    subscription.save()
    pk, sent = subscription.pk, subscription.confirmations_sent
    transaction.on_commit(lambda: tasks.send_confirmation.enqueue(pk, sent))
    return subscription


@transaction.atomic
def confirm(subscription: Subscription) -> Subscription:
    """The person followed the e-mail's link: the subscription starts (idempotent)."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.state == Subscription.State.PENDING:
        subscription.state, subscription.confirmed_at = Subscription.State.CONFIRMED, now()
        subscription.save(update_fields=["state", "confirmed_at"])
    elif subscription.state == Subscription.State.UNSUBSCRIBED:
        raise SubscriptionError(
            _("This subscription was cancelled: subscribe again from the status page.")
        )
    return subscription


def check_code(subscription: Subscription, code: str) -> Subscription:
    """The person typed the SMS code: right, in time and within the tries, it confirms.
    A wrong code counts (committed) before it is refused."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.state == Subscription.State.CONFIRMED:
            return subscription
        if (
            subscription.state != Subscription.State.PENDING
            or subscription.code_tries >= CODE_TRIES
        ):
            raise SubscriptionError(
                _("Too many wrong codes: ask for a new one from the status page.")
            )
        if subscription.code_expires_at is None or now() > subscription.code_expires_at:
            raise SubscriptionError(
                _("This code has expired: ask for a new one from the status page.")
            )
        typed = "".join(code.split())
        if not (typed.isdigit() and len(typed) == 6):
            raise SubscriptionError(_("The code has six digits."))
        if typed == tokens.sms_code(subscription):
            subscription.state, subscription.confirmed_at = Subscription.State.CONFIRMED, now()
            subscription.save(update_fields=["state", "confirmed_at"])
            return subscription
        subscription.code_tries += 1
        subscription.save(update_fields=["code_tries"])
    left = CODE_TRIES - subscription.code_tries
    raise WrongCode(_("This is not the code we sent. Tries left: %(left)d.") % {"left": left})


class WrongCode(SubscriptionError):
    pass


@transaction.atomic
def unsubscribe(subscription: Subscription) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.state != Subscription.State.UNSUBSCRIBED:
        subscription.state, subscription.unsubscribed_at = Subscription.State.UNSUBSCRIBED, now()
        subscription.save(update_fields=["state", "unsubscribed_at"])
    return subscription

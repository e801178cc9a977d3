"""Contact points and postcodes in one canonical form, so lookups are exact matches.

Phones become E.164 (French numbers by default), e-mails are lower-cased,
postcodes are five digits. Each function raises `InvalidContact` with a message
the person typing can act on.
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


class InvalidContact(ValueError):
    pass


def normalise_phone(raw: str, *, region: str | None = None) -> str:
    return _e164(raw.strip(), region or settings.FILROUGE_DEFAULT_REGION)


@lru_cache(maxsize=8192)
def _e164(raw: str, region: str) -> str:
    """Cached: parsing a number costs ~0.1 ms, and a storm's senders write again and again
    (each inbound SMS's sender is read twice while filing). Refusals are not cached."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidContact(_("“%(value)s” is not a phone number.") % {"value": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact(_("“%(value)s” is not a valid phone number.") % {"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    value = raw.strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise InvalidContact(
            _("“%(value)s” is not a valid e-mail address.") % {"value": raw}
        ) from exc
    return value


_POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def normalise_postcode(raw: str) -> str:
    value = re.sub(r"\s+", "", raw)
    if not _POSTCODE.match(value):
        raise InvalidContact(
            _("“%(value)s” is not a French postcode (five digits).") % {"value": raw}
        )
    return value


def looks_like_phone(text: str) -> bool:
    digits = re.sub(r"[\s.\-()+]", "", text)
    return digits.isdigit() and 9 <= len(digits) <= 15


def fold(text: str) -> str:
    """Lower-case without accents: what name search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def format_phone(e164: str) -> str:
    """A phone number the way a French person reads it."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)

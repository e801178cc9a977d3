"""How the detector's figures read on the supervisor's page."""

import math

from django import template
from django.utils.formats import number_format

from filrouge.detection.models import Suspicion

register = template.Library()
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@register.filter
def chance(p: float) -> str:
    """A probability as a person reads it: `0,03`, or `1,1 × 10⁻¹⁰` when tiny (not the
    programmer's `1.1e-10`), with the locale's decimal mark."""
    if p is None:
        return ""
    if p <= 0:
        return number_format(0)
    if p >= 0.001:
        return number_format(round(p, 3), use_l10n=True)
    exponent = math.floor(math.log10(p))
    mantissa = round(p / 10**exponent, 1)
    if mantissa >= 10:  # 9.96e-5 rounds to 10.0
        mantissa, exponent = 1.0, exponent + 1
    return f"{number_format(mantissa, 1, use_l10n=True)} × 10{str(exponent).translate(SUPERSCRIPT)}"


@register.filter
def expected(mu: float) -> str:
    """A count expected in the window, to two significant digits: 0,0012 rather than
    the 0,00 two decimal places would show for a quiet cable."""
    if mu is None:
        return ""
    if mu <= 0:
        return number_format(0)
    decimals = max(2, 1 - math.floor(math.log10(mu)))
    return number_format(round(mu, decimals), decimals, use_l10n=True)


@register.simple_tag
def open_suspicions() -> int:
    """How many suspected incidents wait for a decision (the menu's count for leads and
    supervisors: customers are told only once one is confirmed)."""
    return Suspicion.objects.filter(status=Suspicion.Status.OPEN).count()

"""`{{ case|tracking_url }}`: the customer's tracking link, for the advisor's case page."""

from django import template

from filrouge.cases.models import Case
from filrouge.portal.links import tracking_url as _tracking_url

register = template.Library()


@register.filter
def tracking_url(case: Case) -> str:
    return _tracking_url(case)

"""Template filters of the agent console: timeline events read as sentences."""

from django import template

from filrouge.cases import timeline
from filrouge.cases.models import Event, Priority, Status
from filrouge.customers.normalise import format_phone

register = template.Library()


@register.filter
def who(event: Event) -> str:
    return timeline.who(event)


@register.filter
def describe(event: Event) -> str:
    return timeline.describe(event)


@register.filter
def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


@register.filter
def priority_label(value: int) -> str:
    try:
        return str(Priority(value).label)
    except ValueError:
        return str(value)


@register.filter
def phone(value: str) -> str:
    """An E.164 number as a French person reads it; anything else unchanged."""
    return format_phone(value) if value.startswith("+") else value

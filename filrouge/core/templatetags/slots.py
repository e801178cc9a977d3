from django import template
from django.template.loader import get_template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from filrouge.core import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context: template.Context, name: str, *args, **kwargs) -> SafeString:
    """Every panel other apps put in this slot (see `filrouge.core.slots`)."""
    request = context.get("request")
    out = []
    for panel in slots.panels(name):
        extra = panel.context(*args, **kwargs)
        if extra is None:
            continue
        out.append(get_template(panel.template).render(extra, request))
    return format_html_join("", "{}", ((html,) for html in out))  # each is already safe

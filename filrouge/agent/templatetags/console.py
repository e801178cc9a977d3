"""Template filters of the agent console: timeline events read as sentences."""

from django import forms, template
from django.forms import BoundField
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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


def _widget_html(bound: BoundField) -> str:
    """The widget's HTML, built in Python: Django's per-option templates cost
    several milliseconds per select, and the case page has a dozen fields."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({})
    if bound.auto_id and "id" not in widget.attrs:
        attrs["id"] = bound.auto_id
    if bound.help_text and "id" in attrs:
        attrs["aria-describedby"] = f"{attrs['id']}_helptext"
    ctx = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    name, extra = ctx["name"], flatatt(ctx["attrs"])
    if isinstance(widget, forms.Select):
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (o["value"], mark_safe(" selected") if o["selected"] else "", o["label"])
                for _group, group_options, _index in ctx["optgroups"]
                for o in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, extra, options)
    if isinstance(widget, forms.Textarea):
        return format_html('<textarea name="{}"{}>\n{}</textarea>', name, extra, ctx["value"] or "")
    if isinstance(widget, forms.CheckboxInput):
        return format_html('<input type="checkbox" name="{}"{}>', name, extra)
    if isinstance(widget, forms.widgets.Input):
        value = ctx["value"]
        shown = format_html(' value="{}"', value) if value not in (None, "") else ""
        return format_html('<input type="{}" name="{}"{}{}>', ctx["type"], name, shown, extra)
    return str(bound)  # any other widget: Django's own template


@register.simple_tag
def field(bound: BoundField) -> str:
    """One form field: label, help, errors, widget."""
    errors = format_html_join("", "<li>{}</li>", ((e,) for e in bound.errors))
    return format_html(
        '<div class="field{}"><label for="{}">{}</label>{}{}{}</div>',
        " has-error" if bound.errors else "",
        bound.id_for_label,
        bound.label,
        format_html(
            '<small class="helptext" id="{}_helptext">{}</small>', bound.auto_id, bound.help_text
        )
        if bound.help_text
        else "",
        format_html('<ul class="errorlist" id="{}_error">{}</ul>', bound.auto_id, errors)
        if bound.errors
        else "",
        _widget_html(bound),
    )


@register.simple_tag
def form_errors(form: forms.Form) -> str:
    errors = form.non_field_errors()
    if not errors:
        return ""
    items = format_html_join("", "<li>{}</li>", ((e,) for e in errors))
    return format_html(
        '<div class="form-error" role="alert"><ul class="errorlist">{}</ul></div>', items
    )

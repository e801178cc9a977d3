"""Template filters of the agent console: timeline events read as sentences."""

from django import forms, template
from django.forms import BoundField
from django.forms.utils import flatatt
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from filrouge.cases import timeline
from filrouge.cases.models import Event, Priority, Status
from filrouge.channels.message import REFUSALS
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


def _documents(documents: list) -> str:
    """Links to a letter's scan or a report's photos, served only to logged-in agents."""
    links = format_html_join(
        "",
        '<li><a href="{}" target="_blank" rel="noopener">{}</a></li>',
        (
            (reverse("agent:document", args=[d["id"]]), d.get("name") or _("document"))
            for d in documents
            if isinstance(d, dict) and isinstance(d.get("id"), int)
        ),
    )
    return format_html('<ul class="documents">{}</ul>', links)


def _refused_attachments(refused: list) -> str:
    """Attachments a customer sent that were not kept, each with why (in the reader's words)."""
    items = []
    for item in refused:
        if not isinstance(item, dict):
            continue
        reason = REFUSALS.get(str(item.get("reason")), _("refused"))
        if isinstance(item.get("limit"), int):
            reason = _("larger than the %(limit)s limit") % {"limit": filesizeformat(item["limit"])}
        size = item.get("size") if isinstance(item.get("size"), int) else 0
        line = _("“%(name)s” (%(size)s): %(reason)s") % {
            "name": item.get("name") or _("unnamed file"),
            "size": filesizeformat(size),
            "reason": reason,
        }
        items.append((line,))
    return format_html(
        '<ul class="documents refused"><li>{}</li>{}</ul>',
        _("Attachments not kept:"),
        format_html_join("", "<li>{}</li>", items),
    )


@register.simple_tag
def timeline_item(event: Event) -> str:
    """One timeline entry: when, who, public or internal, the sentence, the words.

    Built in Python rather than in the template: a long timeline made the
    template's per-variable lookups the largest cost of the case page.
    """
    data = event.data if isinstance(event.data, dict) else {}
    moment = timezone.localtime(event.created_at)
    if event.is_public:
        badge = format_html('<span class="badge public">{}</span>', _("Public"))
    else:
        badge = format_html('<span class="badge internal">{}</span>', _("Internal"))
    parts = [format_html('<p class="what">{}</p>', timeline.describe(event))]
    if body := data.get("body"):
        parts.append(format_html('<blockquote class="body">{}</blockquote>', linebreaksbr(body)))
    if done := data.get("done"):
        parts.append(
            format_html(
                '<blockquote class="body done"><strong>{}:</strong> {}</blockquote>',
                _("Done"),
                linebreaksbr(done),
            )
        )
    if documents := data.get("documents"):
        parts.append(_documents(documents))
    if refused := data.get("attachments_refused"):
        parts.append(_refused_attachments(refused))
    if note := data.get("note"):
        parts.append(
            format_html(
                '<blockquote class="body handover-note"><strong>{}:</strong> {}</blockquote>',
                _("Note for the next advisor"),
                linebreaksbr(note),
            )
        )
    if event.kind == Event.Kind.POSSIBLE_MATCH and isinstance(data.get("customer"), int):
        # One click to the merge's confirmation page (which says if it was merged since).
        target = reverse("agent:attach_confirm", args=[event.customer_id, data["customer"]])
        parts.append(
            format_html(
                '<p class="match"><a href="{}">{}</a></p>',
                target,
                _("Attach the sender to this customer"),
            )
        )
    if data.get("reason") and event.actor_id:
        parts.append(
            format_html(
                '<p class="reason"><small>{}: {}</small></p>',
                _("Why"),
                timeline.reason_text(data["reason"]),
            )
        )
    return format_html(
        '<li class="event {} kind-{}"><div class="event-meta"><time datetime="{}">{}</time> '
        '<span class="who">{}</span> {}</div>{}</li>',
        event.visibility,
        event.kind,
        moment.isoformat(),
        formats.date_format(moment, "SHORT_DATETIME_FORMAT"),
        timeline.who(event),
        badge,
        mark_safe("".join(parts)),  # noqa: S308 (each part is built with format_html)
    )

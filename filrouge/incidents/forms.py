"""Forms only validate their fields; the services decide whether the change is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from filrouge.incidents.models import Incident
from filrouge.partners.models import Partner

MOMENT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
BAD_MOMENT = _("Enter a date and time, e.g. 05/12/2026 18:00.")


def _moment(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=MOMENT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MOMENT[0]),
        error_messages={"invalid": BAD_MOMENT},
    )


class DeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    elements = forms.CharField(
        label=_("Network elements (codes)"),
        help_text=_("One or more codes, e.g. PM-PAR11-004, separated by spaces or commas."),
        max_length=2000,
        error_messages={"required": _("An incident needs at least one network element.")},
    )
    impact = forms.ChoiceField(
        label=_("Impact"), choices=Incident.Impact.choices, initial=Incident.Impact.MAJOR
    )
    text = forms.CharField(
        label=_("First public update"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("The first update needs a text for the customers.")},
    )
    eta = _moment(_("Estimated restoration"))
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.all(), required=False
    )
    partner_reference = forms.CharField(
        label=_("Partner's reference"), max_length=60, required=False
    )
    partner_promised_at = _moment(_("Partner's promised date"))


class UpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Incident.Status.choices)
    text = forms.CharField(
        label=_("Public update"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("An update needs a text for the customers.")},
    )
    eta = _moment(_("Estimated restoration"))

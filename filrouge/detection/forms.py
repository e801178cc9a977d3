"""The confirmation form: the incident's public title and first update, as edited."""

from django import forms
from django.utils.translation import gettext_lazy as _

from filrouge.incidents.models import Incident


class ConfirmForm(forms.Form):
    title = forms.CharField(
        label=_("Incident title"),
        max_length=200,
        error_messages={"required": _("Give the incident a title.")},
    )
    text = forms.CharField(
        label=_("First update, for the customers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Write what the customers will read.")},
    )
    impact = forms.ChoiceField(label=_("Impact"), choices=Incident.Impact.choices)

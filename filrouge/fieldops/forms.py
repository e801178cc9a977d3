"""Forms only check the shape of what was typed; the services decide (dates, states)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from filrouge.fieldops.models import Shipment


class MoveForm(forms.Form):
    line1 = forms.CharField(
        label=_("Number and street"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        error_messages={"required": _("Give the number and the street.")},
    )
    line2 = forms.CharField(
        label=_("Address complement (building, floor…)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        error_messages={"required": _("Give the postcode (five digits).")},
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
        error_messages={"required": _("Give the commune.")},
    )
    on = forms.DateField(
        label=_("Moving date"),
        help_text=_("From this day, parcels and technician visits go to the new address."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": _("Give the moving date."),
            "invalid": _("This is not a date: use the format dd/mm/yyyy."),
        },
    )


class PrepareForm(forms.Form):
    item = forms.ChoiceField(label=_("What"), choices=Shipment.Item.choices)
    expected_on = forms.DateField(
        label=_("Expected delivery"),
        required=False,
        help_text=_("Empty: in three days."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DispatchForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Shipment.Carrier.choices)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40)

"""Forms only validate; the services decide whether a slot can really be taken."""

from django import forms
from django.utils.translation import gettext_lazy as _

from filrouge.appointments.models import Slot


class SlotForm(forms.Form):
    slot = forms.ModelChoiceField(
        queryset=Slot.objects.all(),
        error_messages={
            "required": _("Choose a slot."),
            "invalid_choice": _("This slot does not exist. Choose one in the list."),
        },
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)

from django import forms
from django.utils.translation import gettext_lazy as _

from filrouge.statuspage.models import Subscription


class SubscribeForm(forms.Form):
    place = forms.CharField(label=_("Postcode or commune"), max_length=120)
    channel = forms.ChoiceField(
        label=_("Receive the news by"),
        choices=Subscription.Channel.choices,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(label=_("Your e-mail address or mobile number"), max_length=254)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code received by SMS"), max_length=12)

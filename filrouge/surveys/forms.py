"""The survey form: radio scales a thumb can hit, every label in the customer's words."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from filrouge.surveys.services import MAX_COMMENT

CSAT_CHOICES = [
    (1, _("1 – not at all satisfied")),
    (2, _("2 – not very satisfied")),
    (3, _("3 – fairly satisfied")),
    (4, _("4 – satisfied")),
    (5, _("5 – very satisfied")),
]
CES_CHOICES = [
    (1, _("1 – very difficult")),
    *[(n, str(n)) for n in range(2, 7)],
    (7, _("7 – very easy")),
]
NPS_CHOICES = [
    (0, pgettext_lazy("recommend", "0 – not at all")),
    *[(n, str(n)) for n in range(1, 10)],
    (10, pgettext_lazy("recommend", "10 – certainly")),
]


def _scale(label, choices, message, *, required=True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


class SurveyForm(forms.Form):
    csat = _scale(
        _("Are you satisfied with how your problem was resolved?"),
        CSAT_CHOICES,
        _("Choose a satisfaction score from 1 to 5."),
    )
    ces = _scale(
        _("Was it easy to get your problem solved?"),
        CES_CHOICES,
        _("Choose an ease score from 1 to 7."),
    )
    nps = _scale(
        _("Would you recommend us to a friend or relative?"),
        NPS_CHOICES,
        _("Choose a score from 0 to 10."),
        required=False,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _("Your comment is too long: %(limit_value)d characters at most.")
        },
    )

    def __init__(self, *args, nps_asked: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not nps_asked:  # asked at most once every 90 days per customer
            del self.fields["nps"]

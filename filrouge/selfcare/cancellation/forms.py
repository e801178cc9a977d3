"""Step 1 of the online cancellation: who you are, which contract, when, and why (optional).

The form checks each field on its own and then, once, that the contract, the
line and the holder's name designate one line together. A mismatch always reads
the same ("these details match no contract"), whichever part is wrong.
"""

import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from filrouge.core.clock import today
from filrouge.customers.models import Line
from filrouge.customers.normalise import InvalidContact, normalise_phone
from filrouge.selfcare.cancellation import services
from filrouge.selfcare.models import CancellationReason

_ACCOUNT = re.compile(r"^[A-Z0-9]{4,20}$")
_LINE_ID = re.compile(r"^[A-Z]+[0-9]{4,16}$")  # FTTH00000001: a line that is not a phone
_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    return secrets.token_hex(16)


class CancellationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your first name and surname"),
        max_length=170,
        help_text=_("Those of the contract holder."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        help_text=_("We send the acknowledgement there. Without one, give your postal address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    postal_address = forms.CharField(
        label=_("Or your postal address"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    account_number = forms.CharField(
        label=_("Contract reference (account number)"),
        max_length=40,
        help_text=_("At the top of your bills and in your customer area."),
    )
    line_number = forms.CharField(
        label=_("Number of the line to cancel"),
        max_length=40,
        help_text=_("The phone number of your box or mobile line, as on your bill."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    requested_end_date = forms.DateField(
        label=_("End date you wish (optional)"),
        required=False,
        help_text=_(
            "Without one, your contract ends at most 10 days after we receive your request."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.ChoiceField(
        label=_("Why are you leaving? (optional)"),
        required=False,
        choices=[("", _("I would rather not say")), *CancellationReason.choices],
    )
    reason_text = forms.CharField(
        label=_("In your own words (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    line: Line | None = None
    identity_failed = False

    def clean_full_name(self) -> str:
        value = " ".join(self.cleaned_data["full_name"].split())
        if len(value) < 3:
            raise forms.ValidationError(_("Give the holder’s first name and surname."))
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_postal_address(self) -> str:
        return "\n".join(
            p.strip() for p in self.cleaned_data["postal_address"].splitlines() if p.strip()
        )

    def clean_account_number(self) -> str:
        value = re.sub(r"[\s.-]", "", self.cleaned_data["account_number"]).upper()
        if not _ACCOUNT.match(value):
            raise forms.ValidationError(
                _("A contract reference has only letters and digits (4 to 20), as on your bills.")
            )
        return value

    def clean_line_number(self) -> str:
        raw = self.cleaned_data["line_number"].strip()
        compact = re.sub(r"[\s.()-]", "", raw).upper()
        if compact.lstrip("+").isdigit():  # a phone number: it must be a real one
            try:
                return normalise_phone(raw)
            except InvalidContact as exc:
                raise forms.ValidationError(
                    _("“%(value)s” is not a valid phone number.") % {"value": raw}
                ) from exc
        if not _LINE_ID.match(compact):
            raise forms.ValidationError(
                _("This is not a line number: give the phone number of the line, as on your bill.")
            )
        return compact

    def clean_requested_end_date(self):
        requested = self.cleaned_data["requested_end_date"]
        try:
            services.check_requested_end_date(requested, today=today())
        except services.CancellationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return requested

    def clean_reason_text(self) -> str:
        return self.cleaned_data["reason_text"].strip()

    def clean(self):
        data = super().clean()
        if not _KEY.match(data.get("key") or ""):  # hidden: its error shows above the form
            self.add_error(None, _("This form is damaged: reload the page."))
        if not data.get("email") and not data.get("postal_address") and "email" not in self.errors:
            self.add_error(
                "email",
                _("Give an e-mail address (or else a postal address) for the acknowledgement."),
            )
        if self.errors or not all(
            k in data for k in ("account_number", "line_number", "full_name")
        ):
            return data
        self.line = services.find_line(
            account_number=data["account_number"],
            line_number=data["line_number"],
            full_name=data["full_name"],
        )
        if self.line is None:
            self.identity_failed = True
            raise forms.ValidationError(
                _(
                    "These details match none of our contracts. Check the contract reference, "
                    "the line number and the holder’s name, as written on your bills."
                )
            )
        if self.line.status == Line.Status.TERMINATED:
            raise forms.ValidationError(_("This line is already cancelled."))
        if (pending := services.pending_request(self.line)) is not None:
            raise forms.ValidationError(
                _(
                    "A cancellation of this line is already under way (case %(reference)s): "
                    "its acknowledgement was sent when it was made."
                )
                % {"reference": pending.case.reference}
            )
        return data

    def details(self) -> services.Details:
        d = self.cleaned_data
        return services.Details(
            full_name=d["full_name"],
            email=d["email"],
            postal_address=d["postal_address"],
            account_number=d["account_number"],
            line_number=d["line_number"],
            requested_end_date=d["requested_end_date"],
            reason=d["reason"],
            reason_text=d["reason_text"],
        )

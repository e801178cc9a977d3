"""Forms of the customer's pages: they validate and say what is wrong, in the customer's words."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from filrouge.channels.offline.files import UploadRefused
from filrouge.customers.normalise import InvalidContact, normalise_email, normalise_phone
from filrouge.portal.selectors import normalise_reference
from filrouge.portal.services import MAX_TEXT, check_file


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    file = forms.FileField(
        label=_("A photo or a PDF (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                check_file(upload)
            except UploadRefused as refused:
                raise forms.ValidationError(str(refused)) from refused
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("text", "").strip() and not cleaned.get("file"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        return cleaned

    @staticmethod
    def too_large_error() -> str:
        return str(
            _("The file is too large; the limit is %(limit)s.")
            % {"limit": filesizeformat(settings.FILROUGE_UPLOAD_MAX_BYTES)}
        )


class NewLinkForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        max_length=20,
        help_text=_("As written in our messages, for example FR-2026-000123."),
    )
    contact = forms.CharField(
        label=_("Your mobile number or e-mail address on file"),
        max_length=254,
    )

    def clean_reference(self) -> str:
        reference = normalise_reference(self.cleaned_data["reference"])
        if not reference:
            raise forms.ValidationError(
                _("A case reference looks like FR-2026-000123: please check it.")
            )
        return reference

    def clean_contact(self) -> str:
        text = self.cleaned_data["contact"].strip()
        try:
            return normalise_email(text) if "@" in text else normalise_phone(text)
        except InvalidContact:
            raise forms.ValidationError(
                _("Enter a phone number (06 12 34 56 78) or an e-mail address.")
            ) from None

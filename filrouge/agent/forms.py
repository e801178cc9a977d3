"""Forms of the agent console. They validate and nothing else: services write.

Every form acting on a case carries the case `version` the advisor saw; the
view passes it to the service as `expected_version`, so a stale edit is
refused instead of overwriting a colleague's.
"""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from filrouge.accounts.models import Agent
from filrouge.agent.selectors import advisors_matching
from filrouge.cases.models import Case, Intent, Status
from filrouge.channels.offline.files import IMAGES, PDF, UploadRefused, check_upload
from filrouge.channels.offline.models import TechnicianOutcome
from filrouge.channels.offline.services import MAX_PHOTOS
from filrouge.core.clock import now
from filrouge.customers.models import Channel, Customer
from filrouge.customers.normalise import (
    InvalidContact,
    looks_like_phone,
    normalise_email,
    normalise_phone,
)
from filrouge.partners.models import Partner

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=_DATETIME_FORMAT)


def _future_datetime(required: bool, label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )


def _must_be_future(value):
    if value is not None and value <= now():
        raise forms.ValidationError(_("Choose a date and time in the future."))
    return value


class CaseForm(forms.Form):
    """A form acting on one case. The template writes `version` from the fresh case."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case


class StatusForm(CaseForm):
    prefix = "status"
    # Any status validates here; the service refuses an illegal move with a clear
    # message. Only the allowed targets are offered in the list.
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(label=_("Why (optional)"), max_length=200, required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        allowed = set(case.allowed_statuses)
        self.fields["status"].widget.choices = [c for c in Status.choices if c[0] in allowed]


class NoteForm(CaseForm):
    prefix = "note"
    body = forms.CharField(
        label=_("Internal note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before saving it.")},
    )


class ReplyForm(CaseForm):
    prefix = "reply"
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    body = forms.CharField(
        label=_("Message to the customer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the message before sending it.")},
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["channel"].initial = case.customer.preferred_channel or case.channel


class HandoverForm(CaseForm):
    prefix = "handover"
    to = forms.CharField(
        label=_("Hand over to"),
        max_length=254,
        help_text=_("The advisor's e-mail, or a name to pick from the suggestions."),
        error_messages={"required": _("Say who takes the case over.")},
    )
    note = forms.CharField(
        label=_("Note for the next advisor"),
        help_text=_("What was done, what is promised, what is left to do."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("A handover needs a note for the next advisor.")},
    )

    def clean_to(self) -> Agent:
        """An exact e-mail, or a name only one active advisor answers to."""
        text = self.cleaned_data["to"].strip()
        if "@" in text:
            agent = Agent.objects.filter(is_active=True, email__iexact=text).first()
            if agent is None:
                raise forms.ValidationError(_("No active advisor has this e-mail address."))
            return agent
        found = list(advisors_matching(text, limit=6))
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(_("No active advisor matches “%(text)s”.") % {"text": text})
        names = ", ".join(f"{a.display_name} ({a.email})" for a in found[:5])
        raise forms.ValidationError(
            _("Several advisors match: %(names)s. Give the e-mail address.") % {"names": names}
        )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        # Suggestions as the advisor types (htmx fills the datalist); typing the
        # e-mail works without them.
        self.fields["to"].widget.attrs.update(
            {
                "list": "advisor-suggestions",
                "autocomplete": "off",
                "hx-get": reverse("agent:advisors"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#advisor-suggestions",
                "hx-swap": "innerHTML",
            }
        )


class TakeForm(CaseForm):
    prefix = "take"


class SettleForm(CaseForm):
    """Mark a promise kept or broken: nothing to fill in but the version."""

    prefix = "settle"


class NextStepForm(CaseForm):
    prefix = "step"
    text = forms.CharField(
        label=_("Next step"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to clear it."),
    )
    due = _future_datetime(False, _("By (optional)"))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["text"].initial = case.next_step

    def clean_due(self):
        return _must_be_future(self.cleaned_data["due"])


class PromiseForm(CaseForm):
    prefix = "promise"
    description = forms.CharField(
        label=_("What was promised"),
        max_length=200,
        error_messages={"required": _("Say what was promised.")},
    )
    due_at = _future_datetime(True, _("Due by"))

    def clean_due_at(self):
        return _must_be_future(self.cleaned_data["due_at"])


class IntentForm(CaseForm):
    prefix = "intent"
    intent = forms.ChoiceField(label=_("Intent"), choices=Intent.choices)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["intent"].initial = case.intent


class NewCaseForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    intent = forms.ChoiceField(label=_("Intent"), choices=Intent.choices, initial=Intent.OTHER)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    line = forms.ModelChoiceField(
        label=_("Line concerned"), queryset=None, required=False, empty_label=_("No line")
    )
    first_message = forms.CharField(
        label=_("What the customer said"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    assign_to_me = forms.BooleanField(label=_("I own this case"), required=False, initial=True)

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = customer.lines.all()


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, phone, e-mail, account or case reference"), max_length=200, min_length=2
    )

    def clean_q(self):
        """A mistyped phone or e-mail says so, rather than quietly finding nobody."""
        q = self.cleaned_data["q"].strip()
        try:
            if "@" in q:
                normalise_email(q)
            elif looks_like_phone(q):
                normalise_phone(q)
        except InvalidContact as exc:
            raise forms.ValidationError(str(exc)) from exc
        return q


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What it is for, e.g. “CRM synchronisation”."),
    )


# Contacts recorded by hand (channels/offline) and phone calls (channels/phone).


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (a technician's photos): a list, maybe empty."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _checked(upload, accepted: tuple[str, ...]):
    try:
        check_upload(upload, accepted=accepted)
    except UploadRefused as exc:
        raise forms.ValidationError(str(exc)) from exc
    return upload


class VisitForm(CaseForm):
    prefix = "visit"
    said = forms.CharField(
        label=_("What the customer said"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    done = forms.CharField(
        label=_("What was done in the shop"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("said") or "").strip() and not (data.get("done") or "").strip():
            raise forms.ValidationError(_("Say what the customer said or what was done."))
        return data


class LetterForm(CaseForm):
    prefix = "letter"
    scan = forms.FileField(
        label=_("Scanned letter (PDF, 10 MB at most)"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": _("Choose the PDF of the scanned letter.")},
    )
    summary = forms.CharField(
        label=_("What the letter says"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    received_on = forms.DateField(
        label=_("Received on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_scan(self):
        return _checked(self.cleaned_data["scan"], PDF)


class TechnicianReportForm(CaseForm):
    prefix = "technician"
    report = forms.CharField(
        label=_("Technician's report"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write or paste the technician's report.")},
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=TechnicianOutcome.choices)
    photos = MultipleFileField(
        label=_("Photos (JPEG or PNG, optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True}),
    )

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(count)d photos per report.") % {"count": MAX_PHOTOS}
            )
        return [_checked(photo, IMAGES) for photo in photos]


class EntrustForm(CaseForm):
    prefix = "partner"
    partner = forms.ModelChoiceField(
        label=_("Partner company"),
        queryset=Partner.objects.filter(is_active=True),
        empty_label=None,
    )


class LogCallForm(forms.Form):
    """Log a call on a case: the case's reference comes from the button pressed (or is typed)."""

    reference = forms.CharField(label=_("Case reference"), max_length=20)
    summary = forms.CharField(
        label=_("What the customer said (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallCaseForm(forms.Form):
    """A new case opened from the screen pop of a call."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    intent = forms.ChoiceField(label=_("Intent"), choices=Intent.choices, initial=Intent.OTHER)
    summary = forms.CharField(
        label=_("What the customer said"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(forms.Form):
    """Confirming that an unidentified sender is this customer (`merge_prospect`)."""

    note = forms.CharField(
        label=_("How you know it is them (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

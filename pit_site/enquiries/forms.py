import time

import phonenumbers
from django import forms
from django.conf import settings
from django.core import signing

from pit_site.pages.models import Kind as PageKind
from pit_site.pages.models import Page

from .models import ContactMethod, Enquiry, Kind

MESSAGE_MAX = 2000
TIMING_SALT = "enquiries.form-shown"
OTHER_CONDITION = "Something else, or not sure"
# Consent is a ticked box, and a ticked box without a value attribute sends "on".
TICKED = "on"


def shown_token():
    """The form's signed "shown" time: when it was handed out, for the timing check."""
    return signing.TimestampSigner(salt=TIMING_SALT).sign(str(time.time()))


def readable(value):
    """Refuse text with characters that did not arrive intact (sent as broken UTF-8)."""
    if "\ufffd" in value:
        raise forms.ValidationError(
            "Some characters in this could not be read. Please type it again.", code="unreadable"
        )


def condition_choices():
    names = Page.objects.published().filter(kind=PageKind.CONDITION).order_by("title")
    return [
        ("", "Choose one (optional)"),
        *((title, title) for title in names.values_list("title", flat=True)),
        (OTHER_CONDITION, OTHER_CONDITION),
    ]


class EnquiryForm(forms.ModelForm):
    # Left empty by people; bots that fill every field give themselves away.
    website = forms.CharField(required=False, label="Leave this empty")
    # When the form was shown, signed so it cannot be faked. A plain Field, so it never shows an
    # error the patient could not fix: a missing or altered token only flags the enquiry.
    shown = forms.Field(required=False, widget=forms.HiddenInput)
    condition = forms.ChoiceField(
        required=False,
        label="Area of pain or condition",
        help_text="Optional. Choose the closest, or “Something else”.",
        error_messages={"invalid_choice": "Choose an area of pain from the list."},
    )
    message = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Your message",
        help_text=f"Optional, up to {MESSAGE_MAX:,} characters. Tell us briefly how we can help. "
        "Please do not include detailed medical history: we will ask when we talk.",
    )
    consent = forms.BooleanField(
        required=True,
        label="I agree that the clinic may store these details to reply to me",
        error_messages={
            "required": "Tick the box to let us store your details, or phone us instead."
        },
    )

    class Meta:
        model = Enquiry
        fields = [
            "name", "email", "phone", "preferred_contact", "kind", "condition",
            "preferred_times", "message",
        ]  # fmt: skip
        labels = {
            "name": "Your name",
            "email": "Email address",
            "phone": "Phone number",
            "preferred_contact": "How should we contact you?",
            "kind": "What is your enquiry about?",
            "preferred_times": "Best days and times to contact you",
        }
        help_texts = {
            "email": "Give an email address, a phone number, or both.",
            "phone": "Include the area code.",
            "preferred_times": "Optional. For example: weekday mornings.",
        }
        widgets = {
            "preferred_contact": forms.RadioSelect,
            "kind": forms.RadioSelect,
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }
        error_messages = {
            "name": {
                "required": "Enter your name.",
                "max_length": "Enter a name of up to 100 characters.",
            },
            "email": {
                "invalid": "Enter an email address like name@example.com.",
                "max_length": "Enter an email address of up to 254 characters.",
            },
            "phone": {"max_length": "Enter a phone number of up to 32 characters."},
            "preferred_contact": {
                "required": "Choose how we should contact you.",
                "invalid_choice": "Choose how we should contact you.",
            },
            "kind": {
                "required": "Choose what your enquiry is about.",
                "invalid_choice": "Choose what your enquiry is about.",
            },
            "preferred_times": {"max_length": "Keep this to 200 characters or fewer."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Looked up only when needed: an empty form's fields usually come from the cache.
        self.fields["condition"].choices = condition_choices
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["kind"].choices = Kind.choices
        for field in self.fields.values():
            # Lengths are checked with a clear message, never cut off silently by the browser.
            field.widget.attrs.pop("maxlength", None)
        for name in ("name", "phone", "preferred_times", "message"):
            self.fields[name].validators.append(readable)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.initial["shown"] = shown_token()

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, settings.ENQUIRY_PHONE_REGION)
        except phonenumbers.NumberParseException:
            number = None
        # "Possible" (right length and shape), not "valid": number-range data lags reality,
        # and turning away a real patient's number would lose them.
        if number is None or not phonenumbers.is_possible_number(number):
            raise forms.ValidationError(
                "Enter a phone number we can call, including the area code."
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_message(self):
        message = self.cleaned_data["message"]
        if len(message) > MESSAGE_MAX:
            raise forms.ValidationError(
                f"Your message is {len(message):,} characters long. Shorten it to {MESSAGE_MAX:,}"
                " or fewer; we can talk about the details when we reply."
            )
        return message

    def clean_consent(self):
        # Anything but a ticked box (a hand-made request saying consent="yes, sure") is not
        # the explicit consent the law asks for.
        if self.data.get("consent") != TICKED:
            raise forms.ValidationError(self.fields["consent"].error_messages["required"])
        return True

    def clean(self):
        data = super().clean()
        email, phone = data.get("email"), data.get("phone")
        if not email and not phone and "email" not in self.errors and "phone" not in self.errors:
            self.add_error("email", "Give an email address or a phone number so we can reply.")
        method = data.get("preferred_contact")
        if method == ContactMethod.PHONE and not phone and "phone" not in self.errors:
            self.add_error("phone", "Give a phone number, as you would like us to call you.")
        if method == ContactMethod.EMAIL and not email and "email" not in self.errors:
            self.add_error("email", "Give an email address, as you would like us to email you.")
        return data

    @property
    def filled_honeypot(self):
        return bool(self.data.get("website", "").strip())

    def spam_suspicion(self):
        """Why this submission looks automated, or "" if it does not."""
        try:
            shown = float(
                signing.TimestampSigner(salt=TIMING_SALT).unsign(
                    self.data.get("shown", ""), max_age=7 * 24 * 3600
                )
            )
        except signing.SignatureExpired:
            return ""  # a form left open for days: a person, not a bot
        except (signing.BadSignature, ValueError):
            return "The form's timing token was missing or altered."
        elapsed = time.time() - shown
        if elapsed < settings.ENQUIRY_MIN_SECONDS:
            return f"Sent {elapsed:.1f} seconds after the form was shown."
        return ""

"""The clinic's own details: the one place its name, contact details and urgent-help advice live.

Templates read them through the ``clinic`` context processor; they are never written into
templates or Markdown. The demo defaults are fictional (a reserved drama phone number and
example.com addresses) for each clinic to replace in the admin.
"""

import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

CACHE_KEY = "clinic:details"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value):
    """Single-line details (the name goes into email subjects) refuse line breaks and other
    control characters: in an email header a line break starts a new header."""
    if CONTROL.search(value):
        raise ValidationError(
            "Remove the line break, tab or other control character: this must be one line."
        )


def no_control_characters(value):
    """Text with lines may have line breaks and tabs, but no other control characters."""
    if CONTROL_EXCEPT_LINES.search(value):
        raise ValidationError("Remove the control character (line breaks are fine).")


def header_safe(value):
    """A stored value made safe for an email header, whatever got into it before the checks."""
    return " ".join(CONTROL.sub(" ", value).split())


class Clinic(models.Model):
    name = models.CharField(max_length=120, default="Example Pain Clinic", validators=[one_line])
    phone = models.CharField(
        max_length=40,
        validators=[one_line],
        default="01632 960 123",
        help_text="Shown to patients and linked for calling.",
    )
    email = models.EmailField(default="hello@example.com", validators=[one_line])
    address = models.TextField(
        validators=[no_control_characters],
        default="1 Example Street\nExampletown\nEX1 2MP",
        help_text="One line of the address per line.",
    )
    opening_hours = models.TextField(
        validators=[no_control_characters],
        default="Monday to Friday: 9am to 5pm\nSaturday: 9am to 12 noon\nSunday: closed",
        help_text="One line per line, as patients should read it.",
    )
    reply_time = models.CharField(
        max_length=120,
        validators=[one_line],
        default="within two working days",
        help_text='How soon the clinic replies to messages, e.g. "within two working days".',
    )
    notification_emails = models.TextField(
        validators=[no_control_characters],
        default="reception@example.com",
        help_text="Who is told about new enquiries: email addresses, one per line or separated "
        "by commas. The emails hold only the reference and a link, never patient details.",
    )
    emergency_number = models.CharField(
        max_length=20,
        validators=[one_line],
        default="999",
        help_text="The emergency services number patients should call.",
    )
    urgent_advice = models.TextField(
        validators=[no_control_characters],
        default=(
            "If you have chest pain, sudden weakness, or feel very unwell, call 999 or go to "
            "your nearest A&E now.\nFor urgent advice that is not an emergency, contact "
            "NHS 111 or your GP."
        ),
        help_text="Shown in every page's footer. The site is not for emergencies: say where to go.",
    )

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1  # one row only
        super().save(*args, **kwargs)
        cache.delete(CACHE_KEY)

    @property
    def notification_address_list(self):
        return [a for a in re.split(r"[\s,;]+", self.notification_emails) if a]

    @property
    def valid_notification_addresses(self):
        """The notification addresses fit to send to (clean() refuses the rest when saved)."""
        return [a for a in self.notification_address_list if _is_email(a)]

    def clean(self):
        for address in self.notification_address_list:
            if not _is_email(address):
                raise ValidationError(
                    {"notification_emails": f"{address!r} is not an email address."}
                )

    @property
    def phone_href(self):
        return "tel:" + re.sub(r"[^0-9+]", "", self.phone)

    @classmethod
    def load(cls):
        """The clinic's details, from the shared cache when possible."""
        clinic = cache.get(CACHE_KEY)
        if clinic is None:
            clinic, _ = cls.objects.get_or_create(pk=1)
            cache.set(CACHE_KEY, clinic, 3600)
        return clinic


def _is_email(address):
    try:
        validate_email(address)
    except ValidationError:
        return False
    return not CONTROL.search(address)


class StaffProfile(models.Model):
    """What the site needs to know about a staff member beyond their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    job_title = models.CharField(
        max_length=120,
        blank=True,
        help_text='Shown with the name of a clinical reviewer, e.g. "Pain physician".',
    )

    def __str__(self):
        return self.job_title or str(self.user)

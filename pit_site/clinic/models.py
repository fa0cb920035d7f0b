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

from . import contact_copy

CACHE_KEY = "clinic:details"


class Clinic(models.Model):
    name = models.CharField(max_length=120, default="Example Pain Clinic")
    phone = models.CharField(
        max_length=40,
        default="01632 960 123",
        help_text="Shown to patients and linked for calling.",
    )
    email = models.EmailField(default="hello@example.com")
    address = models.TextField(
        default="1 Example Street\nExampletown\nEX1 2MP",
        help_text="One line of the address per line.",
    )
    opening_hours = models.TextField(
        default="Monday to Friday: 9am to 5pm\nSaturday: 9am to 12 noon\nSunday: closed",
        help_text="One line per line, as patients should read it.",
    )
    reply_time = models.CharField(
        max_length=120,
        default="within two working days",
        help_text='How soon the clinic replies to messages, e.g. "within two working days".',
    )
    notification_emails = models.TextField(
        default="reception@example.com",
        help_text="Who is told about new enquiries: email addresses, one per line or separated "
        "by commas. The emails hold only the reference and a link, never patient details.",
    )
    emergency_number = models.CharField(
        max_length=20,
        default="999",
        help_text="The emergency services number patients should call.",
    )
    urgent_advice = models.TextField(
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
        super().save(*args, **kwargs)  # pit_site.pagecache drops the cached copy
        contact_copy.remember(self)

    @property
    def notification_address_list(self):
        return [a for a in re.split(r"[\s,;]+", self.notification_emails) if a]

    def clean(self):
        for address in self.notification_address_list:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    {"notification_emails": f"{address!r} is not an email address."}
                ) from None

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
        contact_copy.remember(clinic)  # for the pages shown while the database is down
        return clinic


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

"""The clinic's own details: the one place its name, contact details and urgent-help advice live.

Templates read them through the ``clinic`` context processor; they are never written into
templates or Markdown. The demo defaults are fictional (a reserved drama phone number and
example.com addresses) for each clinic to replace in the admin.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models

CACHE_KEY = "clinic:details"
DEMO_MARK = "(demo value)"
DEMO_NOTE = "*Demo details: the clinic has not yet confirmed these.*"
GRAMS = {"max_digits": 4, "decimal_places": 1, "null": True, "blank": True}
GRAM_LIMITS = [MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))]


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

    # Safety details patients see inside the pages ({{ clinic.… }} in the Markdown). The
    # shipped values are demo values: patients see them marked so until a clinician checks
    # them and ticks safety_details_confirmed.
    dextrose_grams_low = models.DecimalField(
        "dextrose per session, from (grams)",
        default=Decimal("0.5"),
        validators=GRAM_LIMITS,
        help_text="The least sugar (dextrose) a usual session involves, in grams. 10 mL of 5% "
        "dextrose holds 0.5 g. The shipped 0.5 is a demo value.",
        **GRAMS,
    )
    dextrose_grams_high = models.DecimalField(
        "dextrose per session, up to (grams)",
        default=Decimal("1.0"),
        validators=GRAM_LIMITS,
        help_text="The most sugar a usual session involves, in grams (20 mL of 5% dextrose "
        "holds 1 g). The shipped 1.0 is a demo value.",
        **GRAMS,
    )
    emergency_equipment = models.TextField(
        blank=True,
        max_length=1000,
        default=(
            "A couch, so you can lie down if you feel faint\n"
            "A defibrillator (a machine that can restart the heart)\n"
            "Oxygen\n"
            "Medicines for a severe allergic reaction, including adrenaline"
        ),
        help_text="What the clinic keeps for an emergency, one item per line. Shown to "
        "patients on the safety page. The shipped list is a demo.",
    )
    emergency_training = models.TextField(
        blank=True,
        max_length=1000,
        default=(
            "Everyone who gives injections is trained in basic life support every year\n"
            "Staff are trained to spot and treat a severe allergic reaction"
        ),
        help_text="The emergency training the clinic's staff have, one item per line. Shown "
        "to patients on the safety page. The shipped list is a demo.",
    )
    safety_details_confirmed = models.BooleanField(
        default=False,
        help_text="Tick once a clinician has checked the dextrose figures, equipment and "
        "training above. Until then, patients see them marked as demo values.",
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

    def clean(self):
        low, high = self.dextrose_grams_low, self.dextrose_grams_high
        if (low is None) != (high is None):
            raise ValidationError(
                {"dextrose_grams_high": "Give both ends of the range, or leave both empty."}
            )
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"dextrose_grams_high": "This must be at least the first figure."}
            )
        for address in self.notification_address_list:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    {"notification_emails": f"{address!r} is not an email address."}
                ) from None

    def markdown_details(self):
        """({name: inline Markdown}, {name: block Markdown}): the details pages can hold."""
        mark = "" if self.safety_details_confirmed else f" {DEMO_MARK}"
        low, high = self.dextrose_grams_low, self.dextrose_grams_high
        if low is None or high is None:
            dextrose = "a small amount (ask us for the figure)"
        else:
            low_text, high_text = (f"{value.normalize():f}" for value in (low, high))
            unit = "gram" if high <= 1 else "grams"
            amount = high_text if low == high else f"{low_text} to {high_text}"
            dextrose = f"{amount} {unit}{mark}"
        return {"dextrose_per_session": dextrose}, {
            "emergency_equipment": self._markdown_list(self.emergency_equipment),
            "emergency_training": self._markdown_list(self.emergency_training),
        }

    def _markdown_list(self, text):
        items = [line.strip() for line in text.splitlines() if line.strip()]
        if not items:
            return "Please ask us about this."
        listed = "\n".join(f"- {item}" for item in items)
        return listed if self.safety_details_confirmed else f"{listed}\n\n{DEMO_NOTE}"

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

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

from . import contact_copy, governance_text

CACHE_KEY = "clinic:details"
DEMO_MARK = "(demo value)"
DEMO_NOTE = "*Demo details: the clinic has not yet confirmed these.*"
FEES_NOTE = "*Example fees for this demo website: the clinic has not yet set its own.*"
GRAMS = {"max_digits": 4, "decimal_places": 1, "null": True, "blank": True}
GRAM_LIMITS = [MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))]
MONEY_LIMITS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))]
MONEY = {"max_digits": 7, "decimal_places": 2, "null": True, "blank": True,
         "validators": MONEY_LIMITS}  # fmt: skip
MINUTES_LIMITS = [MinValueValidator(5), MaxValueValidator(480)]
SESSION_LIMITS = [MinValueValidator(1), MaxValueValidator(30)]
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
    # The course of treatment, shown in the treatment journey on the "Your treatment" page.
    session_interval = models.CharField(
        "time between sessions",
        max_length=60,
        blank=True,
        default="about a week",
        validators=[one_line],
        help_text='How far apart sessions usually are, as patients read it after "Sessions are '
        'usually …": e.g. "about a week" or "one to two weeks". The shipped value is a demo.',
    )
    # How many sessions a usual course has: sessions_low/sessions_high, with the fees below.
    review_after_sessions = models.PositiveSmallIntegerField(
        "review after (sessions)",
        default=3,
        help_text="After how many sessions you and the patient decide together whether PIT is "
        "helping. The shipped 3 is a demo value.",
        null=True,
        blank=True,
        validators=SESSION_LIMITS,
    )
    safety_details_confirmed = models.BooleanField(
        default=False,
        help_text="Tick once a clinician has checked the dextrose figures, equipment, training "
        "and course of sessions above. Until then, patients see them marked as demo values.",
    )

    # Governance facts patients look for, shown on the About page. Demo values too: marked as
    # such until someone who knows the clinic's registrations ticks governance_details_confirmed.
    regulator = models.TextField(
        blank=True,
        max_length=600,
        default=(
            "We are registered with the Care Quality Commission (CQC), which checks health "
            "care in England. Our provider ID is 1-000000000."
        ),
        help_text="Who regulates the clinic and its registration number, as patients should "
        "read it. The shipped text is a demo.",
    )
    regulator_url = models.URLField(
        blank=True,
        default="https://www.cqc.org.uk/",
        help_text="Where patients can check the registration, ideally the clinic's own page "
        "on the regulator's website.",
    )
    insurance = models.TextField(
        blank=True,
        max_length=600,
        default=(
            "The clinic and each of our clinicians have insurance for the care they give. It "
            "pays out if a patient is harmed by poor care."
        ),
        help_text="The clinic's and clinicians' indemnity insurance, in plain words. The "
        "shipped text is a demo.",
    )
    complaints_handler = models.CharField(
        max_length=120,
        blank=True,
        default="our clinic manager",
        help_text='Who looks into complaints, e.g. "our clinic manager, Sam Patel".',
    )
    complaints_acknowledge_days = models.PositiveSmallIntegerField(
        null=True, blank=True, default=3, help_text="Working days to confirm a complaint arrived."
    )
    complaints_reply_days = models.PositiveSmallIntegerField(
        null=True, blank=True, default=20, help_text="Working days to send a full written reply."
    )
    iscas_member = models.BooleanField(
        "subscribes to ISCAS",
        default=False,
        help_text="Tick if the clinic subscribes to the Independent Sector Complaints "
        "Adjudication Service, which can review a complaint the clinic could not resolve.",
    )
    chaperones = models.TextField(
        blank=True,
        max_length=600,
        default=(
            "You can ask for a chaperone at any visit. This is a trained member of staff who "
            "stays in the room with you. You can also bring a friend or relative."
        ),
        help_text="What the clinic offers. The shipped text is a demo.",
    )
    language_support = models.TextField(
        blank=True,
        max_length=600,
        default=(
            "We can book an interpreter for your visits, at no cost to you, including for "
            "British Sign Language. Please tell us when you book."
        ),
        help_text="Interpreters and other language support. The shipped text is a demo.",
    )
    governance_details_confirmed = models.BooleanField(
        default=False,
        help_text="Tick once the registration, insurance, complaints, chaperone and language "
        "details above, and the team below, are the clinic's own. Until then, patients see "
        "them marked as demo values.",
    )

    # The fee table and the usual length of a course, for the fees page's worked example.
    fee_first_appointment = models.DecimalField(
        "first appointment fee (£)",
        default=Decimal("150"),
        help_text="Assessment and, if you both agree, the first treatment. The shipped £150 is "
        "an example: replace with your own.",
        **MONEY,
    )
    first_appointment_minutes = models.PositiveSmallIntegerField(
        default=60, null=True, blank=True, validators=MINUTES_LIMITS
    )
    fee_follow_up = models.DecimalField(
        "follow-up session fee (£)",
        default=Decimal("90"),
        help_text="Each later treatment session. The shipped £90 is an example.",
        **MONEY,
    )
    follow_up_minutes = models.PositiveSmallIntegerField(
        default=30, null=True, blank=True, validators=MINUTES_LIMITS
    )
    fee_assessment_only = models.DecimalField(
        "assessment only fee (£)",
        default=Decimal("75"),
        help_text="What a first appointment costs when PIT is not right and no treatment is "
        "given. Leave empty if it costs the same. The shipped £75 is an example.",
        **MONEY,
    )
    sessions_low = models.PositiveSmallIntegerField(
        "usual course, from (sessions)",
        default=3,
        null=True,
        blank=True,
        validators=SESSION_LIMITS,
        help_text="The fewest treatment sessions a usual course has, counting the first "
        "appointment. The shipped 3 to 6 is an example.",
    )
    sessions_high = models.PositiveSmallIntegerField(
        "usual course, up to (sessions)",
        default=6,
        null=True,
        blank=True,
        validators=SESSION_LIMITS,
        help_text="The most treatment sessions a usual course has, counting the first one.",
    )
    fees_confirmed = models.BooleanField(
        default=False,
        help_text="Tick once the fees and course length above are the clinic's own. Until "
        "then, patients see them marked as example fees.",
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

    @property
    def valid_notification_addresses(self):
        """The notification addresses fit to send to (clean() refuses the rest when saved)."""
        return [a for a in self.notification_address_list if _is_email(a)]

    def clean(self):
        _check_range(self.dextrose_grams_low, self.dextrose_grams_high, "dextrose_grams_high")
        _check_range(self.sessions_low, self.sessions_high, "sessions_high")
        for address in self.notification_address_list:
            if not _is_email(address):
                raise ValidationError(
                    {"notification_emails": f"{address!r} is not an email address."}
                )

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
        safety, governance = self.safety_details_confirmed, self.governance_details_confirmed
        team = self.team()
        return {"dextrose_per_session": dextrose}, {
            "team": _demo(governance_text.team(team), governance),
            "team_roles": _demo(governance_text.team_roles(team), governance),
            "fee_table": _demo(governance_text.fee_table(self), self.fees_confirmed, FEES_NOTE),
            "course_cost": _demo(governance_text.course_cost(self), self.fees_confirmed, FEES_NOTE),
            "emergency_equipment": _demo(_bullets(self.emergency_equipment), safety),
            "emergency_training": _demo(_bullets(self.emergency_training), safety),
            "regulator": _demo(self._regulator_markdown(), governance),
            "insurance": _demo(_paragraphs(self.insurance), governance),
            "complaints": _demo(self._complaints_markdown(), governance),
            "chaperones": _demo(_paragraphs(self.chaperones), governance),
            "language_support": _demo(_paragraphs(self.language_support), governance),
        }

    def team(self):
        """The clinicians patients see on the team page, in order. Unsaved details (the demo
        defaults, used to check pages without a database) have the demo team."""
        if self.pk is None:
            return [Clinician(**values) for values in DEMO_TEAM]
        return list(self.clinicians.all())

    def _regulator_markdown(self):
        text = _paragraphs(self.regulator)
        if self.regulator_url:
            text += f"\n\n[Check our registration on the regulator's website]({self.regulator_url})"
        return text

    def _complaints_markdown(self):
        handler = self.complaints_handler or "a senior member of staff"
        if self.iscas_member:
            next_step = (
                "If you are still unhappy after our final reply, you can ask the Independent "
                "Sector Complaints Adjudication Service (ISCAS) to review it. We subscribe to "
                "it, and it is free for you."
            )
        else:
            next_step = (
                "We do not subscribe to the Independent Sector Complaints Adjudication Service "
                "(ISCAS), so it cannot review your complaint."
            )
        return (
            "1. Tell us what happened: in person, by phone, in writing or through the "
            "[contact page](/contact/).\n"
            f"2. {handler[:1].upper()}{handler[1:]} looks into it.\n"
            f"3. We confirm we have your complaint {_within(self.complaints_acknowledge_days)}.\n"
            "4. We aim to send you a full reply in writing "
            f"{_within(self.complaints_reply_days)}. If it will take longer, we tell you why.\n\n"
            f"{next_step}"
        )

    def treatment_course(self):
        """Sentences about the sessions for the treatment journey (figures/treatment-journey):
        {"sessions": [how often, how many], "review": when}; demo values are marked."""
        mark = "" if self.safety_details_confirmed else f" {DEMO_MARK}"
        low, high, review = self.sessions_low, self.sessions_high, self.review_after_sessions
        if self.session_interval:
            often = f"Sessions are usually {self.session_interval} apart{mark}."
        else:
            often = "We agree with you how often to have them."
        if low and high:
            count = f"{low} to {high} sessions" if low != high else _sessions(low)
            count_mark = "" if self.fees_confirmed else f" {DEMO_MARK}"  # set with the fees
            many = f"A course is often {count}{count_mark}, but it varies from person to person."
        else:
            many = "How many sessions you need varies from person to person."
        if review:
            review_text = (
                f"After {_sessions(review)}{mark}, we look together at whether PIT is helping you."
            )
        else:
            review_text = "We look together at whether PIT is helping you."
        return {"sessions": [often, many], "review": review_text}

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


def _paragraphs(text):
    """Each non-empty line a paragraph; a note to ask when there are none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n\n".join(lines) or "Please ask us about this."


def _bullets(text):
    items = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(f"- {item}" for item in items) or "Please ask us about this."


def _within(days):
    if days is None:
        return "as soon as we can"
    return f"within {days} working day{'' if days == 1 else 's'}"


def _sessions(count):
    return f"{count} session{'' if count == 1 else 's'}"


def _demo(markdown, confirmed, note=DEMO_NOTE):
    return markdown if confirmed else f"{markdown}\n\n{note}"


def _check_range(low, high, high_field):
    """Both ends of a range or neither, the first no more than the second."""
    if (low is None) != (high is None):
        raise ValidationError({high_field: "Give both ends of the range, or leave both empty."})
    if low is not None and low > high:
        raise ValidationError({high_field: "This must be at least the first figure."})


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


class Regulator(models.TextChoices):
    GMC = "GMC", "General Medical Council (GMC): doctors"
    HCPC = "HCPC", "Health and Care Professions Council (HCPC): physiotherapists and others"
    NMC = "NMC", "Nursing and Midwifery Council (NMC): nurses"
    GPHC = "GPhC", "General Pharmaceutical Council (GPhC): pharmacists"


# Per regulator: the public register patients can search, and the registration number's form.
REGISTERS = {
    Regulator.GMC: (
        "https://www.gmc-uk.org/registration-and-licensing/the-medical-register",
        re.compile(r"[0-9]{7}"),
        "a GMC number is 7 digits, e.g. 1234567",
    ),
    Regulator.HCPC: (
        "https://www.hcpc-uk.org/check-the-register/",
        re.compile(r"[A-Z]{2,3}[0-9]{5,6}"),
        "an HCPC number is 2 or 3 letters then 5 or 6 digits, e.g. PH123456",
    ),
    Regulator.NMC: (
        "https://www.nmc.org.uk/registration/search-the-register/",
        re.compile(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]"),
        "an NMC PIN is 2 digits, a letter, 4 digits and a letter, e.g. 12A3456E",
    ),
    Regulator.GPHC: (
        "https://www.pharmacyregulation.org/registers",
        re.compile(r"[0-9]{7}"),
        "a GPhC number is 7 digits, e.g. 2012345",
    ),
}
EXAMPLE = "(example: replace with your own)"
# The shipped team: fictional, marked in the name, with numbers no one holds (all zeros).
DEMO_TEAM = [
    {
        "order": 1,
        "name": f"Dr Alex Example {EXAMPLE}",
        "role": "Doctor in pain medicine",
        "regulator": Regulator.GMC,
        "registration_number": "0000000",
        "duties": "Sees you at your first visit, examines you and talks through your "
        "options. Prescribes the dextrose and gives injections.",
        "assesses": True,
        "prescribes": True,
        "injects": True,
    },
    {
        "order": 2,
        "name": f"Sam Example {EXAMPLE}",
        "role": "Physiotherapist",
        "regulator": Regulator.HCPC,
        "registration_number": "PH000000",
        "duties": "Checks how you are doing at follow-up visits, gives injections the doctor "
        "has prescribed for you, and helps you with exercises.",
        "assesses": True,
        "prescribes": False,
        "injects": True,
    },
    {
        "order": 3,
        "name": f"Jo Example {EXAMPLE}",
        "role": "Nurse",
        "regulator": Regulator.NMC,
        "registration_number": "00A0000A",
        "duties": "Looks after you on the day of treatment and after it. Can be your chaperone.",
        "assesses": False,
        "prescribes": False,
        "injects": False,
    },
]


class Clinician(models.Model):
    """A member of the clinical team, shown to patients on the team page."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="clinicians")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower is shown first.")
    name = models.CharField(max_length=120, validators=[one_line], help_text="As patients "
                            "should read it, e.g. \"Dr Alex Example\".")  # fmt: skip
    role = models.CharField(
        max_length=120, validators=[one_line], help_text='e.g. "Doctor in pain medicine".'
    )
    regulator = models.CharField(max_length=4, choices=Regulator.choices)
    registration_number = models.CharField(
        max_length=20,
        validators=[one_line],
        help_text="As on the regulator's public register; patients are linked to it to check.",
    )
    duties = models.TextField(
        "what they do here",
        max_length=600,
        blank=True,
        validators=[no_control_characters],
        help_text="In plain words, what this person does for patients at the clinic.",
    )
    assesses = models.BooleanField("assesses patients", default=False)
    prescribes = models.BooleanField(
        "prescribes the dextrose",
        default=False,
        help_text="Doctors, or nurses, physiotherapists and pharmacists with an independent "
        "prescriber entry on their register.",
    )
    injects = models.BooleanField("gives the injections", default=False)
    photo = models.ImageField(
        upload_to="team/%Y/",
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        help_text="Optional. JPEG, PNG or WebP; it is cleaned and resized when uploaded.",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_alt = models.CharField(
        "photo description",
        max_length=200,
        blank=True,
        validators=[one_line],
        help_text='Alt text for people who cannot see the photo, e.g. "Alex Example smiling, '
        'in a blue top".',
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    @property
    def register_url(self):
        return REGISTERS[self.regulator][0] if self.regulator in REGISTERS else ""

    def clean(self):
        number = re.sub(r"[\s-]", "", self.registration_number or "").upper()
        if self.regulator in REGISTERS:
            _url, pattern, form = REGISTERS[self.regulator]
            if not pattern.fullmatch(number):
                raise ValidationError({"registration_number": f"Check this number: {form}."})
            self.registration_number = number
        if self.photo and not self.photo_alt.strip():
            raise ValidationError({"photo_alt": "Describe the photo for people who cannot see it."})

"""Enquiries from the contact form: stored first, then everything else.

An enquiry holds health information (the area of pain and the message), so it is shown only to
reception staff, never put in emails or logs, and anonymised after the retention period.
"""

import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

# No 0/O, 1/I/L or U: easy to read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 5
ANONYMISED = "[removed]"


def new_reference():
    return "PIT-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Kind(models.TextChoices):
    ASSESSMENT = "assessment", "Book an assessment"
    QUESTION = "question", "Ask a question"
    EXISTING = "existing", "I am an existing patient"


class ContactMethod(models.TextChoices):
    EITHER = "either", "Either"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    BOOKED = "booked", "Booked"
    CLOSED = "closed", "Closed"
    SPAM = "spam", "Spam"


# Dealt with: the retention period (purge_enquiries) runs from when this happened. A booked
# patient's clinical record is kept elsewhere, so the enquiry is not needed for long after.
FINISHED = {Status.BOOKED, Status.CLOSED, Status.SPAM}


class Enquiry(models.Model):
    reference = models.CharField(max_length=12, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    # What the patient sent: shown read-only to reception.
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.EITHER
    )
    kind = models.CharField("enquiry about", max_length=20, choices=Kind.choices)
    condition = models.CharField(max_length=200, blank=True, help_text="Area of pain or condition.")
    preferred_times = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    consent_at = models.DateTimeField(editable=False)
    privacy_version = models.CharField(max_length=40, editable=False)

    # Reception's work.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_enquiries",
    )
    finished_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it was booked, closed or marked spam.",
    )
    suspected_spam = models.CharField(
        max_length=200, blank=True, editable=False, help_text="Why the site suspects spam."
    )

    # Notifications, sent after the enquiry is stored; retried by send_pending_notifications.
    staff_notification_due = models.BooleanField(default=True, editable=False)
    staff_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledgement_due = models.BooleanField(default=False, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    notify_attempts = models.PositiveIntegerField(default=0, editable=False)
    # Not before this time: set when a sender claims the enquiry, and to back off after a failure.
    notify_after = models.DateTimeField(null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "enquiries"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if self.reference:
            return super().save(*args, **kwargs)
        # References are random; on the rare clash, draw again.
        for _ in range(10):
            self.reference = new_reference()
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if not Enquiry.objects.filter(reference=self.reference).exists():
                    raise
        raise IntegrityError("Could not find a free enquiry reference")

    @property
    def notification_pending(self):
        return (self.staff_notification_due and self.staff_notified_at is None) or (
            self.acknowledgement_due and self.acknowledged_at is None
        )

    def set_status(self, status, user):
        """Change the status, recording who did it and when."""
        if status == self.status:
            return False
        StatusChange.objects.create(
            enquiry=self, old_status=self.status, new_status=status, changed_by=user
        )
        self.status = status
        self.finished_at = timezone.now() if status in FINISHED else None
        self.save(update_fields=["status", "finished_at"])
        return True


def anonymise(enquiries):
    """Remove everything that identifies the patient, keeping reference, kind and dates (the
    retention job and an erasure request). Emails still pending are never sent afterwards:
    notifications.pending() skips anonymised enquiries. Returns how many were anonymised."""
    enquiries = enquiries.filter(anonymised_at__isnull=True)
    Note.objects.filter(enquiry__in=enquiries).delete()
    return enquiries.update(
        name=ANONYMISED, email="", phone="", condition="", preferred_times="", message="",
        anonymised_at=timezone.now(),
    )  # fmt: skip


class Note(models.Model):
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("note", max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        when = date_format(timezone.localtime(self.created_at), "DATETIME_FORMAT")
        return f"Note by {self.author} at {when}"


class StatusChange(models.Model):
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=20, choices=Status.choices)
    new_status = models.CharField(max_length=20, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at"]

    def __str__(self):
        return f"{self.get_old_status_display()} → {self.get_new_status_display()}"


class ExportRecord(models.Model):
    """Who exported which enquiries, and when: patient data leaving the system."""

    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField()
    references = models.TextField()

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self):
        return f"{self.count} enquiries exported by {self.exported_by} at {self.exported_at:%c}"


class RefusedEnquiries(models.Model):
    """How many contact-form posts were refused in a day, not stored, because their address
    was over ENQUIRY_STORE_LIMIT. Only the count is kept: nothing the sender typed."""

    day = models.DateField(unique=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "refused enquiries"

    def __str__(self):
        return f"{self.count} refused on {self.day}"

    @classmethod
    def count_one(cls):
        day = timezone.localdate()
        if cls.objects.filter(day=day).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                cls.objects.create(day=day, count=1)
        except IntegrityError:  # another request made today's row first
            cls.objects.filter(day=day).update(count=F("count") + 1)

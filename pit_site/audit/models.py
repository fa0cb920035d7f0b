"""The access audit trail: who viewed, changed, exported, assigned, anonymised or deleted which
enquiry and when, and staff sign-ins, second-factor and role changes.

Entries are written with ``record()`` inside the transaction of the action they record, so
neither can be saved without the other. They are append-only: saving an existing entry or
deleting one raises, and the admin offers no add, change or delete to anyone. Only
``purge_expired()`` (run by purge_enquiries) removes entries, once older than
AUDIT_RETENTION_DAYS. Entries hold references and user names, never health details.
"""

import contextvars
import datetime
import ipaddress

from django.conf import settings
from django.db import models
from django.utils import timezone

# The staff member behind the current request, for entries written by signal handlers
# (role and factor changes) that have no request of their own. Set by StaffSessionMiddleware.
current_actor = contextvars.ContextVar("audit_actor", default=None)


class Action(models.TextChoices):
    VIEWED = "viewed", "Viewed enquiry"
    CHANGED = "changed", "Changed enquiry"
    ASSIGNED = "assigned", "Assigned enquiry"
    EXPORTED = "exported", "Exported enquiry"
    ANONYMISED = "anonymised", "Anonymised enquiry"
    DELETED = "deleted", "Deleted enquiry"
    SEARCHED = "searched", "Searched for a person"
    SIGN_IN = "sign_in", "Signed in (password)"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed (password)"
    SECOND_STEP = "second_step", "Second step passed"
    SECOND_STEP_FAILED = "second_step_failed", "Second step failed"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere", "Signed out everywhere"
    FACTOR_ADDED = "factor_added", "Second factor added"
    FACTOR_REMOVED = "factor_removed", "Second factor removed"
    FACTORS_RESET = "factors_reset", "Second factors reset"
    ROLE_CHANGED = "role_changed", "Role changed"
    AUDIT_VIEWED = "audit_viewed", "Viewed the audit trail"
    AUDIT_EXPORTED = "audit_exported", "Exported the audit trail"


class AppendOnly(Exception):
    pass


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="Who did it (empty: the system, or an unknown user name).",
    )
    # Kept as text too: the entry must still say who after their account is deleted.
    actor_name = models.CharField("by", max_length=150, blank=True, editable=False)
    action = models.CharField(max_length=30, choices=Action.choices, db_index=True, editable=False)
    enquiry_reference = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    subject = models.CharField(
        max_length=150, blank=True, editable=False, help_text="The account acted on, if any."
    )
    detail = models.CharField(max_length=500, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"

    def __str__(self):
        who = self.actor_name or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who}: {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit entries cannot be deleted.")


def record(action, *, request=None, actor=None, enquiry=None, subject="", detail=""):
    """Write one audit entry; call it inside the transaction of the action it records."""
    from pit_site.security import client_ip

    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is None:
        actor = current_actor.get()
    if actor is not None and not actor.is_authenticated:
        actor = None
    ip = client_ip(request) if request is not None else ""
    try:
        ip = str(ipaddress.ip_address(ip))
    except ValueError:
        ip = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        enquiry_reference=enquiry.reference if enquiry is not None else "",
        subject=str(subject)[:150],
        detail=str(detail)[:500],
        ip_address=ip,
    )


def purge_expired(now=None):
    """Delete entries older than AUDIT_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pit_site.audit.models import Action, AuditEntry, purge_expired, record
from pit_site.enquiries.models import Enquiry, Status, anonymise

DONE_WITH = [Status.BOOKED, Status.CLOSED]
OPEN = [Status.NEW, Status.IN_PROGRESS]


class Command(BaseCommand):
    help = (
        "Apply the retention period (ENQUIRY_RETENTION_DAYS, default 365): delete spam and "
        "anonymise booked or closed enquiries finished longer ago than that. Open enquiries "
        "are never purged; the command says how many are older than the period."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only say what would happen")

    def handle(self, *args, dry_run, **options):
        days = settings.ENQUIRY_RETENTION_DAYS
        cutoff = timezone.now() - datetime.timedelta(days=days)
        expired = Enquiry.objects.filter(finished_at__lt=cutoff)
        spam = expired.filter(status=Status.SPAM)
        done_with = expired.filter(status__in=DONE_WITH, anonymised_at__isnull=True)
        counts = spam.count(), done_with.count()
        if not dry_run:
            with transaction.atomic():
                for reference in spam.values_list("reference", flat=True):
                    record(Action.DELETED, enquiry=Enquiry(reference=reference),
                           detail="retention period")  # fmt: skip
                for reference in done_with.values_list("reference", flat=True):
                    record(Action.ANONYMISED, enquiry=Enquiry(reference=reference),
                           detail="retention period")  # fmt: skip
                spam.delete()
                anonymise(done_with)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {counts[0]} spam and {'would anonymise' if dry_run else 'anonymised'} "
            f"{counts[1]} booked or closed enquiries finished more than {days} days ago."
        )
        audit_days = settings.AUDIT_RETENTION_DAYS
        if dry_run:
            old = AuditEntry.objects.filter(
                at__lt=timezone.now() - datetime.timedelta(days=audit_days)
            )
            self.stdout.write(
                f"Would delete {old.count()} audit entries older than {audit_days} days."
            )
        else:
            self.stdout.write(
                f"Deleted {purge_expired()} audit entries older than {audit_days} days."
            )
        # Open enquiries are never purged (a patient may still be waiting), but old ones need a
        # person to book, close or mark them spam: on stderr, so cron mails it.
        stale = Enquiry.objects.filter(status__in=OPEN, created_at__lt=cutoff).count()
        (self.stderr if stale else self.stdout).write(
            f"{stale} open (new or in progress) enquiries arrived more than {days} days ago; "
            "they are kept until someone books, closes or marks them spam."
        )

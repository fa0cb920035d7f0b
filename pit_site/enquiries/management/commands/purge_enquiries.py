import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pit_site.enquiries.models import ANONYMISED, Enquiry, Status


class Command(BaseCommand):
    help = (
        "Apply the retention period (ENQUIRY_RETENTION_DAYS, default 365): delete spam and "
        "anonymise closed enquiries finished longer ago than that. Booked and open enquiries "
        "are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only say what would happen")

    def handle(self, *args, dry_run, **options):
        days = settings.ENQUIRY_RETENTION_DAYS
        cutoff = timezone.now() - datetime.timedelta(days=days)
        expired = Enquiry.objects.filter(finished_at__lt=cutoff)
        spam = expired.filter(status=Status.SPAM)
        closed = expired.filter(status=Status.CLOSED, anonymised_at__isnull=True)
        counts = spam.count(), closed.count()
        if not dry_run:
            with transaction.atomic():
                spam.delete()
                for enquiry in closed:
                    enquiry.notes.all().delete()
                closed.update(
                    name=ANONYMISED, email="", phone="", condition="", preferred_times="",
                    message="", anonymised_at=timezone.now(),
                )  # fmt: skip
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {counts[0]} spam and {'would anonymise' if dry_run else 'anonymised'} "
            f"{counts[1]} closed enquiries finished more than {days} days ago."
        )

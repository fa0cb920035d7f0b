from django.core.management.base import BaseCommand
from django.utils import timezone

from pit_site.enquiries.notifications import (
    MAX_ATTEMPTS,
    SENT,
    SKIPPED,
    due,
    pending,
    send_notifications,
)


class Command(BaseCommand):
    help = (
        "Send enquiry emails that could not be sent when the enquiry arrived. Safe to run "
        "from cron every minute, on one server or several: each enquiry is claimed before "
        "its emails are sent, so overlapping runs never send the same one. After a failure "
        f"it waits 1, 2, 4 ... minutes (then hourly), and gives up after {MAX_ATTEMPTS} tries."
    )

    def handle(self, *args, **options):
        ids = list(due(timezone.now()).order_by("created_at").values_list("pk", flat=True))
        results = [send_notifications(pk) for pk in ids]
        sent = results.count(SENT)
        skipped = results.count(SKIPPED)
        waiting = pending().filter(notify_attempts__lt=MAX_ATTEMPTS).count()
        given_up = pending().filter(notify_attempts__gte=MAX_ATTEMPTS).count()
        self.stdout.write(
            f"{sent} enquiries notified, {waiting} still pending, {given_up} given up"
            + (f" ({skipped} taken by another run)" if skipped else "")
            + "."
        )

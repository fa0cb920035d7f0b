import datetime

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.utils import timezone

from pit_site.enquiries.notifications import pending, send_notifications

LOCK_KEY = "enquiries:notify-lock"


class Command(BaseCommand):
    help = (
        "Send enquiry emails that could not be sent when the enquiry arrived. Safe to run "
        "from cron every minute: it sends each email once, and overlapping runs skip."
    )

    def handle(self, *args, **options):
        # One run at a time across all app servers (the cache is shared).
        if not cache.add(LOCK_KEY, "1", timeout=600):
            self.stdout.write("Another run is in progress; nothing done.")
            return
        try:
            # Leave very new enquiries to the request that stored them.
            settled = timezone.now() - datetime.timedelta(seconds=30)
            ids = list(pending().filter(created_at__lt=settled).values_list("pk", flat=True))
            sent = sum(send_notifications(pk) for pk in ids)
        finally:
            cache.delete(LOCK_KEY)
        left = len(ids) - sent
        self.stdout.write(f"{sent} enquiries notified, {left} still pending.")

"""Email backends standing in for mail servers that misbehave."""

import smtplib
from io import StringIO

from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command


class DownEmailBackend(BaseEmailBackend):
    """Every send fails; ``attempts`` records the timeout each failed send was given."""

    attempts = []

    def __init__(self, timeout=None, **kwargs):
        super().__init__(**kwargs)
        self.timeout = timeout

    def send_messages(self, messages):
        self.attempts.append(self.timeout)
        raise smtplib.SMTPConnectError(421, "Service not available")


class OverlappingRunBackend(locmem.EmailBackend):
    """Delivers like locmem, but a slow one: while the first email is being sent, cron starts
    another send_pending_notifications run. Its output is kept in ``overlapping_runs``."""

    overlapping_runs = []

    def send_messages(self, messages):
        if not self.overlapping_runs:
            out = StringIO()
            self.overlapping_runs.append(out)
            call_command("send_pending_notifications", stdout=out)
        return super().send_messages(messages)

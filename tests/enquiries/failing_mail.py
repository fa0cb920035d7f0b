"""An email backend standing in for a mail server that is down."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class DownEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "Service not available")

from django.conf import settings
from django.db import models


class SignOutEverywhere(models.Model):
    """Sessions of this user that began before ``at`` are ended on their next request."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "sign-out everywhere"

    def __str__(self):
        return f"{self.user} signed out everywhere at {self.at:%c}"

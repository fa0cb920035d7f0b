"""django-otp-webauthn, set up for this site: passkeys are a second factor, never a sign-in
on their own, and the relying party is whatever host the request came to (Django has already
checked it against ALLOWED_HOSTS), so the same code works on 127.0.0.1 and the clinic's domain.
"""

from django_otp_webauthn import views
from django_otp_webauthn.helpers import WebAuthnHelper


def relying_party_id(request):
    return request.get_host().rsplit(":", 1)[0].strip("[]")


class Helper(WebAuthnHelper):
    def get_allowed_origins(self):
        scheme = "https" if self.request.is_secure() else "http"
        return [f"{scheme}://{self.request.get_host()}"]


class CompleteAuthentication(views.CompleteCredentialAuthenticationView):
    """The passkey step of sign-in: only the signed-in user's own passkey counts."""

    def check_device_usable(self, device):
        super().check_device_usable(device)
        if device.user_id != self.request.user.pk:
            raise views.exceptions.CredentialUserMismatch()

    def complete_auth(self, device):
        from .views import second_step_passed

        super().complete_auth(device)
        second_step_passed(self.request, device)

    def get_success_url(self):
        from .views import next_url

        return next_url(self.request)

"""The passkey (WebAuthn) endpoints, under the namespace and names the library's template tags
look up; registration and sign-in completion are this project's subclasses."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn

from . import passkeys, views

app_name = "otp_webauthn"

urlpatterns = [
    path("registration/begin/", webauthn.BeginCredentialRegistrationView.as_view(),
         name="credential-registration-begin"),
    path("registration/complete/", views.CompleteRegistration.as_view(),
         name="credential-registration-complete"),
    path("authentication/begin/", webauthn.BeginCredentialAuthenticationView.as_view(),
         name="credential-authentication-begin"),
    path("authentication/complete/", passkeys.CompleteAuthentication.as_view(),
         name="credential-authentication-complete"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
         name="js-i18n-catalog"),
]  # fmt: skip

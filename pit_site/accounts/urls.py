from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.security, name="security"),
    path("second-step/", views.second_step, name="second-step"),
    path("set-up/", views.setup, name="setup"),
    path("set-up/app/", views.setup_app, name="setup-app"),
    path("set-up/passkey/", views.setup_passkey, name="setup-passkey"),
    path("added/", views.added, name="added"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("remove/<slug:kind>/<int:pk>/", views.remove, name="remove"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
]

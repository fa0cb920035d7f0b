from django.contrib.admin.apps import AdminConfig


class ClinicAdminConfig(AdminConfig):
    """django.contrib.admin, with sign-in and password changes throttled (pit_site.signin)."""

    default_site = "pit_site.signin.ClinicAdminSite"

import getpass
import secrets
import sys

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from pit_site.clinic.models import StaffProfile

PASSWORD_TRIES = 3
ROLES = {
    "editor": ["Content editors"],
    "reviewer": ["Content editors", "Clinical reviewers"],
    "reception": ["Reception"],
    "admin": [],  # a superuser
}


FIRST_SIGN_IN = (
    "First sign-in at {admin}: after the password, the admin asks them to set up a second "
    "factor (a passkey or security key, or an authenticator app) and shows 10 single-use "
    "recovery codes to keep safe. From then on every sign-in needs the password and the "
    "second factor."
)


class Command(BaseCommand):
    help = (
        "Create a staff account in a role: editor (patient pages and images), reviewer (an "
        "editor who can also record clinical reviews), reception (enquiries only) or admin "
        "(everything)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help='Full name, e.g. "Sam Patel"')
        parser.add_argument("--job-title", default="", help='e.g. "Pain physician"')
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args, username, role, email, name, job_title, password_stdin, **options):
        User = get_user_model()
        username = username.strip()
        try:
            User._meta.get_field("username").run_validators(username)
            User.username_validator(username)
            if email:
                validate_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if not username or len(username) > 150:
            raise CommandError("Give a user name of 1 to 150 characters.")
        if len(name) > 300 or len(job_title) > 120 or "\x00" in name + job_title:
            raise CommandError("The name or job title is too long or has invalid characters.")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user called {username!r} already exists.")

        first, _, last = name.strip().partition(" ")
        user = User(username=username, email=email, first_name=first[:150], last_name=last[:150])
        password, generated = self._password(password_stdin, user)

        with transaction.atomic():
            user.is_staff = True
            user.is_superuser = role == "admin"
            user.set_password(password)
            user.save()
            user.groups.set(Group.objects.filter(name__in=ROLES[role]))
            StaffProfile.objects.create(user=user, job_title=job_title.strip())
        self.stdout.write(f"Created {role} {username!r}.")
        self.stdout.write(FIRST_SIGN_IN.format(admin=f"{settings.SITE_URL}/{settings.ADMIN_PATH}"))
        if generated:
            self.stdout.write(f"Password (shown once, change it after signing in): {password}")

    def _password(self, from_stdin, user):
        """(password, generated): asked for on a terminal until it is strong enough, read once
        from standard input (a weak one is refused), or made up when there is no terminal."""
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
            problems = self._weaknesses(password, user)
            if problems:
                raise CommandError(f"Password refused: {problems} Nothing was created.")
            return password, False
        if not sys.stdin.isatty():
            return secrets.token_urlsafe(18), True
        for _ in range(PASSWORD_TRIES):
            password = getpass.getpass("Password: ")
            problems = self._weaknesses(password, user)
            if problems:
                self.stderr.write(f"{problems} Try another.")
            elif password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords did not match. Try again.")
            else:
                return password, False
        raise CommandError(
            f"No acceptable password after {PASSWORD_TRIES} tries. Nothing was created."
        )

    def _weaknesses(self, password, user):
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            return " ".join(error.messages)
        return ""

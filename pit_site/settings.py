"""Settings for the PIT clinic site, all driven by environment variables.

Safe by default: DEBUG is off unless DJANGO_DEBUG says otherwise, and with DEBUG off the
site refuses to start without a real secret key. Local runs get their settings from the
Makefile and the optional .env file, not from weak defaults here. The README lists every
variable.
"""

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv
from phonenumbers import SUPPORTED_REGIONS

BASE_DIR = Path(__file__).resolve().parent.parent

# An optional .env file in the project folder (`make setup` puts the secret key there), so that
# manage.py commands work as written. Real environment variables win over it: production sets
# those. DJANGO_ENV_FILE names another file (os.devnull: none).
load_dotenv(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"), override=False)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = secrets.token_urlsafe(50)  # development only: a new key each start
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to a random string of at least 50 characters "
        "(or DJANGO_DEBUG=1 for local development). `make run` makes one for you."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "pit_site.apps.ClinicAdminConfig",  # django.contrib.admin, with throttled sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",
    "markdownx",
    "reversion",
    "reversion_compare",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "pit_site.accounts",
    "pit_site.audit",
    "pit_site.clinic",
    "pit_site.pages",
    "pit_site.references",
    "pit_site.enquiries",
    "pit_site.search",
    "pit_site.feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Second factor, idle time-out and "sign out everywhere" for every signed-in user.
    "pit_site.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so its process_exception runs first: a lost database becomes a 503 page.
    "pit_site.outage.DatabaseOutageMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-ins while an account is locked out
    "django.contrib.auth.backends.ModelBackend",
]

# Two-factor sign-in (django-otp, docs/decisions/0017-two-factor-sign-in.md): after the
# password, every staff member must enter a second factor or, at first sign-in, set one up.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Clinic website")
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
# Passkeys belong to the host the request came to (checked against ALLOWED_HOSTS).
OTP_WEBAUTHN_RP_ID_CALLABLE = "pit_site.accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "pit_site.accounts.passkeys.Helper"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["https://localhost"]  # unused: Helper answers the request's origin
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second step, after the password
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "pit_site.passkeys"
# A staff session ends after this many idle minutes, and in any case after SESSION_COOKIE_AGE.
STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
# The access audit trail (pit_site.audit) is kept this long; purge_enquiries removes older entries.
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "730"))

ROOT_URLCONF = "pit_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pit_site.clinic.context_processors.clinic",
                "pit_site.pages.seo.site",
                "pit_site.pages.menus.menus",
            ],
        },
    },
]

# Widgets render with the TEMPLATES setting, so the project's templates/ can override them.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "pit_site.wsgi.application"

# SQLite by default; PostgreSQL (or anything dj-database-url knows) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer writes; IMMEDIATE takes the write lock
    # at the start of a transaction, so concurrent writers queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database server fails a request in seconds (then a 503 page), instead of
    # holding the worker for the operating system's connect timeout (minutes).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

REDIS_URL = os.environ.get("REDIS_URL", "")
try:
    REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
except ValueError:
    REDIS_TIMEOUT = 0
if not 0 < REDIS_TIMEOUT <= 10:
    raise ImproperlyConfigured("REDIS_TIMEOUT must be a number of seconds above 0, at most 10.")


def redis_cache(url):
    return {
        # Fails soft: with Redis down, pages are rendered from the database (pit_site/cache.py).
        "BACKEND": "pit_site.cache.FailSoftRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "pit",
        # A hung Redis costs a request at most this long, not the operating system's minutes.
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    # Without Redis, a table in the database: unlike local memory it is shared by every
    # worker process, so rate limits and page-cache invalidation hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            "KEY_PREFIX": "pit",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["pit_site.formats"]  # one date format everywhere: "3 Dec 2026"

# Signing in with an unsafe ?next= lands on the admin's home; signing out, on the site's.
LOGIN_REDIRECT_URL = "admin:index"
LOGOUT_REDIRECT_URL = "/"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The editor: markdownx's widget, pointed at this project's own guarded views (pages.editor).
MARKDOWNX_URLS_PATH = "/editor/preview/"
MARKDOWNX_UPLOAD_URLS_PATH = "/editor/upload/"
MARKDOWNX_MARKDOWNIFY_FUNCTION = "pit_site.pages.rendering.render_markdown"
MARKDOWNX_SERVER_CALL_LATENCY = 300
MARKDOWNX_EDITOR_RESIZABLE = False
# Files are held in memory up to this size, then spooled to disk; the editor caps images at 10 MB.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Images one staff member may upload (editor and admin), counted in the shared cache.
IMAGE_UPLOAD_RATE_LIMIT = os.environ.get("IMAGE_UPLOAD_RATE_LIMIT", "20/5m").strip().lower()
if IMAGE_UPLOAD_RATE_LIMIT != "off" and not re.fullmatch(r"\d+/\d*[smhd]", IMAGE_UPLOAD_RATE_LIMIT):
    raise ImproperlyConfigured('IMAGE_UPLOAD_RATE_LIMIT must look like "20/5m" (or "off").')

# Enquiries (the contact form).
# For links in staff emails; locally, the port the site is served on (`make run PORT=8765`).
SITE_URL = (
    os.environ.get("DJANGO_SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
).rstrip("/")
# Per address: over ENQUIRY_RATE_LIMIT an enquiry is stored but flagged as suspected spam; over
# ENQUIRY_STORE_LIMIT it is refused and only counted
# (docs/decisions/0012-admin-permissions-sign-in-spam.md).
ENQUIRY_RATE_LIMIT = os.environ.get("ENQUIRY_RATE_LIMIT", "5/h").strip().lower()
ENQUIRY_STORE_LIMIT = os.environ.get("ENQUIRY_STORE_LIMIT", "20/d").strip().lower()
for _name, _rate in [("ENQUIRY_RATE_LIMIT", ENQUIRY_RATE_LIMIT),
                     ("ENQUIRY_STORE_LIMIT", ENQUIRY_STORE_LIMIT)]:  # fmt: skip
    if _rate != "off" and not re.fullmatch(r"\d+/\d*[smhd]", _rate):
        raise ImproperlyConfigured(f'{_name} must look like "5/h" (or "off").')
try:
    ENQUIRY_MIN_SECONDS = float(os.environ.get("ENQUIRY_MIN_SECONDS", "3"))
except ValueError:
    ENQUIRY_MIN_SECONDS = None
if ENQUIRY_MIN_SECONDS is None or not 0 <= ENQUIRY_MIN_SECONDS <= 3:
    # More than 3 seconds would flag quick typists (and people using autofill) as spam.
    raise ImproperlyConfigured("ENQUIRY_MIN_SECONDS must be a number of seconds from 0 to 3.")
ENQUIRY_PHONE_REGION = os.environ.get("ENQUIRY_PHONE_REGION", "GB").strip().upper()
if ENQUIRY_PHONE_REGION not in SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        'ENQUIRY_PHONE_REGION must be a two-letter region code such as "GB" or "IE", '
        f"not {ENQUIRY_PHONE_REGION!r}."
    )
ENQUIRY_ACKNOWLEDGE = env_bool("ENQUIRY_ACKNOWLEDGE", default=True)
ENQUIRY_RETENTION_DAYS = int(os.environ.get("ENQUIRY_RETENTION_DAYS", "365"))
# The client's address, for the rate limit and sign-in throttling. Behind a reverse proxy, name
# the header it sets (e.g. HTTP_X_REAL_IP); never a header clients can set themselves.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "REMOTE_ADDR")
RATELIMIT_IP_META_KEY = "pit_site.security.client_ip"
# Addresses of the reverse proxies whose X-Forwarded-* / X-Real-IP headers are believed
# (pit_site/proxy.py); from anyone else those headers are dropped. "*" trusts every address.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# With the cache down, the limit cannot be counted: accept the enquiry (a lost enquiry is worse).
RATELIMIT_FAIL_OPEN = True

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
EMAIL_TIMEOUT = (
    10  # a slow mail server delays a reply by at most this; the enquiry is already saved
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "website@example.com")

# /.well-known/security.txt (RFC 9116): where to report a security problem, and until when the
# file holds. Without a fixed date it is always 180 days ahead, so it never goes stale unseen.
SECURITY_CONTACT = os.environ.get("DJANGO_SECURITY_CONTACT", f"mailto:{DEFAULT_FROM_EMAIL}").strip()
if not SECURITY_CONTACT.startswith(("mailto:", "https://", "tel:")):
    raise ImproperlyConfigured(
        'DJANGO_SECURITY_CONTACT must be a "mailto:", "https://" or "tel:" address.'
    )
SECURITY_TXT_EXPIRES = os.environ.get("DJANGO_SECURITY_TXT_EXPIRES", "").strip()
if SECURITY_TXT_EXPIRES and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", SECURITY_TXT_EXPIRES):
    raise ImproperlyConfigured("DJANGO_SECURITY_TXT_EXPIRES must be a date like 2027-06-30.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CONTENT_DIR = Path(os.environ.get("PIT_CONTENT_DIR", BASE_DIR / "content"))
# Files the site keeps for itself: a copy of the clinic's contact details for the pages shown
# while the database is down (pit_site/clinic/contact_copy.py). Out of git; one per app server.
FALLBACK_DIR = Path(os.environ.get("PIT_FALLBACK_DIR", BASE_DIR / "var"))

# Security. Production sits behind a reverse proxy that ends TLS and sets X-Forwarded-Proto.
# DJANGO_SECURE=0 (the Makefile's plain-http local run) turns off the HTTPS-only parts.
SECURE = env_bool("DJANGO_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz\Z"]  # load balancers probe over plain http
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600  # a staff sign-in lasts a working day
CSRF_COOKIE_SECURE = SECURE
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; scripts never need the cookie
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# Content-Security-Policy (django-csp): no inline or eval'd script anywhere, admin included.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    ]  # fmt: skip
}

# Sign-in throttling (django-axes): 5 failures lock that user name from that address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are cleared only when the second step succeeds too (accounts.views), so a known
# password does not buy fresh guesses at the code.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "pit_site.security.client_ip"
AXES_USERNAME_CALLABLE = "pit_site.security.sign_in_username"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_traceback": {"()": "pit_site.security.NoTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "one_line": {"class": "logging.StreamHandler", "filters": ["no_traceback"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # 4xx answers (404s, refused requests) are normal traffic, not log-worthy tracebacks.
        "django.request": {"level": "ERROR"},
        # A request for a host name not in ALLOWED_HOSTS (scanners, a misconfigured proxy):
        # one line at WARNING, not a traceback per request.
        "django.security.DisallowedHost": {
            "handlers": ["one_line"],
            "level": "WARNING",
            "propagate": False,
        },  # fmt: skip
    },
}

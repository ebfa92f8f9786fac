"""
Settings for sorplan, read from the environment (every variable is listed in
.env.example).

With no variables at all the app runs on the embedded development default
when DEBUG is on: an SQLite file, Celery tasks run in-process, e-mail written
to a folder. Production mode (DEBUG off) refuses to start without SECRET_KEY
and ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from celery.schedules import crontab
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SORPLAN_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
# A local .env file (never committed; `make setup` writes one with DEBUG=1 for a
# development checkout) fills in variables the real environment does not set.
ENV_FILE = Path(os.environ.get("SORPLAN_ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

# ---------------------------------------------------------------------------
# Core and security
# ---------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# pytest (>= 8.2) sets PYTEST_VERSION while it runs; tests get development defaults.
TESTING = "PYTEST_VERSION" in os.environ
DEVELOPMENT = DEBUG or TESTING

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "SECRET_KEY mangler: sæt miljøvariablen SECRET_KEY (eller DEBUG=1 til udvikling). "
            "SECRET_KEY is not set: set the SECRET_KEY environment variable "
            "(or DEBUG=1 for development)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS mangler: sæt miljøvariablen ALLOWED_HOSTS, fx "
            "'sorplan.example.dk'. ALLOWED_HOSTS is not set."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# Proxies in front of the app that append to X-Forwarded-For (the client's address for
# log-in throttling is taken from there); 0 uses the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
if not DEVELOPMENT:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # Only behind a proxy that sets X-Forwarded-Proto itself (never trust a client's).
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # HSTS on by default in production: browsers keep to HTTPS for a year.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# ---------------------------------------------------------------------------
# Applications and middleware
# ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "sorplan.admin.SorplanAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_htmx",
    "axes",
    # Two-factor log-in (TOTP and recovery codes): see accounts/two_factor.py.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "parties",
    "accounts",
    "milestones",
    "register",
    "medcom",
    "governance",
    "reports",
    "api",
    "rest_framework",
    "drf_spectacular",
    "feeds",
    # Tooling only (the bench commands, in their own database): see docs/performance.md.
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that is down gives a Danish 503 page, not a bare 500.
    "sorplan.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every page needs log-in except views marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "parties.middleware.MembershipRequiredMiddleware",
    # Editors and superusers confirm password log-ins with two-factor before any page.
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sorplan.urls"
WSGI_APPLICATION = "sorplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parties.context_processors.access",
                "milestones.context_processors.demo_data",
                "accounts.context_processors.session_timeout",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: PostgreSQL from DATABASE_URL, else an SQLite file under var/
# ---------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    # Tests (live server threads) must not keep connections open past teardown.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect): acts only on its own callback (accounts/oidc.py).
    "accounts.oidc.SorplanOIDCBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on through OpenID Connect (accounts/oidc.py): SORPLAN_OIDC_PROVIDERS names
# the providers (e.g. "broker,kombit"); each NAME has OIDC_<NAME>_ISSUER, _CLIENT_ID and
# _CLIENT_SECRET, and optionally _LABEL (the button's "Log ind med <label>"), _SCOPES,
# _EMAIL_CLAIM, _SIGN_ALGO, _ACR and _AMR (required values, comma-separated).
SORPLAN_OIDC_PROVIDERS = {
    name.lower(): {
        "label": env.str(f"OIDC_{name.upper()}_LABEL", default=name),
        "issuer": env.str(f"OIDC_{name.upper()}_ISSUER"),
        "client_id": env.str(f"OIDC_{name.upper()}_CLIENT_ID"),
        "client_secret": env.str(f"OIDC_{name.upper()}_CLIENT_SECRET", default=""),
        "scopes": env.str(f"OIDC_{name.upper()}_SCOPES", default="openid email profile"),
        "email_claim": env.str(f"OIDC_{name.upper()}_EMAIL_CLAIM", default="email"),
        "sign_algo": env.str(f"OIDC_{name.upper()}_SIGN_ALGO", default="RS256"),
        "acr": env.list(f"OIDC_{name.upper()}_ACR", default=[]),
        "amr": env.list(f"OIDC_{name.upper()}_AMR", default=[]),
    }
    for name in env.list("SORPLAN_OIDC_PROVIDERS", default=[])
}
SORPLAN_OIDC_ORIGINS = sorted(
    {
        "{0.scheme}://{0.netloc}".format(urlparse(p["issuer"]))
        for p in SORPLAN_OIDC_PROVIDERS.values()
    }
)
SORPLAN_OIDC_TIMEOUT = env.int("SORPLAN_OIDC_TIMEOUT", default=10)
# The password form on the log-in page; off where everyone signs in with SSO.
SORPLAN_PASSWORD_LOGIN = env.bool("SORPLAN_PASSWORD_LOGIN", default=True)

# The issuer name in authenticator apps (django-otp's otpauth:// address).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="sorplan")

# Log-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# account, or from one client address, further log-ins are refused for the cool-off time,
# even with the right password.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
# Password-reset mails per e-mail address and per client address in an hour.
SORPLAN_PASSWORD_RESET_PER_EMAIL_HOUR = env.int("SORPLAN_PASSWORD_RESET_PER_EMAIL_HOUR", default=3)
SORPLAN_PASSWORD_RESET_PER_IP_HOUR = env.int("SORPLAN_PASSWORD_RESET_PER_IP_HOUR", default=20)
# Days an invitation's one-time link to set a password stays valid.
SORPLAN_INVITATION_DAYS = env.int("SORPLAN_INVITATION_DAYS", default=7)

# The security audit log (accounts.SecurityEvent) keeps this many days; a daily task
# deletes older rows. Never less than a year (accounts.tasks.AUDIT_RETENTION_MIN_DAYS).
SORPLAN_AUDIT_RETENTION_DAYS = env.int("SORPLAN_AUDIT_RETENTION_DAYS", default=400)

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (a working day by
# default) and when the browser closes; activity moves the expiry forward (checked at
# most every SESSION_REFRESH_SECONDS, see accounts.middleware). The pages warn
# SESSION_WARNING_SECONDS before the end.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_REFRESH_SECONDS = min(60, SESSION_IDLE_TIMEOUT // 10)
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=5 * 60)

# ---------------------------------------------------------------------------
# Cache: the throttling counters and the pages' cached content; Redis in production
# so every worker shares them
# ---------------------------------------------------------------------------
# CACHE_URL names it (redis://host:6379/1 gives Django's RedisCache); else REDIS_URL,
# if set, as a RedisCache; else local memory, one copy per process (development).
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url("CACHE_URL", default=REDIS_URL or "locmemcache://")}
# Django's Redis cache with its client kept between operations (core.cache.RedisCache).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.RedisCache"
# A cold entry is built once (core.cache): the first request takes a short lock in the
# cache, the others wait up to this many seconds for its result, then build it themselves.
# A waiter that gives up starts the build afresh, behind the one already under way, so
# the bound is for a builder that died (its lock lapses after a minute), not for a slow one.
CACHE_BUILD_WAIT = env.float("CACHE_BUILD_WAIT", default=30.0)

# ---------------------------------------------------------------------------
# Language and time
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English pages show British dates ("24 November 2026"), not Django's American "en" formats.
FORMAT_MODULE_PATH = ["sorplan.formats"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static and media files
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEVELOPMENT
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# ---------------------------------------------------------------------------
# E-mail (Django 6.1's MAILERS): SMTP when EMAIL_HOST is set, else files in var/mail
# ---------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env.int("EMAIL_PORT", default=25),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=False),
                "timeout": env.int("EMAIL_TIMEOUT", default=30),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {
                "file_path": env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")),
            },
        }
    }
del EMAIL_HOST  # deprecated as a setting name in Django 6.1; MAILERS holds it
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="sorplan <sorplan@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------------------
# Celery: Redis from CELERY_BROKER_URL, else tasks run in-process
# ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers unacknowledged tasks after this many seconds; it must be
# longer than the longest task run plus all its retries (see reports.tasks).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's own scheduler: the schedule is code, so there is no database
# scheduler (django-celery-beat caps Django below 6.1). Run exactly one beat.
# The tasks decide themselves whether today is the right (working) day.
CELERY_BEAT_SCHEDULE = {
    "reporting-round-open": {
        "task": "milestones.tasks.reporting_round_open_for_month",
        "schedule": crontab(minute=0, hour=6),
    },
    # The materialised status (milestones.services.status): what the date alone changes.
    "status-rerate": {
        "task": "milestones.tasks.status_rerate",
        "schedule": crontab(minute=5, hour=0),
    },
    # The register's materialised readiness (register.readiness), likewise.
    "register-readiness-rerate": {
        "task": "register.tasks.readiness_rerate",
        "schedule": crontab(minute=10, hour=0),
    },
    # A past moment's figures stored for the day just ended (reports.moment_store),
    # after both re-rates.
    "moment-snapshots": {
        "task": "reports.tasks.moment_snapshots_store",
        "schedule": crontab(minute=20, hour=0),
    },
    # And today's states so far, every hour after it (a moment since the daily run).
    "moment-snapshots-today": {
        "task": "reports.tasks.moment_snapshots_today",
        "schedule": crontab(minute=25, hour="1-23"),
    },
    "reporting-reminders": {
        "task": "milestones.tasks.reporting_reminders_send",
        "schedule": crontab(minute=0, hour=8),
    },
    "governance-action-reminders": {
        "task": "governance.tasks.action_reminders_send",
        "schedule": crontab(minute=30, hour=8),
    },
    "status-report-monthly": {
        "task": "reports.tasks.status_report_generate_monthly",
        "schedule": crontab(minute=0, hour=7),
    },
    "security-log-expire": {
        "task": "accounts.tasks.security_events_expire",
        "schedule": crontab(minute=15, hour=3),
    },
    # The e-mail outbox's sweeper (core.mail): queues mail whose send is due.
    "mail-outbox-sweep": {
        "task": "core.tasks.outbox_sweep",
        "schedule": env.float("SORPLAN_MAIL_SWEEP_INTERVAL", default=60.0),
    },
}

# ---------------------------------------------------------------------------
# django-simple-history
# ---------------------------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_DATE_INDEX = "composite"

# ---------------------------------------------------------------------------
# Content-Security-Policy and other browser policy headers (django-csp 4)
# ---------------------------------------------------------------------------
# Pages carry no inline script or style: every script and stylesheet is a static
# file from this site, htmx is told not to inject its indicator <style> (the
# <meta name="htmx-config"> in base.html) and bar widths are classes. The PDF's
# templates keep their styles: WeasyPrint renders them, not a browser.
INSTALLED_APPS += ["csp"]
MIDDLEWARE += ["csp.middleware.CSPMiddleware", "sorplan.middleware.PermissionsPolicyMiddleware"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        # The log-out form's answer may send the browser on to the SSO provider's
        # log-out (RP-initiated log-out), so their origins are allowed too.
        "form-action": [csp_constants.SELF, *SORPLAN_OIDC_ORIGINS],
        "frame-ancestors": [csp_constants.NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the product never uses, switched off for every page.
SORPLAN_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# ---------------------------------------------------------------------------
# Loaders of apps above milestones, run by load_sor_roadmap and load_demo_data
# after the plan's own (milestones may not import them: docs/architecture.md)
# ---------------------------------------------------------------------------
SOR_ROADMAP_EXTRA_LOADERS = ["register.seed.register_seed_load"]
# Rebuilt by `manage.py status_rebuild` after the milestones' materialised status.
STATUS_REBUILD_EXTRA = ["register.readiness.readiness_rebuild"]
# Context every e-mail gets from the apps above core (core.mail.mail_render).
MAIL_CONTEXT_HOOKS = ["milestones.context_processors.demo_mail_context"]
DEMO_DATA_EXTRA_LOADERS = [
    "register.demo.register_demo_load",
    "medcom.demo.medcom_demo_load",
    "governance.demo.governance_demo_load",
    # Last: the demo's history is dated in the past, so moments stored before it are emptied.
    "reports.moment_store.demo_forget",
]
# Facts of apps above milestones beside an activity's rule-based RAG on its page: each
# names a function (request, activity) -> (template, context) or None.
ACTIVITY_PAGE_EXTRA_FACTS = ["governance.panels.activity_confidence"]
# Beside each activity's RAG line on the roadmap (see milestones.views.roadmap).
ROADMAP_EXTRA_FACTS = ["governance.panels.RoadmapConfidence"]
# Sections of a party's progress update from apps above milestones (see
# milestones/services/sections.py): the register's entries, proposed for review.
PROGRESS_UPDATE_SECTIONS = [
    "register.reporting.REGISTER_SECTION",
    "medcom.reporting.MEDCOM_SECTION",
]

# ---------------------------------------------------------------------------
# sorplan's own settings
# ---------------------------------------------------------------------------
SORPLAN_PROGRAMME_NAME = "Fuld overgang til SOR"
# Extra addresses that get the monthly status report (besides steering-group users).
SORPLAN_REPORT_EXTRA_RECIPIENTS = env.list("SORPLAN_REPORT_EXTRA_RECIPIENTS", default=[])
SORPLAN_REPORT_AUTO_PUBLISH = env.bool("SORPLAN_REPORT_AUTO_PUBLISH", default=False)
SORPLAN_REMINDER_DAYS_BEFORE = env.int("SORPLAN_REMINDER_DAYS_BEFORE", default=5)
# Limits on rendering the status report PDF (in a child process): seconds and memory.
SORPLAN_REPORT_RENDER_TIMEOUT = env.int("SORPLAN_REPORT_RENDER_TIMEOUT", default=240)
SORPLAN_REPORT_RENDER_MEMORY_MB = env.int("SORPLAN_REPORT_RENDER_MEMORY_MB", default=2048)
# A render killed or timed out is tried once more after this many seconds.
SORPLAN_REPORT_RENDER_RETRY_DELAY = env.int("SORPLAN_REPORT_RENDER_RETRY_DELAY", default=10)
# First wait (seconds) before re-sending a report e-mail after an SMTP failure; doubles each time.
# The e-mail outbox (core.mail, docs/operations.md): the first wait in seconds after an
# SMTP failure, doubling to the cap, for this many attempts (about 5.5 hours in all);
# a queued send not done after SORPLAN_MAIL_STALE_AFTER seconds is queued again.
SORPLAN_MAIL_RETRY_BACKOFF = env.float("SORPLAN_MAIL_RETRY_BACKOFF", default=60.0)
SORPLAN_MAIL_RETRY_BACKOFF_MAX = env.float("SORPLAN_MAIL_RETRY_BACKOFF_MAX", default=1800.0)
SORPLAN_MAIL_MAX_ATTEMPTS = env.int("SORPLAN_MAIL_MAX_ATTEMPTS", default=16)
SORPLAN_MAIL_STALE_AFTER = env.float("SORPLAN_MAIL_STALE_AFTER", default=300.0)
SORPLAN_SYSTEM_USERNAME = "sorplan-system"

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


# ---------------------------------------------------------------------------
# The REST API /api/v1/ (api/; docs/api.md): Django REST framework, the schema by
# drf-spectacular. The session for the browser (CSRF on unsafe methods) or a
# personal access token; every answer JSON, errors as {"detail", "errors"}.
# ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.MemberWithScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_THROTTLE_RATE", default="600/min")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeyCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "sorplan API",
    "DESCRIPTION": _("Programmets plan, status, register og styring for medlemmer af programmet."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema, like every endpoint, is for members (a token or the session).
    "SERVE_PERMISSIONS": ["api.permissions.MemberWithScope"],
    # One name per shared choice set: every date's precision, a risk's 1-5 scales.
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "milestones.models.dates.DatePrecision",
        "RiskScaleEnum": [(n, str(n)) for n in range(1, 6)],
        "ShakStateEnum": "register.models.ShakState",
        "CertificationStateEnum": "medcom.models.CertState",
    },
    "DISABLE_ERRORS_AND_WARNINGS": True,
}

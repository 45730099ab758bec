"""The one settings module. Everything that differs between machines comes
from an environment variable, read through the small typed helpers below;
README.md lists every variable."""

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets admin and form classes be subscripted for the type checker at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# In debug mode a missing page still shows the site's own 404; this brings
# Django's technical one (the URL patterns tried) back.
DEBUG_TECHNICAL_404 = env_bool("DEBUG_TECHNICAL_404", False)

# A secret has no default outside debug mode: a production install that forgot
# SECRET_KEY must fail to start rather than run with a known key.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-committee-site-development-only" if DEBUG else None)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "committee_site.apps.CommitteeSiteConfig",
    "records.apps.RecordsConfig",
    "complaints.apps.ComplaintsConfig",
    "inspections.apps.InspectionsConfig",
    "feedback.apps.FeedbackConfig",
    "reports.apps.ReportsConfig",
    "mailintake.apps.MailintakeConfig",
    "api.apps.ApiConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_ratelimit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "committee_site.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "committee_site.middleware.UserLanguageMiddleware",
    "committee_site.middleware.SiteNotFoundMiddleware",
    "committee_site.middleware.TimeLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that its lock-out page is rendered in the language chosen above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "committee_site.urls"
WSGI_APPLICATION = "committee_site.wsgi.application"

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
                "django.template.context_processors.i18n",
                "committee_site.context_processors.site_shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# Behind pgbouncer in transaction mode a connection may change between two
# transactions, so a cursor held open across them (Django's WITH HOLD
# server-side cursors) would be lost.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs the web server, a worker and beat against one
    # file: WAL and a busy timeout keep them from failing on each other's locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "committee_site.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes). Failures are counted per pair of account
# and client address, so a stranger guessing at an account locks out only
# their own address: the owner still signs in from theirs. After
# LOGIN_FAILURE_LIMIT failures the pair waits LOGIN_LOCKOUT_MINUTES, and every
# further failure after a wait doubles it, up to LOGIN_LOCKOUT_MAX_HOURS; a
# pair is forgotten twice that long after its last failure. Signing in clears
# the pair's failures, resetting the password all of the account's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 1)
LOGIN_LOCKOUT_MAX_HOURS = env_int("LOGIN_LOCKOUT_MAX_HOURS", 24)
# Credential stuffing tries many accounts from one address: a cap on the
# address's failures across all accounts, counted in the shared cache.
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_ADDRESS_WINDOW_MINUTES = env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15)
AXES_HANDLER = "committee_site.throttle.SignInAttempts"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = "committee_site.throttle.login_cool_off"
AXES_RESET_ON_SUCCESS = True
# A try while locked is refused without looking at the password: it neither
# counts as a failure nor makes the wait longer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "committee_site.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "committee_site.throttle.client_address"
# Successful sign-ins are not logged: the audit trail is AuditEvent's.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind a reverse proxy: the header it sets with the client's address
# (HTTP_X_REAL_IP, or HTTP_X_FORWARDED_FOR whose last entry is used). Sign-in
# throttling and the rate limits below both read the address from it.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "REMOTE_ADDR")

# The shared cache holds the rate-limit counters, so it must be one that every
# gunicorn worker sees: Redis when CACHE_URL (or a Redis broker) names one,
# else a table in the site's database. Never a per-process memory cache.
CACHE_URL = env_str(
    "CACHE_URL",
    os.environ.get("CELERY_BROKER_URL", "")
    if os.environ.get("CELERY_BROKER_URL", "").startswith(("redis://", "rediss://"))
    else "database",
)
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "committee-site",
        }
    }
elif CACHE_URL == "database":
    CACHES = {
        "default": {
            "BACKEND": "committee_site.cache.SharedDatabaseCache",
            # Created by migration committee_site 0006.
            "LOCATION": "committee_site_cache",
            # Past this many entries Django culls the expired ones first; a low
            # limit would also drop live counters and so reset limits.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL must be redis://…, rediss://… or database, not {CACHE_URL!r}.")


def env_rate_limits(name: str, defaults: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """RATE_LIMITS=complaint.user=30/h,apply.address=20/h overrides single limits."""
    limits = {group: dict(keys) for group, keys in defaults.items()}
    for item in env_list(name, []):
        target, _, rate = item.partition("=")
        group, _, key = target.strip().partition(".")
        if group not in limits or key not in limits[group] or not re.fullmatch(r"\d+/\d*[smhd]", rate.strip()):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not <group>.<key>=<count>/<period>; the groups and keys are "
                + ", ".join(f"{g}.{k}" for g, keys in defaults.items() for k in keys)
            )
        limits[group][key] = rate.strip()
    return limits


# Floods (django-ratelimit): per user and per client address (and, on the
# anonymous forms, per e-mail address typed) on every form that creates rows
# or sends e-mail; past a limit the form answers 429 with templates/429.html.
# Rates are <count>/<period> with s, m, h or d, e.g. 20/h or 5/15m; generous
# enough that a committee member recording a day's letters never meets them.
RATE_LIMITS = env_rate_limits(
    "RATE_LIMITS",
    {
        # Owners filing complaints through the web form.
        "complaint": {"user": "20/h", "address": "60/h"},
        # Owners leaving self-service feedback (自助反馈), photos included.
        "feedback": {"user": "20/h", "address": "60/h"},
        # Committee members recording phone, letter and visit complaints.
        "record": {"user": "200/h", "address": "400/h"},
        # Every step on an existing record: complaint steps and replies with
        # photos, inspection items and findings, signatures, rectification
        # notices and their steps, decisions on applications, the language.
        "step": {"user": "600/h", "address": "1200/h"},
        # Setting up inspections: new inspections, plans, template copies and items.
        "setup": {"user": "120/h", "address": "300/h"},
        # The archive's handover ZIP: each one reads the whole archive and its files.
        "handover": {"user": "10/h"},
        # Written records, corrections and disposals added to the archive.
        "archive": {"user": "60/h", "address": "120/h"},
        # Satisfaction surveys the committee opens.
        "survey_open": {"user": "20/h", "address": "60/h"},
        # Owners' answers to a survey: one per unit, but a survey day at the
        # clubhouse may see many owners answer on one tablet.
        "survey_answer": {"user": "30/h", "address": "600/h"},
        # Paper survey forms a committee member types in, one after another:
        # a stack of 200 from the door-to-door round in one evening, a form
        # every 12 seconds at most, corrections included; two or three
        # members typing in the committee's office share one address.
        "survey_paper": {"user": "300/h", "address": "900/h"},
        # Each API client (a WeChat front), every request it makes.
        "api": {"client": "3600/h"},
        # One-time codes an owner asks for to bind a WeChat identity.
        "binding_code": {"user": "10/h", "address": "60/h"},
        # The anonymous forms.
        "apply": {"address": "10/h", "email": "5/d"},
        "password_reset": {"address": "20/h", "email": "5/15m"},
        "sign_in": {"address": "200/h"},
    },
)
RATELIMIT_USE_CACHE = "default"
# A cache that cannot answer must not stop the committee's work: the request
# goes through and the failure is logged.
RATELIMIT_FAIL_OPEN = True
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists only memcached and django-redis as supported;
    # Django's own RedisCache and SharedDatabaseCache increment atomically too.
    "django_ratelimit.W001",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["committee_site.formats"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are served only through views that check access; no MEDIA_URL route exists.
UPLOAD_MAX_IMAGE_MB = env_int("UPLOAD_MAX_IMAGE_MB", 10)
# The complaint mailbox refuses (and records as refused) a message larger than this.
MAIL_MAX_BYTES = env_int("MAIL_MAX_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# With nginx in front, a private file is sent by nginx from this internal
# location once the view has checked access (X-Accel-Redirect); empty: Django
# streams it.
PRIVATE_FILES_ACCEL_PREFIX = env_str("PRIVATE_FILES_ACCEL_PREFIX", "")
# Uploads and archive files on S3-compatible object storage instead of
# MEDIA_ROOT: a private bucket, reached with the AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY of the environment; users get signed URLs.
STORAGE_S3_BUCKET = env_str("STORAGE_S3_BUCKET", "")
STORAGE_S3_ENDPOINT_URL = env_str("STORAGE_S3_ENDPOINT_URL", "")
DEFAULT_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_S3_BUCKET,
            "endpoint_url": STORAGE_S3_ENDPOINT_URL or None,
            "region_name": env_str("STORAGE_S3_REGION", "") or None,
            # MinIO and most S3-compatible servers address buckets by path.
            "addressing_style": env_str("STORAGE_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            # An archive file's name is part of its record: never overwrite one.
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In debug mode WhiteNoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "committee-site@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: kombu's filesystem transport by default, so that trying the site
# needs no server; Redis (or any broker URL) in production.
CELERY_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else f"file://{CELERY_DIR / 'results'}",
)
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "processed_folder": str(CELERY_DIR / "processed"),
        # Without this the transport writes its exchange table to ./control.
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis", "rediss", "sentinel")):
    # Redis hands an unacknowledged message to another worker after this many
    # seconds. Tasks are acknowledged late (after they ran), so it must be longer
    # than the longest countdown plus the hard time limit, or a task would run
    # twice: committee_site.celery checks that at start-up and refuses otherwise.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # Short socket timeouts so that publishing gives up quickly (see below).
        "socket_connect_timeout": 2.0,
        "socket_timeout": 3.0,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# Acknowledged when received, unless a task says it is safe to run twice
# (committee_site.tasks_queue.IDEMPOTENT): then after it ran.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The queue tasks go to and workers read unless told otherwise: installations
# (or test runs) that share one broker keep apart by naming their own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# No task may hang a worker: at the soft limit the task gets SoftTimeLimitExceeded
# (and releases its claim), at the hard limit the worker kills it. Tasks that work
# through batches set longer limits of their own (committee_site.tasks.BATCH_*).
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hold a request when the broker is down or silent: the
# row the task works on is already committed, the failure is logged and the
# beat sweeps pick the row up (committee_site/tasks_queue.py). So one quick
# retry and short socket timeouts, not kombu's default of waiting forever on a
# broker that accepts the connection and never answers.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}

# Security. In debug mode none of this gets in the way of runserver on http.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer's health probe speaks plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_object_store_origin = ""
if STORAGE_S3_BUCKET:
    _region = DEFAULT_STORAGE["OPTIONS"]["region_name"]
    _endpoint = urlsplit(STORAGE_S3_ENDPOINT_URL or f"https://s3.{_region + '.' if _region else ''}amazonaws.com")
    _object_store_origin = f" {_endpoint.scheme}://{_endpoint.netloc}"
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    # A photo's page address redirects to the object store's signed URL.
    f"img-src 'self' data:{_object_store_origin}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Axes tells every sign-in at INFO; its warnings (each failure, each lock-out) are what matter.
    "loggers": {"axes": {"level": "WARNING"}},
}

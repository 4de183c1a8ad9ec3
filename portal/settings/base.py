"""Settings shared by every environment. Environment variables (all optional here):

DATABASE_URL        default: SQLite file var/portal.sqlite3
CELERY_BROKER_URL   unset: Celery tasks run in-process (eager); set: real workers via the broker
REDIS_URL           cache and login throttling; defaults to CELERY_BROKER_URL when that is redis://
DJANGO_ALLOWED_HOSTS comma-separated
DJANGO_MEDIA_ROOT, DJANGO_STATIC_ROOT
PORTAL_UPLOAD_MAX_MB upload size limit (default 10)
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "portal",
    "organisations",
    "campaigns",
    "essays",
    "materials",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.lib.sessions.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT (on by default) compiled the province's participation aggregates for ~1 s to run a
    # ~0.2 s query (bench/bench_participation.py): off for this web workload.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling per (username, IP): after LOGIN_FAILURE_LIMIT failures, a finite cool-off.
LOGIN_FAILURE_LIMIT = int(os.environ.get("PORTAL_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_COOLOFF_SECONDS = int(os.environ.get("PORTAL_LOGIN_COOLOFF_SECONDS", "900"))

# Sessions: an idle timeout (renewed on every request) and an absolute one from login.
SESSION_COOKIE_AGE = int(os.environ.get("PORTAL_SESSION_IDLE_SECONDS", str(60 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("PORTAL_SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Off: a plain {{ }} of an id or a year must never become "2.306" in an attribute, URL or form value. Figures
# shown to people go through portal_format's |number and |percent filters, which group digits themselves.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "staticfiles"))
# Uploaded files are never served from a public URL: MEDIA_URL is not routed; views stream them
# after a permission check.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PORTAL_UPLOAD_MAX_MB = int(os.environ.get("PORTAL_UPLOAD_MAX_MB", "10"))
# Study materials (books, slides, recordings): streamed to disk, never held in memory.
PORTAL_MATERIAL_MAX_MB = int(os.environ.get("PORTAL_MATERIAL_MAX_MB", "500"))
# Rosters: a province's 46,000 rows are 2-3 MB as .xlsx, ~5 MB as .csv.
PORTAL_ROSTER_UPLOAD_MAX_MB = int(os.environ.get("PORTAL_ROSTER_UPLOAD_MAX_MB", "20"))
PORTAL_ROSTER_MAX_ROWS = int(os.environ.get("PORTAL_ROSTER_MAX_ROWS", "100000"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000  # an attendance sheet or roster preview posts many fields
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REDIS_URL = os.environ.get("REDIS_URL") or (
    os.environ["CELERY_BROKER_URL"] if os.environ.get("CELERY_BROKER_URL", "").startswith("redis") else ""
)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes on one machine (runserver, in-process tasks) without any service.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: with no broker configured, tasks run in-process (eager) so the embedded default works.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task a dead worker took is handed out again after this many seconds (Redis). The reliability test lowers it
# (and with it how often workers sweep for such tasks).
_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 1 if _VISIBILITY_TIMEOUT < 60 else 10,
    "unacked_restore_throttle": 1 if _VISIBILITY_TIMEOUT < 60 else 10,
}
CELERY_TASK_TIME_LIMIT = 1800  # below the visibility timeout, so a hung task dies before redelivery
CELERY_TASK_SOFT_TIME_LIMIT = 1700
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "reports-run-schedules": {"task": "reports.tasks.run_schedules", "schedule": 3600.0},
    "reports-mark-stuck": {"task": "reports.tasks.mark_stuck", "schedule": 300.0},
    # Compare a campaign's essays once its deadline (then its cut-off) has passed: essays.similarity.
    "essays-similarity-after-deadline": {"task": "essays.similarity.similarity_after_deadline", "schedule": 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PORTAL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint.progress": {"level": "WARNING"},  # else one INFO line per PDF rendering step
    },
}

# Activation links for members' accounts.
ACTIVATION_TTL_DAYS = int(os.environ.get("PORTAL_ACTIVATION_TTL_DAYS", "30"))
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

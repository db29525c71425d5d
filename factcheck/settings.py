"""Settings, read from the environment.

Every value has a safe development default so `make run` works on a fresh machine. In
production (DEBUG off) the app refuses to start on the development secret key.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key. Set SECRET_KEY to a long random value."
    )

# With DEBUG on, 404 and 500 are still the site's own pages unless a developer asks for Django's
# technical ones (URL patterns, tracebacks) here. Has no effect with DEBUG off.
FACTCHECK_DEBUG_ERROR_PAGES = env_bool("FACTCHECK_DEBUG_ERROR_PAGES", False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "annotations.pages.error_pages.SiteErrorPagesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"
ASGI_APPLICATION = "factcheck.asgi.application"

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
                "annotations.pages.context_processors.context_processor",
                "annotations.pages.context_processors.navigation_counts",
                "annotations.pages.imports.import_link",
            ],
        },
    },
]

# SQLite under var/ by default: a new user needs nothing installed. DATABASE_URL switches
# to PostgreSQL (postgres://user:pass@host:5432/name).
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'factcheck.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one process writes; the timeout waits out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
# Several test runs against one PostgreSQL server each need their own test database.
if os.environ.get("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DATABASE_TEST_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "article_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves static files under uvicorn too; in development straight from static/.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Size limits. An article upload or a URL body may be at most FACTCHECK_MAX_UPLOAD_BYTES; a
# request body (form or JSON) at most DATA_UPLOAD_MAX_MEMORY_SIZE.
FACTCHECK_MAX_UPLOAD_BYTES = env_int("FACTCHECK_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FACTCHECK_MAX_BODY_BYTES", 6 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_MAX_UPLOAD_BYTES + 1024 * 1024
# An article (or a page) of more paragraphs, headings, list items and quotes is refused.
FACTCHECK_MAX_BLOCKS = env_int("FACTCHECK_MAX_BLOCKS", 20_000)
# URL import refuses private, loopback, link-local and reserved addresses unless this is on.
FACTCHECK_ALLOW_PRIVATE_URLS = env_bool("FACTCHECK_ALLOW_PRIVATE_URLS", False)
# The import page's "several at once": at most this many files and addresses per batch.
FACTCHECK_IMPORT_BATCH_MAX = env_int("FACTCHECK_IMPORT_BATCH_MAX", 50)
FACTCHECK_URL_CONNECT_TIMEOUT = 5.0
FACTCHECK_URL_READ_TIMEOUT = 15.0

# The scheme and host of the IRIs in W3C Web Annotation output made without a request
# (commands, exports); while serving a request, IRIs use the host the client asked for.
FACTCHECK_BASE_URL = (os.environ.get("FACTCHECK_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
# Annotations per AnnotationPage of a W3C annotation container.
FACTCHECK_W3C_PAGE_SIZE = env_int("FACTCHECK_W3C_PAGE_SIZE", 100)

# Live updates (annotations/live.py). Each server process polls the database for new Events of
# the articles it streams every FACTCHECK_LIVE_POLL_MS; a page counts as viewing while its
# stream was seen within FACTCHECK_LIVE_PRESENCE_SECONDS; a quiet stream gets a comment every
# FACTCHECK_LIVE_HEARTBEAT_SECONDS (proxies close idle connections); Events created in the last
# FACTCHECK_LIVE_RESCAN_SECONDS are read again, for ids committed out of order.
FACTCHECK_LIVE_POLL_MS = env_int("FACTCHECK_LIVE_POLL_MS", 250)
FACTCHECK_LIVE_PRESENCE_SECONDS = env_int("FACTCHECK_LIVE_PRESENCE_SECONDS", 15)
FACTCHECK_LIVE_HEARTBEAT_SECONDS = env_int("FACTCHECK_LIVE_HEARTBEAT_SECONDS", 15)
FACTCHECK_LIVE_RESCAN_SECONDS = env_int("FACTCHECK_LIVE_RESCAN_SECONDS", 10)
# Optional: a Redis server (redis://host:6379/0) on which new Events are announced, so every
# process's poller wakes at once instead of at its next tick. The database path works without.
FACTCHECK_REDIS_URL = os.environ.get("FACTCHECK_REDIS_URL", "")

# The client's address (API throttle, sign-in limits; annotations/lib/client_address.py): the
# socket's peer, unless the site sits behind this many proxies that each append the address they
# saw to X-Forwarded-For; then the N-th address from its right. A client's own header never counts.
FACTCHECK_TRUSTED_PROXIES = env_int("FACTCHECK_TRUSTED_PROXIES", 0)
if FACTCHECK_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("FACTCHECK_TRUSTED_PROXIES must be 0 or more.")

# Sign-in limits (/login/ and /admin/login/, annotations/pages/login_limits.py): after this many
# failed sign-ins to one account, or from one address, within the window (counted from the first
# failure), every sign-in there is refused until the window ends. A successful sign-in clears
# the account's count. Counted in the default cache (per process unless CACHES names a shared one).
FACTCHECK_LOGIN_FAILURES_PER_ACCOUNT = env_int("FACTCHECK_LOGIN_FAILURES_PER_ACCOUNT", 5)
FACTCHECK_LOGIN_FAILURES_PER_ADDRESS = env_int("FACTCHECK_LOGIN_FAILURES_PER_ADDRESS", 20)
FACTCHECK_LOGIN_WINDOW_SECONDS = env_int("FACTCHECK_LOGIN_WINDOW_SECONDS", 15 * 60)

# Security headers. No inline scripts or styles: everything comes from static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The REST API (annotations/api/). Token authentication comes first so that a request without
# credentials gets 401 with `WWW-Authenticate: Token`; sessions keep DRF's CSRF check.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["annotations.api.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "annotations.api.throttling.ApiUserRateThrottle",
        "annotations.api.throttling.ApiAnonRateThrottle",
    ],
    # Counted in the default cache: per process unless CACHES names a shared one.
    "NUM_PROXIES": FACTCHECK_TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("FACTCHECK_API_RATE_USER") or "600/min",
        "anon": os.environ.get("FACTCHECK_API_RATE_ANON") or "60/min",
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Factcheck annotation API",
    "DESCRIPTION": (
        "Articles, claims, verdicts, sources and comments of your fact-checking desks. "
        "Authenticate with `Authorization: Token <token>` (or `Bearer`), or a logged-in session "
        'with its CSRF token. Every error is JSON `{"detail", "code"}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "annotations.models.ClaimStatus",
        "ArticleStatusEnum": "annotations.models.ArticleStatus",
        "AnchorStateEnum": "annotations.models.AnchorState",
        "StanceEnum": "annotations.models.Stance",
        "RoleEnum": "annotations.models.Role",
        "SourceKindEnum": "annotations.models.SourceKind",
    },
    # Swagger UI from the drf-spectacular-sidecar package's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A routine refusal (403, 400) is one warning line; only server errors carry a traceback.
    "filters": {
        "refusals_without_traceback": {
            "()": "factcheck.log_filters.RoutineRefusalsWithoutTraceback"
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_without_traceback"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own loggers write through the same handler, once (its default configuration
    # adds a second console handler under DEBUG, without the filter).
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        }
    },
}

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "factcheck-demo")

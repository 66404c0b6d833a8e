"""Settings for every environment, read from the process environment (django-environ).

With no environment at all the product runs on an embedded default: SQLite, an in-process
cache and channel layer, and Celery tasks executed in-process. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis (cache, channel layer, Celery broker).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():  # optional: a fresh checkout runs without one
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The product never reaches out on its own: litellm reads its model cost map from disk.
import os  # noqa: E402

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

# Debug pages show settings and every URL pattern: only for development, never by default.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# No key anyone can read: the environment's, or one made for this install and kept outside the
# repository (workplace_roleplay/settings/secret_key.py).
from workplace_roleplay.settings.secret_key import default_key_file, stored_secret_key  # noqa: E402

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or stored_secret_key(
    Path(env.str("DJANGO_SECRET_KEY_FILE", default=str(default_key_file())))
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_htmx",
    "django_celery_beat",
    "django_prometheus",
    "core",
    "accounts",
    "conversations",
    "scenarios",
    "watch",
    "analytics",
    "assignments",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.request_id.RequestIdMiddleware",
    "core.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "core.security.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "core.security.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.ratelimits.RateLimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "workplace_roleplay.urls"
ASGI_APPLICATION = "workplace_roleplay.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
# PostgreSQL connections come from a pool in each process (psycopg_pool): every request runs on
# a thread of its own, so without a pool each would open a connection and a burst of learners
# would exhaust the server's max_connections. DATABASE_POOL_MAX_SIZE=0 turns
# the pool off (then CONN_MAX_AGE, e.g. ?conn_max_age=60 in DATABASE_URL, keeps connections).
# The pool checks each connection before handing it out, so a PostgreSQL restart costs no request
# (core.db_pool.check_unbroken: the socket is looked at, no query is sent).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=20)
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DATABASE_POOL_MAX_SIZE > 0
    and not DATABASES["default"]["CONN_MAX_AGE"]
):
    DATABASES["default"]["ENGINE"] = "core.postgresql"  # the pool's check looks at the socket (core.db_pool)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # Django's would be a second check, a round trip
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
# Threads the sockets of one process do their database work on (core.db.database_lane). One by
# default: more lanes start a burst of lines sooner (bench/burst.py) but their threads take the
# interpreter lock from the event loop relaying every reply's tokens (bench/chat_ws.py, README).
DATABASE_LANES = env.int("DATABASE_LANES", default=1)
# The live path's own pool (core.adb): connections per web process for the statements every
# learner's line makes, run on the event loop. 0: a connection per statement; below 0: the ORM.
DATABASE_ASYNC_POOL_SIZE = env.int("DATABASE_ASYNC_POOL_SIZE", default=8)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="wr"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_PREFIX", default="wr")},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    # The in-process cache is per process; rate limits then count per process, which is
    # acceptable for the single-process embedded default only.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A reply still "streaming" this many minutes after it began lost its writer (a process died, or
# the database refused its final writes): the sweep (conversations.interrupt_stale_replies, every
# 5 minutes from beat, or manage.py interrupt_stale_replies) marks it interrupted.
REPLY_STALE_MINUTES = env.float("REPLY_STALE_MINUTES", default=10.0)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # its lines go through the JSON handler (celery_signals.py)

RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
# Named rate limits (core/ratelimits.py), per signed-in user or per client address.
# Each is one rate or a comma-separated list, e.g. RATE_LIMIT_DEFAULT="200/h,50/m". "default" is
# every API call; pages (with their htmx requests) and socket messages have budgets of their own
# that a person clicking and typing never reaches.
RATE_LIMITS = {
    "default": env.list("RATE_LIMIT_DEFAULT", default=["200/h", "50/m"]),
    "page": env.list("RATE_LIMIT_PAGE", default=["5000/h", "300/m"]),
    "socket": env.list("RATE_LIMIT_SOCKET", default=["5000/h", "300/m"]),
    "chat_message": env.list("RATE_LIMIT_CHAT_MESSAGE", default=["30/m"]),
    "scenario_start": env.list("RATE_LIMIT_SCENARIO_START", default=["10/m"]),
    "watch_start": env.list("RATE_LIMIT_WATCH_START", default=["5/m"]),
    "analytics": env.list("RATE_LIMIT_ANALYTICS", default=["100/h"]),
    "report_request": env.list("RATE_LIMIT_REPORT_REQUEST", default=["10/h"]),
}
RATE_LIMIT_EXEMPT_PATHS = ["/api/", "/static/", "/media/", "/healthz", "/readyz", "/metrics", "/favicon.ico"]

# --- Accounts ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login brute-force protection: failures counted per account and per client address.
LOGIN_MAX_FAILURES_PER_ACCOUNT = env.int("LOGIN_MAX_FAILURES_PER_ACCOUNT", default=5)
LOGIN_MAX_FAILURES_PER_IP = env.int("LOGIN_MAX_FAILURES_PER_IP", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# Behind a reverse proxy, the client address is read from this header only (e.g.
# HTTP_X_FORWARDED_FOR); empty means REMOTE_ADDR.
TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="")

# --- Teams -------------------------------------------------------------------------------
# A team's figures are shown to its trainers only when it has at least this many learners, and
# average strengths only when at least this many learners had a session analysed in the period,
# so that nobody's own scores can be singled out.
TEAM_MIN_LEARNERS = env.int("TEAM_MIN_LEARNERS", default=3)

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.request_id.LoggedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.StrictPagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.StrictContentNegotiation",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.ratelimits.RateLimitThrottle"],
    "DEFAULT_PARSER_CLASSES": ["core.api.SizeLimitedJSONParser"],
}
from datetime import timedelta  # noqa: E402

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Workplace Roleplay API",
    "DESCRIPTION": "API for the Workplace Roleplay mobile app. Authenticate with a JWT (Bearer).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStateEnum": "assignments.models.AssignmentState.choices",
        "AssignmentStatusEnum": "assignments.status.Status.choices",
        "TurnStatusEnum": ["streaming", "complete", "interrupted", "failed"],  # how a line's stream ended
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_error_responses",
    ],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# Any request body (uploads included) above this is refused with 413 before it is parsed.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=2 * 1024 * 1024)

# --- Security headers (production.py adds HTTPS-only settings) ------------------------------
from csp.constants import NONE, SELF  # noqa: E402

# No inline scripts or styles anywhere; the socket's ws:/wss: address is added per request.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template (hx-headers), never read the cookie

# --- Metrics (/metrics: Prometheus) -------------------------------------------------------
# Readable with "Authorization: Bearer <METRICS_TOKEN>" or from these addresses/networks only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# A Celery worker serves its own metrics on this port when set (cluster-internal).
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@workplace-roleplay.local")
# The product's address as e-mails link to it (reports).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Logging -----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
from core.logging import configure_logging  # noqa: E402

LOGGING_CONFIG = None
configure_logging(LOG_LEVEL)

# --- LLM gateway -------------------------------------------------------------------------
from llm.config import llm_settings_from_env  # noqa: E402

LLM = llm_settings_from_env(env)

# --- Watch mode --------------------------------------------------------------------------
# Limits of one watched session (AI turns and seconds of generation), the pause between turns
# per pace, and the models the two personas may use (``provider/model``; with two or more, each
# persona gets one of its own). At most WATCH_MAX_RUNNING sessions in progress per user (starts
# per minute: RATE_LIMITS["watch_start"]).
WATCH_MAX_TURNS = env.int("WATCH_MAX_TURNS", default=20)
WATCH_MAX_SECONDS = env.int("WATCH_MAX_SECONDS", default=600)
WATCH_PACE_SECONDS = {"slow": 4.0, "normal": 2.0, "fast": 0.5}
WATCH_PERSONA_MODELS = env.list("WATCH_PERSONA_MODELS", default=[])
WATCH_MAX_RUNNING = env.int("WATCH_MAX_RUNNING", default=2)
# A stopped session counts as watched (an assignment's "watch first") after this many spoken lines.
WATCH_WATCHED_MIN_LINES = env.int("WATCH_WATCHED_MIN_LINES", default=4)

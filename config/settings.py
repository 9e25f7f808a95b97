"""Django settings, read from the environment (12-factor).

Every variable is documented in the README ("Configuração"). Defaults suit development;
`DJANGO_ENV=production` turns on the HTTPS-only hardening that 6.5.42 asks for.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = env.bool("TESTING", default=False)

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="" if PRODUCTION else "dev-only-insecure-key-change-me-0123456789abcdef",
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set in production")

# Tenants are reached at <slug>.<BASE_DOMAIN>; the control plane and status page at BASE_DOMAIN.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost")
PUBLIC_SCHEME = env.str("PUBLIC_SCHEME", default="https" if PRODUCTION else "http")
PUBLIC_PORT = env.str("PUBLIC_PORT", default="" if PRODUCTION else "8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS",
    default=[
        f"{PUBLIC_SCHEME}://{BASE_DOMAIN}" + (f":{PUBLIC_PORT}" if PUBLIC_PORT else ""),
        f"{PUBLIC_SCHEME}://*.{BASE_DOMAIN}" + (f":{PUBLIC_PORT}" if PUBLIC_PORT else ""),
    ],
)

# --- Applications -------------------------------------------------------------------------
# django-tenants creates an app's tables in every schema the app is listed for. `accounts`,
# `auth`, `contenttypes` and `sessions` are in both lists on purpose: operators live in the
# public schema, each municipality's users in its own schema (docs/adr/0002).
SHARED_APPS = [
    "django_tenants",
    "core",
    "tenants",
    "accounts",
    "security",
    "controlplane",
    "billing",
    "channels.intake",
    "analytics",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    # Lockout counting and 2FA devices live in every schema: operators sign in on the public one.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "security",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sso",
    "channels",
    "desk",
    "routing",
    "portal",
    "privacy",
    "push",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New tenants are cloned from this migrated schema; `manage.py migrate_all` keeps it current.
TENANT_BASE_SCHEMA = "template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False

MIDDLEWARE = [
    # django-tenants' TenantMainMiddleware, with the webhook host's look-up cached (issue 3).
    "channels.intake.middleware.TenantRoutingMiddleware",
    "core.middleware.RequestContextMiddleware",
    # IP allow/block lists (6.5.23.9), before anything else reads the request; not /webhooks/.
    "security.middleware.IpAccessMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.UserLanguageMiddleware",
    # A client whose contract ended is read-only (6.2.15): writes refused with 423.
    "controlplane.middleware.ReadOnlyTenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inactivity logout, 2FA verification/enrolment, expired password (docs/adr/0020).
    "security.middleware.AccessPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a lockout flagged during authentication into the lockout response; must be last.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
            ],
        },
    },
]

ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

# --- Data stores --------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/platform"),
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# A Unix-socket directory comes percent-encoded in the URL host (embedded PostgreSQL).
DATABASES["default"]["HOST"] = unquote(str(DATABASES["default"].get("HOST", "")))
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# A psycopg connection pool per process (Django's native "pool" option). Under ASGI each request
# runs its sync part on a thread of its own, so CONN_MAX_AGE cannot keep a connection between
# requests; the pool does, and saves a connection set-up (and its search_path) per request.
# django-tenants forgets the search_path when a connection goes back to the pool, so a pooled
# connection never carries another tenant's schema. config/asgi.py turns it on for the web
# process; Celery's prefork workers keep CONN_MAX_AGE (a pool made before the fork would share
# its sockets with the children). Off in tests: test databases are made and dropped under it.
DATABASE_POOL = env.bool("DATABASE_POOL", default=False) and not TESTING
if DATABASE_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=1),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
if TESTING and env.str("PYTEST_XDIST_WORKER", default=""):
    # Each xdist worker gets its own Redis database so queues and caches never cross.
    _worker = int(env.str("PYTEST_XDIST_WORKER").removeprefix("gw"))
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + _worker % 15}"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CLICKHOUSE_URL = env.str("CLICKHOUSE_URL", default="")

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tests run tasks in-process unless a test starts a real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "America/Sao_Paulo"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes first: it refuses locked-out users before any backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Length, complexity and history come from the tenant's SecurityPolicy (6.5.23.4).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "security.passwords.PolicyMinimumLengthValidator"},
    {"NAME": "security.passwords.PolicyComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "security.passwords.PasswordHistoryValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# --- Internationalisation (6.5.3, 6.5.4) and server clock (6.2.19) ------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Sao_Paulo"
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media/"

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Atendimento Digital <nao-responda@localhost>"
)

# --- Security headers (6.5.42) ------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Health probes come over plain HTTP from inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging: JSON lines with tenant and request id ---------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(tenant)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50


# --- Message pipeline: webhook intake, processing, outbox, media (docs/adr/0040) ------------
# Webhook bodies above this size are refused with 413 before they are read.
INTAKE_MAX_BODY_BYTES = env.int("INTAKE_MAX_BODY_BYTES", default=1024 * 1024)
# A processing failure is retried by the sweeper up to this many times, then left "failed".
INBOX_MAX_ATTEMPTS = env.int("INBOX_MAX_ATTEMPTS", default=8)
# Raw webhook bodies hold personal data: processed events are deleted after this many days.
INBOX_RETENTION_DAYS = env.int("INBOX_RETENTION_DAYS", default=30)
# The URL providers call back (Telegram setWebhook); the public host by default.
CHANNELS_WEBHOOK_BASE_URL = env.str(
    "CHANNELS_WEBHOOK_BASE_URL",
    default=f"{PUBLIC_SCHEME}://{BASE_DOMAIN}" + (f":{PUBLIC_PORT}" if PUBLIC_PORT else ""),
)
# Where sandbox channels send (6.8.5): the provider simulators, when a channel names none.
CHANNELS_SANDBOX_URLS = {
    "whatsapp": env.str("CHANNELS_SANDBOX_WHATSAPP_URL", default=""),
    "telegram": env.str("CHANNELS_SANDBOX_TELEGRAM_URL", default=""),
}
# The outbox lease must outlast the slowest provider call (HTTP client: 5 s connect + 30 s
# read), or a second worker could send the same message.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=2.0)
OUTBOX_BACKOFF_MAX_SECONDS = env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=900.0)
# Inbound media limits per kind (WhatsApp Cloud API's own limits) and the accepted types.
MEDIA_MAX_BYTES = {
    "image": env.int("MEDIA_MAX_IMAGE_BYTES", default=5 * 1024 * 1024),
    "video": env.int("MEDIA_MAX_VIDEO_BYTES", default=16 * 1024 * 1024),
    "audio": env.int("MEDIA_MAX_AUDIO_BYTES", default=16 * 1024 * 1024),
    "document": env.int("MEDIA_MAX_DOCUMENT_BYTES", default=100 * 1024 * 1024),
    "sticker": env.int("MEDIA_MAX_STICKER_BYTES", default=500 * 1024),
}
MEDIA_ALLOWED_MIME_TYPES = {
    "image": ["image/jpeg", "image/png", "image/webp", "image/gif"],
    "video": ["video/mp4", "video/3gpp", "video/quicktime", "video/webm"],
    "audio": [
        "audio/aac",
        "audio/amr",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/webm",
        "audio/x-m4a",
        "audio/wav",
    ],
    "document": [
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
        "image/jpeg",
        "image/png",
    ],
    "sticker": ["image/webp", "application/x-tgsticker", "video/webm"],
}
# Web Push to agents' phones and browsers (push/, RFC 8030/8291/8292). Without the private key
# push is off. Keys: `manage.py push_vapid_keys`. The subject is how push services reach us.
WEB_PUSH_VAPID_PRIVATE_KEY = env.str("WEB_PUSH_VAPID_PRIVATE_KEY", default="")
WEB_PUSH_VAPID_SUBJECT = env.str("WEB_PUSH_VAPID_SUBJECT", default="mailto:suporte@localhost")
# Push services a subscription may point at (host suffixes): a subscription is a URL the server
# will POST to, so anything else is refused (SSRF). Plain http is refused too.
WEB_PUSH_SERVICE_HOSTS = env.list(
    "WEB_PUSH_SERVICE_HOSTS",
    default=[
        "fcm.googleapis.com",
        "android.googleapis.com",
        "push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)
WEB_PUSH_TTL_SECONDS = env.int("WEB_PUSH_TTL_SECONDS", default=3600)
# Tests run a fake push service on plain http://127.0.0.1; never on in a deployment.
WEB_PUSH_ALLOW_HTTP_LOOPBACK = False
# Workers look a task's tenant up by schema once per this many seconds, not once per task.
CELERY_TASK_TENANT_CACHE_SECONDS = env.int("CELERY_TASK_TENANT_CACHE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE.update(
    {
        "pipeline-inbox-sweep": {"task": "desk.tasks.inbox_sweep", "schedule": 30.0},
        "pipeline-outbox-sweep": {"task": "desk.tasks.outbox_sweep", "schedule": 30.0},
        "pipeline-inbox-purge": {"task": "desk.tasks.inbox_purge", "schedule": 3600.0},
    }
)


# --- Control plane: status page, probes, SLA, backups, contract end (docs/adr/0030) ---------
from celery.schedules import crontab  # noqa: E402

# Consecutive failed probe checks (30 s apart) before an outage is recorded from the first one.
STATUS_PROBE_FAILURES_TO_OPEN = env.int("STATUS_PROBE_FAILURES_TO_OPEN", default=3)
STATUS_PROBE_TIMEOUT_SECONDS = env.float("STATUS_PROBE_TIMEOUT_SECONDS", default=5.0)
# What the web and API probes fetch; by default this deployment's own public host.
STATUS_PROBE_WEB_URL = env.str("STATUS_PROBE_WEB_URL", default="")
STATUS_PROBE_API_URL = env.str("STATUS_PROBE_API_URL", default="")
STATUS_PROBE_RESULT_RETENTION_DAYS = env.int("STATUS_PROBE_RESULT_RETENTION_DAYS", default=90)
STATUS_QUEUE_LAG_LIMIT_SECONDS = env.int("STATUS_QUEUE_LAG_LIMIT_SECONDS", default=120)
STATUS_WATCHED_QUEUES = env.list("STATUS_WATCHED_QUEUES", default=["celery"])
# Development only: lets status-page webhooks point at private addresses.
STATUS_WEBHOOK_ALLOW_PRIVATE = env.bool("STATUS_WEBHOOK_ALLOW_PRIVATE", default=False)
DASHBOARD_ACTIVE_SESSION_MINUTES = env.int("DASHBOARD_ACTIVE_SESSION_MINUTES", default=15)
# Backups (6.2.14): AES-256-GCM with this 32-byte URL-safe base64 key (a Fernet key works).
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
BACKUP_DIR = env.str("BACKUP_DIR", default=str(BASE_DIR / ".data" / "backups"))
BACKUP_RETENTION_DAYS = env.int("BACKUP_RETENTION_DAYS", default=35)
# Read-only access after the contract ends (6.2.15); never less than 30.
CONTRACT_READ_ONLY_DAYS = env.int("CONTRACT_READ_ONLY_DAYS", default=30)
CELERY_BEAT_SCHEDULE.update(
    {
        "controlplane-probes": {"task": "controlplane.tasks.probes_run", "schedule": 30.0},
        "controlplane-maintenance": {
            "task": "controlplane.tasks.maintenance_advance",
            "schedule": 60.0,
        },
        "controlplane-probe-results-purge": {
            "task": "controlplane.tasks.probe_results_purge",
            "schedule": 86400.0,
        },
        "controlplane-backups": {
            "task": "controlplane.tasks.backups_run",
            "schedule": crontab(hour=2, minute=30),
        },
    }
)


# --- Security policies: lockout, 2FA, reCAPTCHA, field encryption (docs/adr/0020) ---------
# Fernet keys, comma-separated; the first encrypts, all decrypt (rotation: prepend a new key,
# run `manage.py rotate_field_keys`, drop the old one). Required in production.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# HMAC key of the blind indexes (exact lookup of encrypted values). Required in production.
FIELD_BLIND_INDEX_KEY = env.str("FIELD_BLIND_INDEX_KEY", default="")
RECAPTCHA_VERIFY_URL = env.str(
    "RECAPTCHA_VERIFY_URL", default="https://www.google.com/recaptcha/api/siteverify"
)
RECAPTCHA_SCRIPT_URL = env.str(
    "RECAPTCHA_SCRIPT_URL", default="https://www.google.com/recaptcha/api.js"
)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Atendimento Digital")
# django-axes reads each tenant's SecurityPolicy through these callables (security/lockout.py).
AXES_HANDLER = "security.lockout.TenantLockoutHandler"
AXES_FAILURE_LIMIT = "security.lockout.failure_limit"
AXES_COOLOFF_TIME = "security.lockout.failure_window"
AXES_LOCKOUT_PARAMETERS = "security.lockout.lockout_parameters"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "security.lockout.username"
AXES_CLIENT_IP_CALLABLE = "security.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # the access log is security.AccessEvent
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False


# --- Metering and billing: ledger, statements, Stripe (docs/adr/0010, docs/adr/0011) -------
from celery.schedules import crontab as billing_crontab  # noqa: E402

# Who issues the monthly statements (their header, 6.6.4).
BILLING_PROVIDER_NAME = env.str("BILLING_PROVIDER_NAME", default="Atendimento Digital")
BILLING_PROVIDER_CNPJ = env.str("BILLING_PROVIDER_CNPJ", default="")
# A month closes this long after it ends in São Paulo, so messages still in the pipeline at
# midnight are billed in their own month rather than as adjustments.
BILLING_CLOSE_GRACE_HOURS = env.int("BILLING_CLOSE_GRACE_HOURS", default=3)
# Stripe, for tenants invoiced through it. STRIPE_API_BASE points at localstripe in tests.
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)
CELERY_BEAT_SCHEDULE.update(
    {
        "billing-rollups-refresh": {"task": "billing.tasks.rollups_refresh", "schedule": 60.0},
        "billing-rollups-rebuild-open": {
            "task": "billing.tasks.rollups_rebuild_open",
            "schedule": billing_crontab(hour=1, minute=40),
        },
        "billing-periods-close": {
            "task": "billing.tasks.periods_close_due",
            "schedule": billing_crontab(hour=3, minute=15),
        },
        "billing-partitions-ensure": {
            "task": "billing.tasks.partitions_ensure",
            "schedule": billing_crontab(hour=0, minute=50),
        },
    }
)


# --- Analytics: ClickHouse, export from PostgreSQL, reports (docs/adr/0050, 0051) ----------
# CLICKHOUSE_URL (above) names a ClickHouse server; unset, the embedded chDB service that owns
# this folder (python -m analytics.server, started by `make run`).
ANALYTICS_EMBEDDED_PATH = env.str(
    "ANALYTICS_EMBEDDED_PATH", default=str(BASE_DIR / ".data" / "chdb")
)
ANALYTICS_CONNECT_TIMEOUT_SECONDS = env.int("ANALYTICS_CONNECT_TIMEOUT_SECONDS", default=5)
ANALYTICS_QUERY_TIMEOUT_SECONDS = env.int("ANALYTICS_QUERY_TIMEOUT_SECONDS", default=60)
ANALYTICS_EXPORT_INTERVAL_SECONDS = env.int("ANALYTICS_EXPORT_INTERVAL_SECONDS", default=15)
ANALYTICS_EXPORT_BATCH_SIZE = env.int("ANALYTICS_EXPORT_BATCH_SIZE", default=5000)
ANALYTICS_EXPORT_MAX_BATCHES = env.int("ANALYTICS_EXPORT_MAX_BATCHES", default=20)
# A missing id older than this is final (rolled back or deleted): no transaction that writes an
# exported table may stay open longer.
ANALYTICS_EXPORT_SETTLE_SECONDS = env.int("ANALYTICS_EXPORT_SETTLE_SECONDS", default=300)
CELERY_BEAT_SCHEDULE.update(
    {
        "analytics-export": {
            "task": "analytics.tasks.export_all_tenants",
            "schedule": float(ANALYTICS_EXPORT_INTERVAL_SECONDS),
        },
    }
)


# --- Routing and the conversation lifecycle (docs/adr/0060) -------------------------------
# Timers are rows scanned by these sweeps, so they survive worker and beat restarts.
CELERY_BEAT_SCHEDULE.update(
    {
        "routing-queue-sweep": {"task": "routing.tasks.queue_sweep", "schedule": 30.0},
        "routing-inactivity-sweep": {"task": "routing.tasks.inactivity_sweep", "schedule": 60.0},
        "routing-survey-expire": {"task": "routing.tasks.survey_expire", "schedule": 300.0},
    }
)


# --- Live updates (SSE) and the built-in provider simulator (docs/adr/0041, 0042) ---------
# SSE streams: a comment line this often, a reconnect after this long, and how many events per
# tenant are kept for Last-Event-ID resume.
LIVE_HEARTBEAT_SECONDS = env.float("LIVE_HEARTBEAT_SECONDS", default=15.0)
LIVE_MAX_STREAM_SECONDS = env.float("LIVE_MAX_STREAM_SECONDS", default=600.0)
LIVE_REPLAY_SIZE = env.int("LIVE_REPLAY_SIZE", default=500)
# The provider simulator (6.8.5) answers on the public host at /sandbox/<provider>/; sandbox
# channels that name no simulator of their own send there.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
# Seconds after accepting a message until the simulated WhatsApp posts sent, delivered, read.
SANDBOX_STATUS_DELAYS = [
    float(value) for value in env.list("SANDBOX_STATUS_DELAYS", default=["1", "2", "4"])
]
if SANDBOX_ENABLED:
    for _provider in ("whatsapp", "telegram"):
        CHANNELS_SANDBOX_URLS[_provider] = CHANNELS_SANDBOX_URLS[_provider] or (
            f"{CHANNELS_WEBHOOK_BASE_URL.rstrip('/')}/sandbox/{_provider}"
        )

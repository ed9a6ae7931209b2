"""Settings for devopsboard, read from the environment.

Every variable is listed with a comment in `.env.example`. Development defaults are
safe: SQLite under `var/`, Celery tasks in-process, the console email backend.
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Django's technical 404/500 pages, for developers; otherwise the app's own pages even with DEBUG on.
DEBUG_PAGES = env.bool("DJANGO_DEBUG_PAGES", default=False)
# Without DJANGO_SECRET_KEY and with DEBUG off, management commands still run on a throwaway
# key (so `seed_demo` can refuse with its own message and `drf_create_token` works), but
# serving refuses to start (devopsboard/checks.py, called by wsgi.py and asgi.py) and
# `check --deploy` reports devopsboard.E001. The development key only ever exists with DEBUG on.
SECRET_KEY_MISSING = not DEBUG and not env.str("DJANGO_SECRET_KEY", default="")
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (
    "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz" if DEBUG else secrets.token_urlsafe(50)
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_prometheus",
    "django_structlog",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "devopsboard",
    "core",
    "teams",
    "tokens",
    "kanban",
    "postmortems",
    "retros",
    "integrations",
    "dashboard",
    "notifications",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "devopsboard.logging.ShortRequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "devopsboard.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "devopsboard.middleware.ServiceUnavailableMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "teams.profile.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "devopsboard.logging.TeamLogContextMiddleware",
    "teams.audit.AuditContextMiddleware",
    "devopsboard.middleware.ProductErrorPagesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "devopsboard.urls"
WSGI_APPLICATION = "devopsboard.wsgi.application"
CSRF_FAILURE_VIEW = "devopsboard.views.csrf_failure"

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
                "csp.context_processors.nonce",
                "teams.context_processors.current_team",
                "teams.context_processors.accounts",
            ],
        },
    },
]

# Databases: SQLite under var/ unless DATABASE_URL is set (PostgreSQL in CI and production).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'devopsboard.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
    _db["ENGINE"] = "django_prometheus.db.backends.postgresql"
    _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    # Server-side prepared statements for the few hot statements that bind on the server (the
    # webhook INSERT, prepared on first use); Django's own queries bind on the client and never
    # prepare. DATABASE_PREPARE_THRESHOLD=none behind a transaction-mode pooler older than PgBouncer 1.21.
    _prepare = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
    if _prepare not in ("", "none", "off") and not _prepare.isdigit():
        raise ImproperlyConfigured(f"DATABASE_PREPARE_THRESHOLD is {_prepare!r}: set a whole number or none.")
    _db["OPTIONS"]["prepare_threshold"] = None if _prepare in ("", "none", "off") else int(_prepare)
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["ENGINE"] = "django_prometheus.db.backends.sqlite3"
    # WAL and a busy timeout let the web process and in-process tasks share the file. Transactions
    # take the write lock when they begin (IMMEDIATE): a deferred one that upgrades to a write while
    # another writer holds the lock fails at once with "database is locked" instead of waiting.
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, keeping sign-in's rate limits and spent codes in the process while Redis is down.
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis costs a request at most a second, never a hang (the login limiter degrades).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Room for the retro ballot boxes (retros/ballot.py): the default 300 entries would cull open contributions.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "devopsboard",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# Sessions: read from the shared cache, written through to the database (the truth): a request of a logged-in
# person reads no session row. Without Redis each process's cache would be its own, so the database alone.
# With Redis down a session is read from the database (core/sessions.py), so login still works.
SESSION_ENGINE = "core.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# A team's home page (Team.get_absolute_url): its dashboard.
TEAM_HOME_URL_NAME = "dashboard:home"
# The `(user, team_slug) -> membership` lookup (404 for a non-member) behind every team-scoped API viewset.
TEAM_MEMBERSHIP_LOOKUP = "teams.access.get_membership_or_404"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Failed logins allowed inside the window per username from one client address (usernames are counted
# NFKC-normalised and case-folded), and per client address across all usernames.
LOGIN_RATE_LIMIT = env.int("LOGIN_RATE_LIMIT", default=5)
LOGIN_RATE_LIMIT_PER_ADDRESS = env.int("LOGIN_RATE_LIMIT_PER_ADDRESS", default=20)
LOGIN_RATE_WINDOW = env.int("LOGIN_RATE_WINDOW", default=300)
# Proxies in front of the app that append to X-Forwarded-For (a load balancer and an ingress: 2).
# 0 trusts no header: the client address is REMOTE_ADDR (rate limits and the audit trail use it).
TRUSTED_PROXY_HOPS = env.int("DJANGO_TRUSTED_PROXY_HOPS", default=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Our own date formats replace the locale's: one format on every page (devopsboard/formats/en).
FORMAT_MODULE_PATH = ["devopsboard.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Email: console by default, SMTP when EMAIL_URL is set (smtp+tls://user:pass@host:587).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="devopsboard@localhost")

# Accounts (django-allauth). Who may create an account: `invitation` (only from a team's invitation,
# the default), `open` (anyone), `sso` (only through GitHub or OpenID Connect sign-in).
SIGNUP_POLICY = env.str("SIGNUP_POLICY", default="invitation")
if SIGNUP_POLICY not in ("invitation", "open", "sso"):
    raise ImproperlyConfigured(f"SIGNUP_POLICY is {SIGNUP_POLICY!r}: set invitation, open or sso.")
ACCOUNT_ADAPTER = "teams.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "teams.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "teams.forms.LoginForm", "signup": "teams.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Addresses are verified by mail when mail is configured; without mail there is nothing to send.
ACCOUNT_EMAIL_VERIFICATION = "optional" if env.str("EMAIL_URL", default="") else "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# Failed logins are limited by teams/login_limits.py, which keeps working while Redis is down and keys
# on the normalised username and the address together; allauth's own login limits would need the cache.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": None}
# A social sign-in whose provider vouches for the address joins the account that has it (verified).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS: dict = {}
# Where the sign-in providers' authorize pages are: our "Log in with ..." form posts to us and is redirected
# there, and CSP's form-action applies to that redirect too (Chromium refused it with only 'self').
SSO_ORIGINS: list[str] = []


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Sign in with GitHub: an OAuth app's id and secret; GITHUB_URL for GitHub Enterprise Server.
if env.str("GITHUB_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env.str("GITHUB_CLIENT_ID"), "secret": env.str("GITHUB_CLIENT_SECRET", default="")}],
        "SCOPE": ["read:user", "user:email"],
        **({"GITHUB_URL": env.str("GITHUB_URL")} if env.str("GITHUB_URL", default="") else {}),
    }
    SSO_ORIGINS.append(_origin(env.str("GITHUB_URL", default="https://github.com")))
# Where GitHub serves people's pictures: a GitHub-linked account's avatar is shown from there (the CSP allows
# these origins for images and no other), GitHub Enterprise Server's own origin included.
AVATAR_ORIGINS = ["https://avatars.githubusercontent.com"]
if env.str("GITHUB_URL", default=""):
    AVATAR_ORIGINS.append(_origin(env.str("GITHUB_URL")))
# Sign in with any OpenID Connect provider (Okta, Entra ID, Keycloak, Google Workspace): the issuer (where
# /.well-known/openid-configuration is), the client registered there, and the button's label.
if env.str("OIDC_CLIENT_ID", default=""):
    if not env.str("OIDC_SERVER_URL", default=""):
        raise ImproperlyConfigured("OIDC_CLIENT_ID is set without OIDC_SERVER_URL: set the provider's issuer URL.")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "oidc",
                "name": env.str("OIDC_NAME", default="Single sign-on"),
                "client_id": env.str("OIDC_CLIENT_ID"),
                "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": env.str("OIDC_SERVER_URL")},
            }
        ]
    }
    SSO_ORIGINS.append(_origin(env.str("OIDC_SERVER_URL")))
MFA_ADAPTER = "teams.adapters.MFAAdapter"
# Wrong second-factor codes are limited like wrong passwords (allauth's limit is its login_failed rate, off above).
MFA_FORMS = {"authenticate": "teams.forms.TwoFactorForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="devopsboard")
# Passkeys and security keys need https, or http://localhost (a secure context, which fido2 accepts too): no
# switch that would skip the origin check (MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN) is needed, even in development.
# Browsers refuse WebAuthn on an IP address: open `make run` as http://localhost:8000 to try them.

# The address people and GitHub reach this app at: used in the webhook URL `github_connect` prints.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# GitHub client: requests kept in reserve below the rate limit, retries of 5xx/timeouts in the
# client (Celery retries again on top), backoff base in seconds, pause between requests
# (GitHub asks for serial requests), and the per-request timeout in seconds.
GITHUB_RATE_LIMIT_RESERVE = env.int("GITHUB_RATE_LIMIT_RESERVE", default=100)
GITHUB_GRAPHQL_RESERVE = env.int("GITHUB_GRAPHQL_RESERVE", default=50)
GITHUB_RETRIES = env.int("GITHUB_RETRIES", default=3)
GITHUB_RETRY_BACKOFF = env.float("GITHUB_RETRY_BACKOFF", default=1.0)
GITHUB_SECONDS_BETWEEN_REQUESTS = env.float("GITHUB_SECONDS_BETWEEN_REQUESTS", default=0.25)
GITHUB_TIMEOUT = env.float("GITHUB_TIMEOUT", default=20)

# Every URL the app fetches goes through core/outbound.py: https only unless OUTBOUND_ALLOW_HTTP, never
# a loopback, private, link-local or otherwise internal address unless OUTBOUND_ALLOWED_HOSTS lists the
# host or its network (comma-separated hosts, addresses, CIDRs: GitHub Enterprise on a private network).
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
OUTBOUND_ALLOW_HTTP = env.bool("OUTBOUND_ALLOW_HTTP", default=False)
# Seconds to connect, and for a whole request: well under gunicorn's 30 s worker timeout (gunicorn.conf.py).
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=3)
OUTBOUND_TIMEOUT = env.float("OUTBOUND_TIMEOUT", default=10)
OUTBOUND_MAX_BYTES = env.int("OUTBOUND_MAX_BYTES", default=20 * 1024 * 1024)
# Days raw webhook payloads are kept; the rows they produced stay.
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=14)
# Days stored webhook deliveries (the log, once processed) and Alertmanager notifications' bodies are kept.
INTAKE_RETENTION_DAYS = env.int("INTAKE_RETENTION_DAYS", default=30)

# Secrets at rest (tokens, keys, webhook secrets): Fernet keys, newest first, comma-separated.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])

# Security. Production (DEBUG off) gets HTTPS-only cookies, HSTS and a strict CSP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# DJANGO_SECURE_SSL_REDIRECT=0 is for a TLS-terminating proxy that redirects http to https itself;
# its X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) still marks requests secure, so the redirect
# check (security.W008) has nothing left to warn about.
SILENCED_SYSTEM_CHECKS = [] if SECURE_SSL_REDIRECT else ["security.W008"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *AVATAR_ORIGINS],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *SSO_ORIGINS],
    }
}

# REST API
REST_FRAMEWORK = {
    # Token first: DRF answers a failed authentication with the first class's challenge, so a bad
    # token gets 401 with `WWW-Authenticate: Token` (session auth has no challenge: it would be 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "devopsboard.api.exception_handler",
    # JSON only, as the schema documents every request body (a form cannot say null or nest a list).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "devopsboard API",
    "DESCRIPTION": "Boards, postmortems, retros and GitHub data of your teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Deep links put a link inside each operation's toggle button (nested controls confuse screen readers).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "COMPONENT_SPLIT_REQUEST": True,
    # A retro's `phase` and the phase step's `to` are one enum.
    "ENUM_NAME_OVERRIDES": {"PhaseEnum": "retros.models.Phase", "EventEnum": "core.events.Event"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "devopsboard.schema.document_common_errors",
    ],
}

# Celery: Redis when REDIS_URL is set; otherwise tasks run in-process (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Fixed periodic tasks (the GitHub sync schedule is Repository.next_sync_at, read by github.sync_due).
CELERY_BEAT_SCHEDULE = {
    "prune-audit-events": {"task": "teams.prune_audit_events", "schedule": 24 * 3600},
    "kanban-archive-done-cards": {"task": "kanban.archive_done_cards", "schedule": 3600},
    # Webhooks (issue 5): pick up deliveries the broker or a worker missed; ask GitHub for failed ones; prune.
    "webhooks-sweep": {"task": "webhooks.sweep_deliveries", "schedule": 60},
    "webhooks-reconcile": {"task": "webhooks.reconcile_all", "schedule": 15 * 60},
    "webhooks-prune": {"task": "webhooks.prune_deliveries", "schedule": 24 * 3600},
    # GitHub sync: one task starts the syncs that are due (Repository.next_sync_at); no row per repository.
    "github-sync-due": {"task": "github.sync_due", "schedule": 60},
    # Postmortems (issue 11): daily e-mail about overdue action items; notifications the broker lost.
    "postmortems-remind-action-owners": {"task": "postmortems.remind_action_owners", "schedule": 24 * 3600},
    "postmortems-process-pending-alerts": {"task": "postmortems.process_pending_alerts", "schedule": 60},
    "postmortems-prune-alert-bodies": {"task": "postmortems.prune_alert_bodies", "schedule": 24 * 3600},
    # Notifications (issue 23): action items coming due or overdue (daily), GitHub syncs failing for over an hour.
    "notifications-announce-action-items": {"task": "notifications.announce_action_items", "schedule": 24 * 3600},
    "notifications-announce-failing-syncs": {"task": "notifications.announce_failing_syncs", "schedule": 600},
    "dashboard-send-weekly-digests": {"task": "dashboard.send_weekly_digests", "schedule": 3600},
}

# Notifications (issue 23): a failed send to a channel is tried again 3 times, after about 15 s, 30 s and 60 s.
NOTIFICATIONS_RETRY_SECONDS = 15

# Logging: JSON lines with a request id on every line (django-structlog), in Celery tasks too.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Keep the id a proxy or load balancer assigned (X-Request-ID), so its logs and ours correlate.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# django-structlog would load the user row on every request to log its id; devopsboard.logging binds the
# session's user id instead (a live poll reads no table).
DJANGO_STRUCTLOG_USER_ID_FIELD = None
from devopsboard.logging import configure_logging  # noqa: E402

LOGGING = configure_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)

PROMETHEUS_METRIC_NAMESPACE = ""
# What Prometheus sends to /metrics as `Authorization: Bearer <token>`; with DEBUG off and none set, /metrics is closed.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# The release this process runs (the image's tag); /healthz names it, so a deploy can tell who answers.
APP_RELEASE = env.str("APP_RELEASE", default="dev")

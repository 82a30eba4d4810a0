"""Ville Solidaire settings.

Every setting that differs between a laptop and production comes from an environment
variable; docs/configuration.md lists them all. There is no separate production file:
production is this file plus its environment.
"""

import ipaddress
import os
import re
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.capacity import max_in_flight
from config.env import dev_address, development_machine, env_bool, env_int, env_list, env_str
from config.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VS_VAR_DIR", str(BASE_DIR / "var")))

# deploy/env.example marks with CHANGE_ME what each town must fill in: a copy left as is never runs.
_unfilled = sorted(
    name
    for name, value in os.environ.items()
    if "CHANGE_ME" in value and name.startswith(("DJANGO_", "VS_", "DATABASE_", "SENTRY_"))
)
if _unfilled:
    raise ImproperlyConfigured(f"Replace CHANGE_ME in {', '.join(_unfilled)} (docs/deployment.md).")

# Off unless DJANGO_DEBUG says otherwise, or on a development machine (no DATABASE_URL, no secret
# key: config/env.py development_machine), so that `manage.py` works there from a plain shell.
DEBUG = env_bool("DJANGO_DEBUG", development_machine())
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

# In development, also the host VS_BIND serves (a phone on the same network reaches the laptop).
_DEV_HOSTS = ",".join(["127.0.0.1", "localhost", dev_address().rsplit(":", 1)[0].strip("[]")])
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", _DEV_HOSTS if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Absolute URL of the site, used in links sent by e-mail and SMS (magic links, accept links) and
# printed by demo_logins; by default the address VS_BIND serves.
SITE_URL = env_str("VS_SITE_URL", f"http://{dev_address()}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "phonenumber_field",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "villesolidaire.core",
    "villesolidaire.accounts",
    "villesolidaire.territory",
    "villesolidaire.crises",
    "villesolidaire.help_requests",
    "villesolidaire.residents",
    "villesolidaire.volunteers",
    "villesolidaire.matching",
    "villesolidaire.missions",
    "villesolidaire.surveys",
    "villesolidaire.notifications",
    "villesolidaire.reporting",
    "villesolidaire.operations",
    "villesolidaire.audit",
    "villesolidaire.register",
    "villesolidaire.campaigns",
    "villesolidaire.partners",
    "villesolidaire.trainings",
    "villesolidaire.needs",
    "villesolidaire.neighbours",
    "villesolidaire.telephony",
    "villesolidaire.api",
    "villesolidaire.demo",
]

# A form sent with a stale security token gets a French page with the way back (web/views.py).
CSRF_FAILURE_VIEW = "villesolidaire.web.views.csrf_failure"

MIDDLEWARE = [
    # First: request id, access log line and request metrics for every answer (docs/operations.md).
    "villesolidaire.core.observability.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, authentication and any database access: past VS_MAX_IN_FLIGHT requests in
    # flight, answer 503 at once and keep what was typed (decision 0011). Static files are served above.
    "villesolidaire.core.shedding.LoadSheddingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out staff login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

# models.W040: SQLite has no INCLUDE columns in indexes. The bilan's covering indexes
# (volunteers.0008_bilan_indexes) are for PostgreSQL; on SQLite they are plain indexes, on purpose.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "villesolidaire" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "villesolidaire.web.context_processors.town",
            ],
        },
    },
]

# Every form field renders through components/field.html ({{ form.x.as_field_group }}).
FORM_RENDERER = "villesolidaire.core.renderers.FormRenderer"

# Embedded SQLite by default so `make run` needs no server; PostgreSQL in production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'villesolidaire.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the task worker use the file at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    pg_settings = []
    if not env_bool("DATABASE_PG_JIT", False):
        # PostgreSQL's JIT compiles any query whose estimated cost is high, which the bilan's history
        # subqueries always are: 250 ms of compilation for 100 ms of work (docs/benchmarks.md). Short
        # web queries never gain from it; DATABASE_PG_JIT=true gives it back (e.g. a reporting replica).
        pg_settings.append("jit=off")
    random_page_cost = os.environ.get("DATABASE_PG_RANDOM_PAGE_COST", "").strip()
    if random_page_cost:
        # The planner's price of a page read out of order (the server's own by default). 1.1 made
        # the bilan read its covering indexes (-90 ms at 100,000) but the full matching ranking
        # and the need selection 2x slower: not set by default until scoped (decision 0018).
        float(random_page_cost)  # a typo fails at start, not on each connection
        pg_settings.append(f"random_page_cost={random_page_cost}")
    if pg_settings:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(f"-c {item}" for item in pg_settings)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses a password login that is locked out (decision 0010).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Volunteers sign in with magic links (django-sesame): no password. A link works once (signing
# in changes last_login, which sesame signs) and for a few minutes.
SESAME_MAX_AGE = 60 * env_int("VS_MAGIC_LINK_MAX_AGE_MINUTES", 30)
SESAME_ONE_TIME = True
SESAME_TOKEN_NAME = "jeton"

# Staff password login lock-out (django-axes, decision 0010): after VS_LOGIN_FAILURE_LIMIT failed
# passwords for one e-mail from one address, that pair waits VS_LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = env_int("VS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("VS_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "villesolidaire.core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "villesolidaire.accounts.views.locked_out"
# Only password logins count: a magic link carries no user name and has limits of its own.
AXES_WHITELIST_CALLABLE = "villesolidaire.accounts.views.not_a_password_login"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Staff second factor (django-otp).
OTP_TOTP_ISSUER = env_str("VS_OTP_ISSUER", "Ville Solidaire")

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("VS_TESTING", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background work (Django Tasks API). Database backend by default; see docs/configuration.md.
_tasks_backend = env_str("VS_TASKS_BACKEND", "villesolidaire.core.tenancy.TownDatabaseBackend")
TASKS = {
    "default": {
        # Our subclass of django-tasks' database backend: same queue, and each task carries its town
        # when one deployment serves many (core.tenancy, decision 0014).
        "BACKEND": _tasks_backend,
        "QUEUES": ["default"],
    }
}
# Past one machine (docs/scaling.md): the queue on Redis, VS_TASKS_BACKEND=villesolidaire.core.rq_tasks.TownRQBackend,
# run by `manage.py rqworker --with-scheduler default` (the scheduler runs the deferred tasks: retries, expiries).
VS_TASKS_REDIS_URL = env_str("VS_TASKS_REDIS_URL", "")
if _tasks_backend.endswith("RQBackend"):
    if not VS_TASKS_REDIS_URL:
        raise ImproperlyConfigured("VS_TASKS_BACKEND on Redis needs VS_TASKS_REDIS_URL (redis://…/N).")
    # For its commands (`rqworker`, `rqstats`). Not its admin dashboard: it lists the host's one queue,
    # every town's tasks, to whoever may open a town's admin.
    INSTALLED_APPS.append("django_rq")
    RQ_SHOW_ADMIN_LINK = False
if VS_TASKS_REDIS_URL:
    # A task may run as long as a town's backup; RQ would stop it after 180 s by default.
    RQ_QUEUES = {"default": {"URL": VS_TASKS_REDIS_URL, "DEFAULT_TIMEOUT": env_int("VS_TASKS_TIMEOUT", 3600)}}
    # The worker runs django-tasks' Task objects through django-tasks-rq's job class, in its own process.
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job", "WORKER_CLASS": "villesolidaire.core.rq_tasks.TownWorker"}

# E-mail through Django's mail backends; SMS through our own interface (notifications.sms).
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Ville Solidaire <ne-pas-repondre@example.org>")
SMS_BACKEND = env_str("VS_SMS_BACKEND", "villesolidaire.notifications.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env_str("VS_SMS_FILE_PATH", str(VAR_DIR / "sms"))
SMS_SENDER = env_str("VS_SMS_SENDER", "MAIRIE")
BREVO_API_KEY = env_str("VS_BREVO_API_KEY", "")
BREVO_API_URL = env_str("VS_BREVO_API_URL", "https://api.brevo.com/v3")
NOTIFICATION_MAX_ATTEMPTS = env_int("VS_NOTIFICATION_MAX_ATTEMPTS", 5)
# Shared secret of the SMS reply webhook of the campaigns (/webhooks/sms-campagnes/<token>/ or the
# X-VS-Token header). Empty: the webhook answers 404 to everyone.
VS_SMS_INBOUND_TOKEN = env_str("VS_SMS_INBOUND_TOKEN", "")

# Geocoding: offline BAN index by default, Géoplateforme (same API as the national geocoder) optional.
GEOCODER_BACKEND = env_str("VS_GEOCODER", "offline")
GEOCODER_URL = env_str("VS_GEOCODER_URL", "https://data.geopf.fr/geocodage")
GEOCODER_TIMEOUT = env_int("VS_GEOCODER_TIMEOUT", 3)

# Rows per page of every paginated list (core.pagination.paginate).
VS_PAGE_SIZE = env_int("VS_PAGE_SIZE", 50)
if VS_PAGE_SIZE < 1:
    raise ImproperlyConfigured("VS_PAGE_SIZE must be at least 1.")

# Public figures page (/chiffres/, reporting.public): a count strictly between 0 and this threshold is
# shown « moins de N » (small-cell rule). A safeguard, not branding: set here, not in the town's form.
VS_PUBLIC_MIN_CELL = env_int("VS_PUBLIC_MIN_CELL", 5)
if not 3 <= VS_PUBLIC_MIN_CELL <= 20:
    raise ImproperlyConfigured("VS_PUBLIC_MIN_CELL must lie between 3 and 20.")

# Matching: how long volunteers have to answer a proposal before the coordinator is alerted.
PROPOSAL_RESPONSE_DELAY_HOURS = env_int("VS_PROPOSAL_RESPONSE_DELAY_HOURS", 24)
# No-login links (offers, invitations, shift sign-ups, a support's report pages): how long a link
# still opens its page after its use ended (the accepted offer shows the person's contact details
# this long; a support's link works this long after the support ended), and the age after which
# an invitation link or a support's link expires.
VS_LINK_GRACE_HOURS = env_int("VS_LINK_GRACE_HOURS", 48)
VS_LINK_MAX_AGE_DAYS = env_int("VS_LINK_MAX_AGE_DAYS", 30)

# Volunteers inactive this many months get a notice, then are anonymised this many days later
# unless they come back (`manage.py anonymise_inactive_volunteers`, docs/volunteers.md).
VS_VOLUNTEER_INACTIVE_MONTHS = env_int("VS_VOLUNTEER_INACTIVE_MONTHS", 24)
if not 6 <= VS_VOLUNTEER_INACTIVE_MONTHS <= 120:
    raise ImproperlyConfigured("VS_VOLUNTEER_INACTIVE_MONTHS must lie between 6 and 120 months.")
VS_VOLUNTEER_NOTICE_DAYS = env_int("VS_VOLUNTEER_NOTICE_DAYS", 30)
if not 7 <= VS_VOLUNTEER_NOTICE_DAYS <= 365:
    raise ImproperlyConfigured("VS_VOLUNTEER_NOTICE_DAYS must lie between 7 and 365 days.")

# Register of vulnerable people (docs/decisions/0005). Identifying fields are encrypted with
# these Fernet keys, comma-separated, newest first: the first encrypts, all decrypt. Generate
# one with `python manage.py generate_data_key`. Required in production, like the secret key.
VS_DATA_KEYS = env_list("VS_DATA_KEYS", "")
if not VS_DATA_KEYS:
    if not (DEBUG or env_bool("VS_TESTING", False)):
        raise ImproperlyConfigured("VS_DATA_KEYS must be set when DJANGO_DEBUG is off (see docs/configuration.md).")
    # Development and tests only: a fixed, public key. Never use it for real data.
    VS_DATA_KEYS = ["ZGV2LWtleS1uZXZlci1mb3ItcmVhbC1kYXRhLTAwMDE="]
# Pre-registrations transmitted by the département (APA/PCH) or the CARSAT: days the person has
# to object after the information letter before being registered (L121-6-1 I al. 3).
VS_REGISTER_OBJECTION_DAYS = env_int("VS_REGISTER_OBJECTION_DAYS", 30)
if not 8 <= VS_REGISTER_OBJECTION_DAYS <= 365:
    raise ImproperlyConfigured("VS_REGISTER_OBJECTION_DAYS must lie between 8 and 365 days.")
# Removed entries (R121-11): the erased row stays as the proof of the removal (date, reason) for
# this many days after the removal, then `manage.py purge_register` deletes it (docs/register.md).
VS_REGISTER_REMOVED_PURGE_DAYS = env_int("VS_REGISTER_REMOVED_PURGE_DAYS", 365)
if not 30 <= VS_REGISTER_REMOVED_PURGE_DAYS <= 1825:
    raise ImproperlyConfigured("VS_REGISTER_REMOVED_PURGE_DAYS must lie between 30 and 1825 days.")
# Call logs of campaigns: days after a campaign's closing before `manage.py purge_campaign_call_logs`
# detaches its calls from the register and empties what callers typed (docs/campaigns.md).
VS_CAMPAIGN_CALL_LOG_DAYS = env_int("VS_CAMPAIGN_CALL_LOG_DAYS", 90)
if not 7 <= VS_CAMPAIGN_CALL_LOG_DAYS <= 365:
    raise ImproperlyConfigured("VS_CAMPAIGN_CALL_LOG_DAYS must lie between 7 and 365 days.")
# How long the append-only audit log is kept (CNIL: 6 to 12 months), in days.
VS_AUDIT_RETENTION_DAYS = env_int("VS_AUDIT_RETENTION_DAYS", 365)
if not 183 <= VS_AUDIT_RETENTION_DAYS <= 366:
    raise ImproperlyConfigured("VS_AUDIT_RETENTION_DAYS must lie between 183 and 366 days (CNIL: 6 to 12 months).")

# Backups (`make backup`, `manage.py backup`): dumps and their manifests; docs/operations.md.
VS_BACKUP_DIR = Path(env_str("VS_BACKUP_DIR", str(VAR_DIR / "backups")))

# Limits per client (decision 0010, docs/configuration.md): "count/period" (s, m, h, d) per client
# address, and per recipient (e-mail or mobile typed) for the `_recipient` ones. Over a limit the
# page answers 429 with Retry-After and keeps what was typed.
VS_LIMITS = {
    "public_form": env_str("VS_LIMIT_PUBLIC_FORM", "20/h"),
    "public_form_recipient": env_str("VS_LIMIT_PUBLIC_FORM_RECIPIENT", "5/h"),
    "magic_link": env_str("VS_LIMIT_MAGIC_LINK", "10/h"),
    "magic_link_recipient": env_str("VS_LIMIT_MAGIC_LINK_RECIPIENT", "3/h"),
    "sms_webhook": env_str("VS_LIMIT_SMS_WEBHOOK", "300/m"),
}
for _name, _rate in VS_LIMITS.items():
    if not re.fullmatch(r"\d+/[smhd]", _rate.strip()):
        raise ImproperlyConfigured(f"VS_LIMITS {_name}={_rate!r}: expected count/period, such as 10/h.")
# The reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
# Empty: the connection's address is the client's, whatever the headers say.
VS_TRUSTED_PROXIES = env_list("VS_TRUSTED_PROXIES", "")
for _proxy in VS_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"VS_TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from exc
# Counters of the limits: in each process's memory by default; a Redis URL shares them between the
# web workers and servers (needs the `redis` package).
_limits_cache = env_str("VS_LIMITS_CACHE_URL", "")
# The default cache (the public figures page) in each process's memory, or shared on Redis by every
# server (docs/scaling.md). Shared, it also holds the sessions in front of the database (cached_db):
# a session read costs no query, and a logout seen by one server is seen by all.
VS_CACHE_URL = env_str("VS_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": VS_CACHE_URL}
        if VS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "limits": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _limits_cache}
        if _limits_cache
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}
    ),
}

# Load shedding (decision 0011, docs/operations.md « Surges »): requests in flight per web process
# beyond which a request is answered 503 at once (0: off, the default with DEBUG on), and the
# seconds a refused person is asked to wait (Retry-After, plus up to half as much again at random).
VS_MAX_IN_FLIGHT = max_in_flight(DEBUG)
if VS_MAX_IN_FLIGHT < 0:
    raise ImproperlyConfigured("VS_MAX_IN_FLIGHT must be 0 (off) or more.")
# A server that refuses every request (the refusal page, with what was typed): the one nginx sends
# the requests it turns away to (deploy/nginx, docs/deployment.md « Surges behind nginx »).
VS_SHED_EVERY_REQUEST = env_bool("VS_SHED_EVERY_REQUEST", False)
VS_SHED_RETRY_AFTER = env_int("VS_SHED_RETRY_AFTER", 10)
if not 1 <= VS_SHED_RETRY_AFTER <= 3600:
    raise ImproperlyConfigured("VS_SHED_RETRY_AFTER must lie between 1 and 3600 seconds.")
# Bench only: routes /banc-essai/ to the bare views of bench/bare_views.py (bench/signup.py sets it).
VS_BENCH_VIEWS = env_bool("VS_BENCH_VIEWS", False)

# Sessions in the database (Django's default); with a shared cache, read through it. Never with the
# per-process cache: a session ended in one process would stay valid in the others' copies.
if VS_CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Security. `manage.py check --deploy` is clean with the production variables (docs/configuration.md).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("VS_SESSION_AGE", 8 * 3600)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Every asset is served locally: the policy allows nothing from another origin.
# Public map (partners app): tile server, e.g. https://tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png.
# Empty: no tiles, markers on a plain background; the list view works either way.
VS_MAP_TILES_URL = env_str("VS_MAP_TILES_URL", "")
VS_MAP_TILES_ATTRIBUTION = env_str("VS_MAP_TILES_ATTRIBUTION", "© les contributeurs d'OpenStreetMap")


def _tile_origin(url: str) -> list[str]:
    """The CSP source of the tile server ({s} subdomains become a wildcard)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_origin(VS_MAP_TILES_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# The API (docs/api.md, decision 0020): API keys only (no session, so no CSRF to pass), French
# errors with field paths, per-key limits on the « limits » cache, pages of 50 rows.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["villesolidaire.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["villesolidaire.api.permissions.KeyHasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["villesolidaire.api.throttling.PerKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anonymous": env_str("VS_API_ANONYMOUS_RATE", "60/min")},
    "DEFAULT_PAGINATION_CLASS": "villesolidaire.api.pagination.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["villesolidaire.api.filters.ApiFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "villesolidaire.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "villesolidaire.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API de Ville Solidaire",
    "DESCRIPTION": "Lire et écrire les objets principaux depuis les autres outils de la commune. "
    "Clé d'application dans l'en-tête `Authorization: Bearer …` ; voir docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "villesolidaire.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "HelpRequestStatusEnum": "villesolidaire.help_requests.enums.Status",
        "VolunteerStatusEnum": "villesolidaire.volunteers.enums.Status",
        "SupportStatusEnum": "villesolidaire.missions.enums.SupportStatus",
        "MissionStatusEnum": "villesolidaire.missions.enums.MissionStatus",
        "NeedStatusEnum": "villesolidaire.needs.models.NeedStatus",
        "LanguageEnum": "villesolidaire.api.schema.LANGUAGE_CHOICES",
        "EngagementDomainEnum": "villesolidaire.api.schema.DOMAIN_CHOICES",
    },
}

# Logs on standard output: one JSON object per line in production, text in development
# (VS_LOG_FORMAT=json|text); every line carries the request id (core/observability.py).
VS_LOG_FORMAT = env_str("VS_LOG_FORMAT", "text" if DEBUG else "json")
if VS_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("VS_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # request ids on every line; no key of a no-login link in the log (villesolidaire/core/redaction.py).
    "filters": {
        "request_id": {"()": "villesolidaire.core.observability.RequestIdFilter"},
        "redact_link_keys": {"()": "villesolidaire.core.redaction.RedactLinkKeys"},
    },
    "formatters": {
        "json": {"()": "villesolidaire.core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": VS_LOG_FORMAT,
            "filters": ["request_id", "redact_link_keys"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Our access line replaces runserver's, which writes the query string (tokens of links).
        "django.server": {"level": "WARNING"},
        # fpdf2's font subsetting logs every glyph at INFO: keep the server log readable.
        "fontTools": {"level": "WARNING"},
    },
}

# Operations: health endpoint /sante/ and metrics /metriques/ (docs/operations.md, « Monitoring »).
# The health check fails when more tasks than this wait for the worker (0: not checked)…
VS_HEALTH_MAX_QUEUE_DEPTH = env_int("VS_HEALTH_MAX_QUEUE_DEPTH", 1000)
# …or when no worker ran the heartbeat task (`manage.py worker_heartbeat`, every minute) for this many seconds.
VS_HEALTH_WORKER_MAX_AGE = env_int("VS_HEALTH_WORKER_MAX_AGE", 300)
# Who may scrape /metriques/: a bearer token, and/or addresses or networks (comma-separated). Neither: 404.
VS_METRICS_TOKEN = env_str("VS_METRICS_TOKEN", "")
VS_METRICS_ALLOWED_IPS = env_list("VS_METRICS_ALLOWED_IPS", "")
for _network in VS_METRICS_ALLOWED_IPS:
    try:
        ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"VS_METRICS_ALLOWED_IPS: {_network!r} is not an address or a network.") from exc
# Gunicorn with several workers: a folder, emptied at each start, where they share their counters.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
# Load balancers and scrapers may probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^sante/$", r"^metriques/$"]

# Error reporting (Sentry or GlitchTip): off unless SENTRY_DSN is set; no personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN", "")
init_sentry(SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"))

# Many towns on one deployment (decision 0014, docs/hosting.md): one PostgreSQL schema per town,
# chosen by the request's host name (django-tenants). Off by default: SQLite and single-town
# PostgreSQL installations hold one town in the default schema and need nothing of this.
VS_MULTI_TOWN = env_bool("VS_MULTI_TOWN", False)
if VS_MULTI_TOWN:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("VS_MULTI_TOWN needs PostgreSQL (DATABASE_URL=postgres://…).")
    DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
    DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
    TENANT_MODEL = "hosting.Tenant"
    TENANT_DOMAIN_MODEL = "hosting.Domain"
    # New towns are cloned from this schema, kept migrated with the towns (`manage.py create_town`).
    TENANT_BASE_SCHEMA = "town_template"
    TENANT_CREATION_FAKES_MIGRATIONS = True
    # `SET search_path` once when the connection changes town (and after a rollback), not before every
    # statement: otherwise every query is two round trips. It needs PgBouncer in session mode.
    TENANT_LIMIT_SET_CALLS = True
    PUBLIC_SCHEMA_URLCONF = "config.urls_host"
    # The host's own tables, in `public`: the towns and their domains, the host operators (their own
    # accounts, sessions, second factors and lock-outs) and the one task queue of the host.
    SHARED_APPS = [
        "django_tenants",
        "villesolidaire.hosting",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "django.contrib.humanize",
        "django.forms",
        "django_otp",
        "django_otp.plugins.otp_totp",
        "django_otp.plugins.otp_static",
        "django_tasks",
        "django_tasks_db",
        "axes",
        "villesolidaire.core",
        "villesolidaire.accounts",
        # The Redis queue's app (its commands), when VS_TASKS_BACKEND is on Redis: the host's.
        *(["django_rq"] if "django_rq" in INSTALLED_APPS else []),
    ]
    # Every town's schema: all of the project, and its own users, sessions, second factors, lock-outs.
    # Not the host's own: the task queue and the workers' heartbeats (`core`) exist once, in public;
    # a copy in a town's schema would hide them from that town (the search path reads the town first).
    HOST_ONLY_APPS = {"django_tasks", "django_tasks_db", "villesolidaire.core", "django_rq"}
    TENANT_APPS = [app for app in INSTALLED_APPS if app not in HOST_ONLY_APPS]
    INSTALLED_APPS = SHARED_APPS + [app for app in INSTALLED_APPS if app not in SHARED_APPS]
    # Before anything reads the database: the host name picks the town (an unknown host gets a 404).
    MIDDLEWARE.insert(1, "villesolidaire.hosting.middleware.TownMiddleware")
    # Cache keys and uploaded files carry the town's schema.
    for _cache in CACHES.values():
        _cache["KEY_FUNCTION"] = "django_tenants.cache.make_key"
        _cache["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"
    STORAGES["default"] = {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"}
    MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

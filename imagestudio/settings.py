"""One settings file, driven by environment variables (and `.env`), each with a safe embedded default.

With no configuration at all the studio runs on SQLite under var/, stores files under var/media/,
prints emails to the console and renders with the offline engine.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env", override=False)  # real environment variables win over .env


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY (or the seed's AUTH_SECRET); otherwise keep a random one under var/ for dev."""
    configured = env("SECRET_KEY") or env("AUTH_SECRET")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    try:  # created owner-only (0600), and only once when several processes start together
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
PORT = env_int("PORT", 8000)
APP_URL = env("APP_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
# Public base URL fal can reach for webhooks; without it the worker polls fal instead.
PUBLIC_URL = env("PUBLIC_URL").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", APP_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "imagestudio.web.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles; collectstatic skips sources
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # sitemap.xml (imagestudio.web.sitemaps)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "django_tasks_db",
    "django_htmx",
    "imagestudio.accounts",
    "imagestudio.catalog",
    "imagestudio.workspaces",
    "imagestudio.projects",
    "imagestudio.collections",
    "imagestudio.sharing",
    "imagestudio.events",
    "imagestudio.generation",
    "imagestudio.gallery",
    "imagestudio.billing",
    "imagestudio.prompts",
    "imagestudio.batches",
    "imagestudio.preferences",
    "imagestudio.accountdata",
    "imagestudio.staff",
    "imagestudio.showcase",
    "imagestudio.demo",
    "imagestudio.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "imagestudio.web.compression.TextGZipMiddleware",  # pages, JSON; static files come precompressed (WhiteNoise)
    "imagestudio.web.middleware.VaryOnHtmxMiddleware",
    "imagestudio.web.middleware.HtmxLoginRedirectMiddleware",  # a signed-out fragment: the whole page logs in
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "imagestudio.preferences.middleware.UserPreferencesMiddleware",  # the user's language and time zone
    "imagestudio.web.api_ratelimit.ApiRateLimitMiddleware",  # every /api/ call, per user, key or IP
    "imagestudio.web.api_csrf.ApiCsrfMiddleware",  # session-authenticated unsafe /api/ calls need the CSRF token
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "imagestudio.accounts.middleware.SessionLimitsMiddleware",
    "imagestudio.accountdata.middleware.PendingDeletionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "imagestudio.lib.ratelimit.RateLimitMiddleware",
    "imagestudio.demo.middleware.DemoRestrictedMiddleware",  # a demo account's refused action: a toast, not a 403
]

ROOT_URLCONF = "imagestudio.urls"
WSGI_APPLICATION = "imagestudio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "imagestudio" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "imagestudio.web.context_processors.studio",
            ],
        },
    },
    {  # only for tiles and rows drawn many times a page: see imagestudio/web/jinja.py
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "imagestudio" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "imagestudio.web.jinja.environment"},
    },
]

# --- Database: SQLite under var/ by default, PostgreSQL (or any dj-database-url) via DATABASE_URL.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
# Persistent connections halve request time on PostgreSQL; SQLite connections are cheap to open.
_default_conn_age = 0 if DATABASE_URL.startswith("sqlite") else 60
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", _default_conn_age), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the worker's writer overlap; IMMEDIATE takes the write lock up front so
    # concurrent transactions wait (busy timeout) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters, as OWASP ASVS level 2 asks.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first: new passwords get it, and older hashes (PBKDF2…) are rehashed with it at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"

# --- allauth: email is the login; verification optional (reminder banner) unless made mandatory.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_SIGNUP_FORM_CLASS = "imagestudio.accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "imagestudio.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Tell the user by email when their password, address or two-factor settings change (a hijack shows up).
ACCOUNT_EMAIL_NOTIFICATIONS = True

# --- Sessions: signed out after SESSION_IDLE_TIMEOUT_MINUTES without a request, and SESSION_ABSOLUTE_LIFETIME_HOURS
# after logging in whatever the activity (imagestudio.accounts.middleware). 0 turns either off.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 720)
SESSION_ABSOLUTE_LIFETIME_HOURS = env_int("SESSION_ABSOLUTE_LIFETIME_HOURS", 720)
# The cookie lasts as long as a session may (the middleware decides the rest).
SESSION_COOKIE_AGE = max(SESSION_ABSOLUTE_LIFETIME_HOURS * 3600, 3600) if SESSION_ABSOLUTE_LIFETIME_HOURS else 1_209_600
# Settings → Security lists the user's sessions (allauth.usersessions); our middleware records "last seen"
# at most once a minute per session, instead of allauth's write on every request.
USERSESSIONS_TRACK_ACTIVITY = False
USERSESSIONS_ADAPTER = "imagestudio.accounts.adapters.UserSessionsAdapter"

# --- Two-factor (allauth.mfa): an authenticator app (TOTP) with recovery codes, and passkeys (WebAuthn).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "AI Image Studio")
# Passkeys need https, except on localhost while developing.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# --- Sign in with Google / GitHub (allauth.socialaccount). A provider is offered only when both its client
# id and secret are set; the apps live here, not in the database.
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {
    "google": {"SCOPE": ["profile", "email"], "AUTH_PARAMS": {"access_type": "online"}},
    "github": {"SCOPE": ["user:email"]},
}
for _provider, _prefix in (("google", "GOOGLE"), ("github", "GITHUB")):
    if env(f"{_prefix}_CLIENT_ID") and env(f"{_prefix}_CLIENT_SECRET"):
        SOCIALACCOUNT_PROVIDERS[_provider]["APPS"] = [
            {"client_id": env(f"{_prefix}_CLIENT_ID"), "secret": env(f"{_prefix}_CLIENT_SECRET")}
        ]
SOCIALACCOUNT_ADAPTER = "imagestudio.accounts.adapters.SocialAccountAdapter"
# A provider account whose address matches an existing account does not log into it by itself: the owner
# logs in with their password and connects it under Settings → Security (no takeover by a look-alike account).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # provider logins start with a POST (login CSRF)

# --- Rate limits, counted in the shared cache (CACHES below) so they hold across processes and restarts.
# DISABLE_RATE_LIMITS is for load tests and e2e runs only. Rates: AMOUNT/[N]UNIT[/ip|key|user], UNIT s m h d.
DISABLE_RATE_LIMITS = env_bool("DISABLE_RATE_LIMITS")
# Proxies in front of the studio that append to X-Forwarded-For (0: trust none, use the peer address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # our adapter answers allauth's client-IP question the same way
# allauth's limits; the pages and the API's login/register both consume them. Failed logins count per IP
# and per email (key), so rotating X-Forwarded-For does not reset the per-email count.
AUTH_RATE_LIMITS = {
    "login": env("LOGIN_RATE_LIMIT", "30/m/ip"),
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "signup": env("SIGNUP_RATE_LIMIT", "20/m/ip"),
}
ACCOUNT_RATE_LIMITS = False if DISABLE_RATE_LIMITS else AUTH_RATE_LIMITS
# Ours (imagestudio.lib.ratelimit): generate routes, page and API, per signed-in user.
GENERATE_RATE_LIMIT = env("GENERATE_RATE_LIMIT", "30/m")
# Prompt refinement ("Refine" on the generate page, POST /api/prompts/refine), per signed-in user.
PROMPT_REFINE_RATE_LIMIT = env("PROMPT_REFINE_RATE_LIMIT", "30/m")
# Every /api/ call: per signed-in user (bearer token or session) and, for calls without a user, per client IP.
API_RATE_LIMIT = env("API_RATE_LIMIT", "600/m")
API_ANON_RATE_LIMIT = env("API_ANON_RATE_LIMIT", "60/m")
# "Try demo" (imagestudio.demo): each start makes an account and copies sample images, so per client IP.
DEMO_RATE_LIMIT = env("DEMO_RATE_LIMIT", "10/h")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[AI Image Studio] "
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "AI Image Studio <studio@localhost>")

# --- Email: console by default, SMTP when EMAIL_HOST is set, or any backend by EMAIL_BACKEND.
_mail_host = env("EMAIL_HOST")
_mail_backend = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if _mail_host else "django.core.mail.backends.console.EmailBackend",
)
_mail_options: dict = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_port = env_int("EMAIL_PORT", 587)
    _mail_options = {
        "host": _mail_host or "localhost",
        "port": _mail_port,
        "username": env("EMAIL_HOST_USER"),
        "password": env("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", _mail_port == 587),
    }
elif _mail_backend.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": env("EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))}
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}

# --- Files: local under var/media by default, S3-compatible when S3_BUCKET is set. Private either way:
# originals and renditions are only served through views that check ownership.
MEDIA_ROOT = Path(env("STORAGE_PATH") or VAR_DIR / "media")
MEDIA_URL = "/media-private/"  # never routed: files go through gallery views
S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY") or None,
            "secret_key": env("S3_SECRET_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_EXPIRES", 3600),
            "file_overwrite": False,
            "location": env("S3_PREFIX"),
            "addressing_style": env("S3_ADDRESSING_STYLE", "path"),
        },
    }
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": default_storage,
    # Hashed, gzipped copies after collectstatic, cached for a year; plain names without (web/staticfiles.py).
    "staticfiles": {"BACKEND": "imagestudio.web.staticfiles.StaticStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns when it is missing
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in dev and tests
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_CDN_URL = env("MEDIA_CDN_URL")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _s3_origins() -> tuple[str, ...]:
    """Where signed links to our bucket point: its endpoint, or (AWS) the bucket's own hosts, never *.amazonaws.com."""
    if env("S3_ENDPOINT_URL"):
        return (_origin(env("S3_ENDPOINT_URL")),)
    region = env("S3_REGION")
    hosts = ["s3.amazonaws.com", *([f"s3.{region}.amazonaws.com"] if region else [])]
    if env("S3_ADDRESSING_STYLE", "path") == "virtual":
        return tuple(f"https://{S3_BUCKET}.{host}" for host in hosts)
    return tuple(f"https://{host}/{S3_BUCKET}/" for host in hosts)  # a CSP source with a path matches under it


# Where browsers fetch image bytes from besides us: signed S3 links and the CDN (for the CSP's img-src).
MEDIA_ORIGINS = [
    origin
    for origin in (
        _origin(MEDIA_CDN_URL) if MEDIA_CDN_URL else "",
        *(_s3_origins() if S3_BUCKET else ()),
    )
    if origin
]

# --- Cache: shared by every process (rate limits, health probes). A database table by default (created by
# a migration), Redis when REDIS_URL is set (e.g. redis://127.0.0.1:6379/0).
REDIS_URL = env("REDIS_URL")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "imagestudio"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "studio_cache",
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "imagestudio"),
            # The default (300) would cull live rate-limit counters under load.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Background tasks: django.tasks on the database (db_worker). Tests may switch to "immediate".
TASKS_BACKEND = env("TASKS_BACKEND", "db")
TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "dummy": "django.tasks.backends.dummy.DummyBackend",
        }[TASKS_BACKEND]
    }
}

# --- Generation
FAL_KEY = env("FAL_KEY") or env("FAL_API_KEY")
FAL_WEBHOOK_JWKS_URL = env("FAL_WEBHOOK_JWKS_URL")
FAL_TIMEOUT = float(env("FAL_TIMEOUT", "30"))
FAL_API_URL = env("FAL_API_URL", "https://api.fal.ai").rstrip("/")  # platform APIs (pricing)
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120)
USER_MAX_CONCURRENT_JOBS = env_int("USER_MAX_CONCURRENT_JOBS", 4)
USER_MAX_QUEUED_JOBS = env_int("USER_MAX_QUEUED_JOBS", 200)  # waiting jobs per user; more answers 429
USER_MAX_PRESETS = env_int("USER_MAX_PRESETS", 100)  # saved generate-page presets per account
# A batch keeps at most this many of its items in the queue at once; the rest wait in the batch.
BATCH_FEED_AHEAD = env_int("BATCH_FEED_AHEAD", USER_MAX_CONCURRENT_JOBS + 2)

# Gallery: trashed images are deleted for good (rows, files, renditions) this many days after trashing.
TRASH_RETENTION_DAYS = env_int("TRASH_RETENTION_DAYS", 30)
# Imports (POST /api/images/import, the import page): per file, per image and per request limits.
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_BYTES", 30 * 1024 * 1024)
IMPORT_MAX_PIXELS = env_int("IMPORT_MAX_PIXELS", 50_000_000)
IMPORT_MAX_SIDE = env_int("IMPORT_MAX_SIDE", 16383)
IMPORT_MAX_FILES = env_int("IMPORT_MAX_FILES", 20)
# Your data (Settings → Your data): an export ZIP is kept this many hours, then deleted by the sweep; an
# uploaded account archive may be this large, unpack to at most this many bytes and hold this many entries.
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 72)
ACCOUNT_IMPORT_MAX_BYTES = env_int("ACCOUNT_IMPORT_MAX_BYTES", 1024 * 1024 * 1024)
ACCOUNT_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("ACCOUNT_IMPORT_MAX_UNCOMPRESSED_BYTES", 4 * 1024 * 1024 * 1024)
ACCOUNT_IMPORT_MAX_ENTRIES = env_int("ACCOUNT_IMPORT_MAX_ENTRIES", 20_000)
# Deleting an account (Settings → Danger zone): days it stays restorable before the worker purges it.
ACCOUNT_DELETION_GRACE_DAYS = env_int("ACCOUNT_DELETION_GRACE_DAYS", 7)
# Malware scanning of uploads by clamd (INSTREAM), off while neither a unix socket nor a host is set.
# Unreachable clamd refuses uploads (503) unless CLAMAV_FAIL_OPEN is true.
CLAMAV_SOCKET = env("CLAMAV_SOCKET")
CLAMAV_HOST = env("CLAMAV_HOST")
CLAMAV_PORT = env_int("CLAMAV_PORT", 3310)
CLAMAV_TIMEOUT_SECONDS = float(env("CLAMAV_TIMEOUT_SECONDS", "30"))
CLAMAV_FAIL_OPEN = env_bool("CLAMAV_FAIL_OPEN")
JOB_MAX_WORKER_ATTEMPTS = env_int("JOB_MAX_WORKER_ATTEMPTS", 3)  # times a job may lose its worker, then fails
JOB_RETRY_BASE_SECONDS = float(env("JOB_RETRY_BASE_SECONDS", "2"))  # first retry delay; doubles, capped at 60 s
FAL_POLL_INTERVAL_SECONDS = float(env("FAL_POLL_INTERVAL_SECONDS", "1"))  # never poll one request more often
FAL_WEBHOOK_FALLBACK_SECONDS = float(env("FAL_WEBHOOK_FALLBACK_SECONDS", "30"))  # poll anyway, in case one is lost
FAL_POLL_CLAIM_SECONDS = float(env("FAL_POLL_CLAIM_SECONDS", "30"))  # a poller owns a check this long
FAL_CHECK_BACKOFF_SECONDS = float(env("FAL_CHECK_BACKOFF_SECONDS", "1"))  # after a failed check; doubles, max 30 s
FAL_MAX_CHECK_FAILURES = env_int("FAL_MAX_CHECK_FAILURES", 8)
FAL_MAX_SUBMIT_RETRIES = env_int("FAL_MAX_SUBMIT_RETRIES", 5)
CREDIT_USD = float(env("CREDIT_USD", "0.01"))  # what one credit is worth in provider cost
STARTING_CREDITS = env_int("STARTING_CREDITS", 500)
# When starting credits arrive: "verified" (when the email is confirmed: throwaway signups farm nothing)
# or "signup" (at once, for private installs). With ACCOUNT_EMAIL_VERIFICATION=none nobody verifies: signup.
GRANT_CREDITS_ON = env("GRANT_CREDITS_ON", "verified")
if GRANT_CREDITS_ON not in {"verified", "signup"}:
    raise ValueError(f"GRANT_CREDITS_ON must be verified or signup, not {GRANT_CREDITS_ON!r}")
# Free credits every calendar month (0 = off), expiring at the month's end; users are told about expiring
# grant credits this many days before (billing.grants).
MONTHLY_FREE_CREDITS = env_int("MONTHLY_FREE_CREDITS", 0)
GRANT_EXPIRY_NOTICE_DAYS = env_int("GRANT_EXPIRY_NOTICE_DAYS", 3)
# Buying credits (billing.purchases): Stripe Checkout with both keys set. STRIPE_API_BASE points the official
# SDK elsewhere (tests run it against a local fake). Without a secret key, TEST_MODE_PURCHASES allows a
# labelled test purchase that charges no card; it defaults on only when no FAL_KEY is set (credits then buy
# nothing that costs real money) and is always allowed with DEBUG.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
TEST_MODE_PURCHASES = env_bool("TEST_MODE_PURCHASES", not FAL_KEY)
# "Try demo" on the landing page: a throwaway account with sample projects, limited to the free offline models
# (no purchases, API keys, sharing or publishing), purged by the worker DEMO_LIFETIME_HOURS after it started.
# Off: no button, and /demo/ answers 404.
DEMO_ENABLED = env_bool("DEMO_ENABLED", True)
DEMO_LIFETIME_HOURS = env_int("DEMO_LIFETIME_HOURS", 4)
# Social links in the public pages' footer; each one shows only when set (full https:// URLs).
SOCIAL_LINKS = {
    name: url
    for name, url in (
        ("github", env("SOCIAL_GITHUB_URL")),
        ("x", env("SOCIAL_X_URL")),
        ("mastodon", env("SOCIAL_MASTODON_URL")),
        ("discord", env("SOCIAL_DISCORD_URL")),
        ("youtube", env("SOCIAL_YOUTUBE_URL")),
    )
    if url
}
# API login tokens expire after this many days without use (each use pushes the expiry back).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
API_MAX_LOGIN_TOKENS = env_int("API_MAX_LOGIN_TOKENS", 50)  # live login tokens per user; older ones are revoked
API_MAX_KEYS = env_int("API_MAX_KEYS", 50)  # live API keys (Settings → API keys) per user
# Encrypts secrets kept in the database (users' own fal keys): Fernet keys, comma-separated; the first encrypts,
# all decrypt (rotation). Empty = a key derived from SECRET_KEY (changing SECRET_KEY then makes them unreadable).
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")

# --- Security. Served over https (APP_URL), the studio sits behind a TLS-terminating proxy that sets
# X-Forwarded-Proto: trust it, redirect plain http, and tell browsers to use https only (HSTS).
_https = APP_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _https)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", _https) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _https)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _https)
# Preloading hard-codes the domain into browsers for good: the operator's call (SECURE_HSTS_PRELOAD=true),
# so check --deploy's reminder about it is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # Inline style attributes carry per-image aspect ratios and blur-up placeholders.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *MEDIA_ORIGINS],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en"
# The UI's languages; a user picks one in Settings → Preferences, visitors get their browser's choice.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "imagestudio" / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

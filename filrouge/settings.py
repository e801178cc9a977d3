"""One settings module, read from the environment.

Runs with no set-up on SQLite under `var/`; `DATABASE_URL` selects PostgreSQL.
`DEBUG` is off unless set; outside debug a missing `SECRET_KEY` is an error.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("FILROUGE_VAR_DIR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG")


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key, kept across restarts so sessions survive `make run`.
    path = VAR_DIR / "dev_secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "filrouge.core",
    "filrouge.accounts",
    "filrouge.network",
    "filrouge.customers",
    "filrouge.cases",
    "filrouge.channels",
    "filrouge.partners",
    "filrouge.tmf",
    "filrouge.incidents",
    "filrouge.notifications",
    "filrouge.appointments",
    "filrouge.fieldops",
    "filrouge.surveys",
    "filrouge.api",
    "filrouge.agent",
    "filrouge.portal",
    "filrouge.selfcare",
    "filrouge.triage",
    "filrouge.statuspage",
    # After triage: its filing hook sets the intent the detector counts on.
    "filrouge.detection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "filrouge.tmf.audit.PartnerCallAudit",
]

ROOT_URLCONF = "filrouge.urls"
WSGI_APPLICATION = "filrouge.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'filrouge.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; IMMEDIATE avoids
    # "database is locked" on write-after-read transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares a statement only when asked: the hot reads compiled once
    # (core/compiled.py) ask; Django's own cursors bind values on the client and never
    # do. Behind a pooler in transaction mode, set it to None: nothing is prepared.
    # Merged into the options the URL gave (`?sslmode=require` lands there too).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1 << 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Agent"
LOGIN_URL = "/agent/connexion/"
LOGIN_REDIRECT_URL = "/agent/"
LOGOUT_REDIRECT_URL = "/agent/connexion/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _flag("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
# In development, answers go to `filrouge mailsink` (port 1025), which `filrouge up` starts.
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025" if DEBUG else "25"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Fil Rouge <service-client@filrouge.example>"
)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Domain settings: knobs, never meanings (statuses and URLs are not configurable).
FILROUGE_DEFAULT_REGION = "FR"
FILROUGE_BROKEN_PROMISE_PRIORITY_BUMP = 1
# Notifications (filrouge/notifications): no SMS in these hours, local time of the zone,
# except incident notices the customer asked to receive at any hour.
FILROUGE_SMS_QUIET_HOURS = (21, 8)
FILROUGE_SMS_QUIET_HOURS_ZONE = "Europe/Paris"

# Channels: provider endpoints and secrets, from the environment only. The base
# URLs are settings so tests (and a sandbox) can point the adapters elsewhere.
# In DEBUG, webhook secrets default to values derived from SECRET_KEY, so that
# `make run` and `filrouge replay_samples` agree without any set-up.


def _dev_secret(name: str) -> str:
    if not DEBUG:
        return ""
    import hashlib

    return hashlib.sha256(f"{SECRET_KEY}:{name}".encode()).hexdigest()[:32]


FILROUGE_HOOK_MAX_BYTES = int(os.environ.get("FILROUGE_HOOK_MAX_BYTES", str(1024 * 1024)))
CHANNELS_HTTP_TIMEOUT = float(os.environ.get("CHANNELS_HTTP_TIMEOUT", "10"))
SMS_VONAGE_BASE_URL = os.environ.get("SMS_VONAGE_BASE_URL", "https://rest.nexmo.com")
SMS_VONAGE_API_KEY = os.environ.get("SMS_VONAGE_API_KEY", "")
SMS_VONAGE_API_SECRET = os.environ.get("SMS_VONAGE_API_SECRET", "")
SMS_VONAGE_SIGNATURE_SECRET = os.environ.get("SMS_VONAGE_SIGNATURE_SECRET") or _dev_secret("sms")
# md5hash (Vonage's default), md5, sha1, sha256 or sha512: as chosen in Vonage's dashboard.
SMS_VONAGE_SIGNATURE_METHOD = os.environ.get("SMS_VONAGE_SIGNATURE_METHOD", "sha256")
SMS_VONAGE_FROM = os.environ.get("SMS_VONAGE_FROM", "FilRouge")
SMS_VONAGE_STATUS_URL = os.environ.get("SMS_VONAGE_STATUS_URL", "")  # delivery receipts
WHATSAPP_GRAPH_BASE_URL = os.environ.get("WHATSAPP_GRAPH_BASE_URL", "https://graph.facebook.com")
WHATSAPP_GRAPH_VERSION = os.environ.get("WHATSAPP_GRAPH_VERSION", "v21.0")
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_ACCESS_TOKEN = os.environ.get("WHATSAPP_ACCESS_TOKEN", "")
WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET") or _dev_secret("whatsapp")
WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN") or _dev_secret("whatsapp-verify")

# Social channels (channels/mastodon, channels/x, channels/social). Mastodon is polled
# (`filrouge poll_mastodon`); X pushes to /hooks/x/, signed with the consumer secret.
MASTODON_BASE_URL = os.environ.get("MASTODON_BASE_URL", "")  # https://<our instance>
MASTODON_ACCESS_TOKEN = os.environ.get("MASTODON_ACCESS_TOKEN", "")
MASTODON_POLL_INTERVAL = float(os.environ.get("MASTODON_POLL_INTERVAL", "30"))  # seconds
MASTODON_MAX_CHARACTERS = int(os.environ.get("MASTODON_MAX_CHARACTERS", "500"))
X_API_BASE_URL = os.environ.get("X_API_BASE_URL", "https://api.x.com")
X_CONSUMER_SECRET = os.environ.get("X_CONSUMER_SECRET") or _dev_secret("x")
X_ACCESS_TOKEN = os.environ.get("X_ACCESS_TOKEN", "")  # OAuth 2.0 user token of our account


def _json_list(name: str, default: list[str]) -> list[str]:
    import json

    return json.loads(os.environ[name]) if os.environ.get(name) else default


# Personal data in public posts (story E5): the operator's contract/line number patterns
# (a JSON list of regular expressions) and its own public contacts, which are not personal.
FILROUGE_CONTRACT_PATTERNS = _json_list(
    "FILROUGE_CONTRACT_PATTERNS",
    [
        r"\bFTTH\d{8}\b",  # fibre line numbers
        r"\b(?:ADSL|VDSL|MOB)\d{8}\b",  # other line numbers
        r"\bDEMO\d{7}\b",  # the demo operator's account numbers
        r"\bP[0-9A-F]{12}\b",  # prospect files (channels.identity)
    ],
)
# Triage (filrouge/triage): where the versioned intent model files live, and the
# operator's line and contract number patterns (a JSON object {kind: [regex, ...]}).
FILROUGE_TRIAGE_MODEL_DIR = Path(os.environ.get("FILROUGE_TRIAGE_MODEL_DIR", VAR_DIR / "triage"))
FILROUGE_TRIAGE_NUMBER_PATTERNS = (
    __import__("json").loads(os.environ["FILROUGE_TRIAGE_NUMBER_PATTERNS"])
    if os.environ.get("FILROUGE_TRIAGE_NUMBER_PATTERNS")
    else {
        "line": [r"\b(?:FTTH|ADSL|VDSL|MOB)\d{8}\b"],
        "contract": [r"\bDEMO\d{7}\b"],
    }
)
FILROUGE_PRIVACY_ALLOWED = [
    v for v in os.environ.get("FILROUGE_PRIVACY_ALLOWED", "").split(",") if v.strip()
]

# Phone (channels/phone): the PBX signs its events to /hooks/phone/ with this shared
# secret (HMAC-SHA256, see channels/phone/README.md); a signature older than the
# tolerance (seconds) is refused.
PHONE_WEBHOOK_SECRET = os.environ.get("PHONE_WEBHOOK_SECRET") or _dev_secret("phone")
PHONE_SIGNATURE_TOLERANCE = int(os.environ.get("PHONE_SIGNATURE_TOLERANCE", "300"))
# Letters and technicians' photos (channels/offline): the largest file accepted, in bytes.
FILROUGE_UPLOAD_MAX_BYTES = int(os.environ.get("FILROUGE_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# Where customers reach this site: the base of the links sent to them outside any
# request (tracking links, unsubscribe links, notifications). No trailing slash.
# TMF621 (filrouge/tmf): calls a partner may make per minute before a 429.
# A TMF621 attachment, decoded (its base64 must fit Django's 2.5 MB request body limit).
TMF_ATTACHMENT_MAX_BYTES = int(os.environ.get("TMF_ATTACHMENT_MAX_BYTES", str(1536 * 1024)))
# Hosts TMF621 hub callbacks may be on (comma-separated; ".example.org" for a domain and
# its sub-domains, "host:port" for one port). Empty: FILROUGE_PUBLIC_URL's host and port.
TMF_CALLBACK_HOSTS = [
    h.strip() for h in os.environ.get("TMF_CALLBACK_HOSTS", "").split(",") if h.strip()
]
TMF_RATE_LIMIT_PER_MINUTE = int(os.environ.get("TMF_RATE_LIMIT_PER_MINUTE", "600"))
FILROUGE_PUBLIC_URL = os.environ.get("FILROUGE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# E-mail from a mailbox (channels/email/imap.py), for operators whose care address is a
# mailbox rather than an MTA relaying to `filrouge smtpd`: `filrouge poll_imap` reads it.
# IMAP_SECURITY: "ssl" (IMAPS, port 993), "starttls" (port 143, then TLS) or "none"
# (plain text: only for a server on this host).
IMAP_HOST = os.environ.get("IMAP_HOST", "")
IMAP_SECURITY = os.environ.get("IMAP_SECURITY", "ssl").strip().lower()
IMAP_PORT = int(os.environ.get("IMAP_PORT") or ("993" if IMAP_SECURITY == "ssl" else "143"))
IMAP_USER = os.environ.get("IMAP_USER", "")
IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
IMAP_MAILBOX = os.environ.get("IMAP_MAILBOX", "INBOX")
# A PEM file of the CA(s) to trust for the server's certificate instead of the system's
# (a private CA or a self-signed server); the host name is checked either way.
IMAP_CA_FILE = os.environ.get("IMAP_CA_FILE", "")
IMAP_POLL_INTERVAL = float(os.environ.get("IMAP_POLL_INTERVAL", "60"))  # seconds
IMAP_TIMEOUT = float(os.environ.get("IMAP_TIMEOUT", "30"))  # seconds, per network operation

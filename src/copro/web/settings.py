"""Settings for ``copro serve``: everything comes from environment variables, read here only.

- ``COPRO_DATA_DIR``: the SQLite database, the generated secret key and collected static
  files (default ``$XDG_DATA_HOME/copro``, else ``~/.local/share/copro``);
- ``COPRO_DATABASE_URL``: another database, e.g. ``postgresql://user:pass@host:5432/copro``
  (default: SQLite in the data folder);
- ``COPRO_SECRET_KEY``: Django's signing key (default: generated once and kept in the data
  folder, readable by its owner only);
- ``COPRO_INTEGRITY_KEY``: the key that signs backups and chains the audit log (default:
  generated once and kept in the data folder as ``integrity_key``); a backup restores only
  where this key is the one that made it (docs/deploy.md);
- ``COPRO_ALLOWED_HOSTS``: comma-separated host names served (default
  ``127.0.0.1,localhost,[::1]``);
- ``COPRO_CSRF_TRUSTED_ORIGINS``: comma-separated origins, e.g. ``https://copro.example.org``;
- ``COPRO_HTTPS``: ``1`` behind HTTPS: HSTS, secure cookies only, redirect to HTTPS;
- ``COPRO_TRUSTED_PROXIES``: comma-separated addresses of reverse proxies whose
  X-Forwarded-For / X-Forwarded-Proto are believed, by copro and by gunicorn (default:
  loopback under ``COPRO_HTTPS=1``, else none: then no forwarded header is believed from
  anyone, loopback included);
- ``COPRO_SESSION_IDLE_MINUTES``: a signed-in coordinator or administrator is signed out after
  this long without a request (default 30); signing in again asks for the second factor again;
- ``COPRO_DEBUG``: ``1`` for Django's debug pages; never in production;
- ``COPRO_EMAIL_URL``: where email (invitations, password resets) is sent, e.g.
  ``smtp://user:pass@mail.example.org:587?tls=1`` (``smtp+tls://`` or ``smtp+ssl://`` also);
  unset: no email is sent, and inviting someone fails saying so;
- ``COPRO_EMAIL_FROM``: the sender of that email (default ``copro@localhost``);
- ``COPRO_SITE_URL``: the address people reach the site at, e.g. ``https://copro.example.org``:
  every link that is emailed or handed out (invitations, authenticator set-up links, handovers,
  unlock links, password resets, the survey's links and QR codes) is built from it, never from
  a request's Host header. Unset: invitations, set-up links and handovers are refused saying
  so, no unlock link is sent, and password resets and the survey's links use the address the
  request came to (which Django accepts only among ``COPRO_ALLOWED_HOSTS``).

Safe by default: DEBUG off, a Content-Security-Policy with no inline script, no framing,
``nosniff``, a strict referrer policy, cookies HttpOnly and SameSite=Lax (and Secure under
``COPRO_HTTPS=1``, which a deployment behind TLS should always set).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url

WEB_DIR = Path(__file__).resolve().parent


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _list(name: str, default: str = "") -> list[str]:
    return [x.strip() for x in os.environ.get(name, default).split(",") if x.strip()]


def data_dir() -> Path:
    """Where the SQLite database, the secret key and collected static files live."""
    if os.environ.get("COPRO_DATA_DIR"):
        return Path(os.environ["COPRO_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "copro"


def _secret_key(folder: Path, name: str = "secret_key", env: str = "COPRO_SECRET_KEY") -> str:
    """``COPRO_SECRET_KEY``, else a key generated once and kept (readable by its owner only).

    The key is written whole under a temporary name and linked into place, so a full disk or a
    kill leaves no key or the whole key, never an empty one; two processes starting at once
    agree on one key (the link fails for the second, which reads the first's)."""
    if os.environ.get(env):
        return os.environ[env]
    path = folder / name
    try:
        kept = path.read_text(encoding="ascii").strip()
        if kept:
            return kept
        path.unlink()  # an empty key (left by an older copro on a full disk) is no key
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    temporary = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        temporary.unlink(missing_ok=True)
    return key


DATA_DIR = data_dir()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # the key and the database

SECRET_KEY = _secret_key(DATA_DIR)
#: signs backups and chains the audit log (copro.web.integrity); kept apart from SECRET_KEY so
#: that changing the session key does not orphan every backup
INTEGRITY_KEY = _secret_key(DATA_DIR, "integrity_key", "COPRO_INTEGRITY_KEY")
DEBUG = _flag("COPRO_DEBUG")
ALLOWED_HOSTS = _list("COPRO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _list("COPRO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "copro.web.accounts.apps.CoproAdminConfig",  # Django's admin, behind two factors
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "copro.web.explorer",
    "copro.web.survey",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "copro.web.accounts",
]

MIDDLEWARE = [
    "copro.web.middleware.TrustedProxyMiddleware",
    "copro.web.middleware.HeadWithoutBodyMiddleware",
    "copro.web.middleware.AccessLogMiddleware",
    "copro.web.middleware.RequestSizeMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "copro.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor
    "copro.web.accounts.sessions.IdleSignOutMiddleware",  # one idle timeout for everyone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "copro.web.urls"
WSGI_APPLICATION = "copro.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("COPRO_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'copro.sqlite3'}",
        conn_max_age=600, conn_health_checks=True),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers never wait for a writer; the default timeout covers an import running
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/survey/login/"


def _minutes(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


#: Signed-in sessions end after this long without a request (copro.web.accounts.sessions);
#: a session's cookie, signed in or not, lasts as long after it was last set
SESSION_IDLE_MINUTES = _minutes("COPRO_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
PASSWORD_RESET_TIMEOUT = 24 * 3600  # a reset link works for a day
#: Invitations: a link that sets the first password, single-use, for this many days
INVITATION_DAYS = 7
OTP_TOTP_ISSUER = "copro"

# Email: one URL from the environment, parsed here only.
EMAIL_URL = os.environ.get("COPRO_EMAIL_URL", "").strip()
if EMAIL_URL:
    _email = dj_email_url.parse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("COPRO_EMAIL_FROM", "copro@localhost")
SITE_URL = os.environ.get("COPRO_SITE_URL", "").strip().rstrip("/")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# Static files: built at set-up time (`make assets`), collected into the data folder by
# `copro serve`, and served with far-future caching and compression by WhiteNoise.
STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers and cookies.
HTTPS = _flag("COPRO_HTTPS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz(\.json)?$"]  # a local monitor's plain-HTTP health check
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
TRUSTED_PROXIES = _list("COPRO_TRUSTED_PROXIES", "127.0.0.1,::1" if HTTPS else "")
#: Bounded work per request: a body over 128 KB is refused before it is read
#: (copro.web.middleware.RequestSizeMiddleware; nginx's client_max_body_size is the same), and
#: a form of more than 400 fields is refused by Django. No form of the site comes near either.
DATA_UPLOAD_MAX_MEMORY_SIZE = 128 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400
FILE_UPLOAD_MAX_MEMORY_SIZE = 128 * 1024
#: The one larger cap: a signed-in coordinator's survey export uploaded on the manage page
#: (checked before the body is read, and only for a signed-in session; nginx: the same 2 MB
#: for that one location)
SURVEY_UPLOAD_PATH = "/survey/manage/upload/"
SURVEY_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
#: No inline script anywhere; inline styles only for SVG figures' presentation attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Logs: one JSON line per request on standard error (copro.web.middleware), never a query string.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}},
    # Django's error lines name the request's path: an emailed link's secret is left out
    "filters": {"secret_paths": {"()": "copro.web.middleware.SecretPathFilter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "filters": ["secret_paths"]}},
    "loggers": {
        "copro.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # Django's own request logger would repeat 4xx paths with their query strings
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}

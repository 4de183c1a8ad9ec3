"""Settings for the test suite. DATABASE_URL and CELERY_BROKER_URL still apply (CI sets both)."""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Uploaded and generated files of the tests go to a temporary directory, never the checkout's var/media. The path is
# put in the environment so the Celery worker subprocess the tests start (it inherits it) writes to the same place.
import os as _os  # noqa: E402
import tempfile as _tempfile  # noqa: E402

MEDIA_ROOT = Path(  # noqa: F405
    _os.environ.setdefault("PORTAL_TEST_MEDIA_ROOT", _tempfile.mkdtemp(prefix="portal-test-media-"))
)

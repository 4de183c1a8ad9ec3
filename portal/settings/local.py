"""Local development and the embedded default of `make run`."""

from .base import *  # noqa: F403
from .base import env_list

DEBUG = True
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

"""Login throttling per (username, IP): after N failures a finite cool-off, kept in the shared cache."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()[:32]
    return f"login-fail:{digest}"


def is_locked(username: str, ip: str) -> bool:
    failures: int = cache.get(_key(username, ip), 0)
    return failures >= settings.LOGIN_FAILURE_LIMIT


def register_failure(username: str, ip: str) -> int:
    key = _key(username, ip)
    cache.add(key, 0, timeout=settings.LOGIN_COOLOFF_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_COOLOFF_SECONDS)
        count = 1
    cache.touch(key, settings.LOGIN_COOLOFF_SECONDS)
    return count


def reset(username: str, ip: str) -> None:
    cache.delete(_key(username, ip))


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    addr: str = request.META.get("REMOTE_ADDR", "")
    return addr

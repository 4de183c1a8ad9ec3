"""Logging in on the portal's page, who reaches the admin, login throttling and session timeouts."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from organisations import access
from organisations.tests.factories import UserFactory
from portal.lib import throttle
from portal.lib.sessions import LOGIN_AT_KEY

PASSWORD = "demo-portal"  # the factories' password
THROTTLED = "Too many failed attempts"
SECTION = re.compile(r'data-section="([a-z_]+)"')


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assert on the English source strings
    return client


def post_login(client: Any, username: str, password: str, *, ip: str = "127.0.0.1", next_url: str = "") -> Any:
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR=ip)


def is_logged_in(client: Any) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


# Logging in -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["superuser", "staff", "officer_a", "secretary_a", "member_a", "outsider"],
)
def test_each_role_logs_in_on_the_portal_page_and_sees_its_sections(cast, client, role):
    user = cast.users()[role]
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(response.url)
    assert SECTION.findall(home.content.decode()) == access.home_sections(user)


def test_sections_differ_by_role(cast, client):
    seen = {}
    for role in ["staff", "secretary_a", "member_a"]:
        client.force_login(cast.users()[role])
        seen[role] = set(SECTION.findall(client.get(reverse("home")).content.decode()))
    assert "admin" in seen["staff"] and "admin" not in seen["secretary_a"] and "admin" not in seen["member_a"]
    assert "attendance" in seen["secretary_a"] and "attendance" not in seen["member_a"]
    assert "my_essays" in seen["member_a"] and "my_essays" not in seen["staff"]


def test_wrong_password_is_refused_with_a_message(cast, client):
    response = post_login(client, "member_a", "wrong-password")
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()
    assert not is_logged_in(client)


def test_login_page_is_the_portals_own(client, db):
    page = client.get(reverse("login")).content.decode()
    assert 'name="username"' in page and 'name="password"' in page and "csrfmiddlewaretoken" in page


# The admin site -----------------------------------------------------------------------------------


def test_admin_login_url_redirects_to_the_portal_login(client, db):
    response = client.get("/admin/login/?next=/admin/organisations/person/")
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=%2Fadmin%2Forganisations%2Fperson%2F"


def test_anonymous_admin_visit_ends_on_the_portal_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert 'name="password"' in response.content.decode()


@pytest.mark.parametrize("role", ["staff", "officer_a", "superuser"])
def test_staff_and_officers_reach_the_admin_after_logging_in(cast, client, role):
    response = post_login(client, cast.users()[role].username, PASSWORD, next_url="/admin/")
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", ["secretary_a", "member_a", "outsider"])
def test_secretaries_and_members_cannot_reach_the_admin(cast, client, role):
    client.force_login(cast.users()[role])
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert client.get("/admin/organisations/person/", follow=True).status_code == 403


# Throttling ---------------------------------------------------------------------------------------

CACHE_BACKENDS = [pytest.param({"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, id="locmem")]
if os.environ.get("REDIS_URL"):  # CI and the helpers' machines: also against the real shared cache
    CACHE_BACKENDS.append(
        pytest.param(
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]},
            id="redis",
        )
    )


@pytest.fixture(params=CACHE_BACKENDS)
def login_cache(request: Any) -> Any:
    with override_settings(CACHES={"default": request.param}):
        yield


@pytest.fixture
def victim(db: Any) -> Any:
    """A fresh username per test, so throttle keys never leak between tests or runs on a shared cache."""
    user = UserFactory(username=f"victim-{uuid.uuid4().hex[:10]}")
    yield user
    for ip in ("127.0.0.1", "10.9.8.7"):
        throttle.reset(user.username, ip)


def fail(client: Any, username: str, times: int, ip: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = post_login(client, username, "wrong-password", ip=ip)
        assert response.status_code == 200


def test_correct_password_is_refused_after_too_many_failures(login_cache, victim, client):
    fail(client, victim.username, settings.LOGIN_FAILURE_LIMIT)
    response = post_login(client, victim.username, PASSWORD)
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert not is_logged_in(client)


def test_failures_below_the_limit_do_not_lock(login_cache, victim, client):
    fail(client, victim.username, settings.LOGIN_FAILURE_LIMIT - 1)
    assert post_login(client, victim.username, PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failure_count(login_cache, victim, client):
    fail(client, victim.username, settings.LOGIN_FAILURE_LIMIT - 1)
    assert post_login(client, victim.username, PASSWORD).status_code == 302
    client.logout()
    fail(client, victim.username, settings.LOGIN_FAILURE_LIMIT - 1)
    assert post_login(client, victim.username, PASSWORD).status_code == 302


def test_lock_is_per_username_and_ip(login_cache, victim, client):
    other = UserFactory(username=f"other-{uuid.uuid4().hex[:10]}")
    fail(client, victim.username, settings.LOGIN_FAILURE_LIMIT)
    assert post_login(client, other.username, PASSWORD).status_code == 302  # another user, same IP
    client.logout()
    assert post_login(client, victim.username, PASSWORD, ip="10.9.8.7").status_code == 302  # same user, other IP
    client.logout()
    assert THROTTLED in post_login(client, victim.username, PASSWORD).content.decode()  # still locked here
    throttle.reset(other.username, "127.0.0.1")


def test_lock_ignores_the_case_of_the_username(login_cache, victim, client):
    fail(client, victim.username.upper(), settings.LOGIN_FAILURE_LIMIT)
    assert THROTTLED in post_login(client, victim.username, PASSWORD).content.decode()


def test_login_works_again_after_the_cool_off(login_cache, victim, client):
    with override_settings(LOGIN_COOLOFF_SECONDS=1):
        fail(client, victim.username, settings.LOGIN_FAILURE_LIMIT)
        assert THROTTLED in post_login(client, victim.username, PASSWORD).content.decode()
        time.sleep(1.2)
        response = post_login(client, victim.username, PASSWORD)
    assert response.status_code == 302 and is_logged_in(client)


# Session timeouts ---------------------------------------------------------------------------------


def _session(client: Any) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_each_request_renews_the_idle_timeout(cast, client):
    client.force_login(cast.officer_a)
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() + dt.timedelta(seconds=30))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    left = (_session(client).expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < left <= settings.SESSION_COOKIE_AGE
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_an_idle_session_past_its_age_is_logged_out(cast, client):
    client.force_login(cast.officer_a)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _set_login_time(client: Any, seconds_ago: float) -> None:
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - seconds_ago
    session.save()


def test_an_active_session_ends_at_the_absolute_lifetime(cast, client):
    assert post_login(client, cast.officer_a.username, PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200  # starts the absolute clock
    _set_login_time(client, settings.SESSION_ABSOLUTE_SECONDS + 5)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302  # the session is gone, not just this request


def test_a_session_within_the_absolute_lifetime_stays(cast, client):
    client.force_login(cast.officer_a)
    client.get(reverse("home"))
    _set_login_time(client, settings.SESSION_ABSOLUTE_SECONDS - 60)
    assert client.get(reverse("home")).status_code == 200


def test_the_absolute_lifetime_also_closes_the_admin(cast, client):
    client.force_login(cast.staff)
    assert client.get("/admin/").status_code == 200
    _set_login_time(client, settings.SESSION_ABSOLUTE_SECONDS + 5)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_password_change_keeps_the_user_logged_in_with_the_new_password(cast, client):
    client.force_login(cast.member_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Nghi-quyet-2024!",
            "new_password2": "Nghi-quyet-2024!",
        },
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    assert is_logged_in(client)
    client.logout()
    assert post_login(client, "member_a", PASSWORD).status_code == 200  # the old one no longer works
    assert post_login(client, "member_a", "Nghi-quyet-2024!").status_code == 302

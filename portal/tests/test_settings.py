"""Settings and project hygiene: production hardening, locale, CSP, no CDN, migrations, dependencies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)
LONG_SECRET = "prod-test-" + "k3y" * 20


def run_manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process with only the given DJANGO_* variables (none inherited)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, "PORTAL_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {"DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_ALLOWED_HOSTS": "portal.example.vn"}


def test_production_settings_pass_the_deployment_check_at_warning_level(tmp_path: Path) -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION, "DJANGO_SECRET_KEY": LONG_SECRET},
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("secret", ["", "too-short-a-secret"])
def test_production_settings_refuse_to_start_without_a_long_secret_key(tmp_path: Path, secret: str) -> None:
    result = run_manage("check", env={**PRODUCTION, "DJANGO_SECRET_KEY": secret}, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_trust_the_proxy_and_mark_cookies_secure(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    result = run_manage(
        "shell", "--no-imports", "-c", code, env={**PRODUCTION, "DJANGO_SECRET_KEY": LONG_SECRET}, tmp_path=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False True True True ('HTTP_X_FORWARDED_PROTO', 'https') ['portal.example.vn'] vi Asia/Ho_Chi_Minh"
    )


def test_the_portal_speaks_vietnamese_by_default_on_vietnam_time() -> None:
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]


def test_a_page_is_served_in_vietnamese_with_a_lang_attribute(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


def nonce_of(policy: str) -> str:
    match = re.search(r"script-src [^;]*'nonce-([^']+)'", policy)
    assert match, policy
    return match.group(1)


def test_every_page_carries_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def render_with_csp(source: str) -> HttpResponse:
    """Render a template through the CSP middleware, as a view of the portal would."""
    template = engines["django"].from_string(source)

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({}, request))

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert isinstance(response, HttpResponse)
    return response


def test_a_page_using_the_nonce_gets_that_nonce_in_its_policy_and_a_fresh_one_each_time() -> None:
    first = render_with_csp('<script nonce="{{ csp_nonce }}"></script>')
    second = render_with_csp('<script nonce="{{ csp_nonce }}"></script>')

    nonce = nonce_of(first.headers["Content-Security-Policy"])
    assert first.content.decode() == f'<script nonce="{nonce}"></script>'
    assert nonce_of(second.headers["Content-Security-Policy"]) != nonce


# --- no CDN: the portal must work on a closed network -------------------------------------------------

TEXT_SUFFIXES = {".html", ".txt", ".xml", ".svg", ".css", ".js", ".mjs", ".json", ".map"}
# Hosts that appear in URLs without anything being fetched: XML namespaces.
NOT_FETCHED = {"www.w3.org"}
URL = re.compile(r"(?:https?:)?//([a-z0-9][a-z0-9.-]*\.[a-z]{2,})(?=[/:\"'\s)?#]|$)", re.IGNORECASE)
# Where a browser would fetch a URL from: an attribute, a CSS url()/@import, a JS import, a source map.
FETCH_CONTEXT = re.compile(
    r"""(?:\b(?:src|href|action|srcset|poster|data|formaction)\s*=\s*["']?"""
    r"""|url\(\s*["']?|@import\s+(?:url\(\s*)?["']?|\bimport\s*\(?\s*["']|\bfrom\s+["']|sourceMappingURL=)$""",
    re.IGNORECASE,
)
COMMENTS = re.compile(r"/\*.*?\*/|<!--.*?-->|\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def external_references(text: str, *, strict: bool) -> list[str]:
    """External hosts a file would load from. ``strict``: any URL outside comments counts, not only fetches."""
    text = COMMENTS.sub(" ", text)
    found = []
    for match in URL.finditer(text):
        host = match.group(1).lower()
        if host in NOT_FETCHED or host in {"localhost", "127.0.0.1"}:
            continue
        fetched = FETCH_CONTEXT.search(text[max(0, match.start() - 40) : match.start()])
        if strict and not match.group(0).startswith("//") or fetched:
            found.append(host)
    return found


def project_text_files() -> Iterator[Path]:
    for root in (BASE_DIR / "templates", BASE_DIR / "static"):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES:
                yield path


def test_the_external_reference_finder_catches_cdn_links() -> None:
    assert external_references('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>', strict=False) == [
        "cdn.jsdelivr.net"
    ]
    assert external_references('<link href="//fonts.googleapis.com/css?family=Roboto">', strict=False) == [
        "fonts.googleapis.com"
    ]
    assert external_references("a{background:url(https://cdn.example.com/a.png)}", strict=False) == ["cdn.example.com"]
    assert external_references('<a href="https://vbpl.vn/">x</a>', strict=True) == ["vbpl.vn"]
    assert (
        external_references("/*! (https://getbootstrap.com/) */ svg xmlns='http://www.w3.org/2000/svg'", strict=True)
        == []
    )


def test_no_template_or_static_file_loads_anything_from_another_host() -> None:
    offenders = {}
    for path in project_text_files():
        # Our own files may not even mention an external URL; vendored files may, as long as nothing is fetched.
        strict = "vendor" not in path.relative_to(BASE_DIR).parts
        hosts = external_references(path.read_text(encoding="utf-8", errors="replace"), strict=strict)
        if hosts:
            offenders[str(path.relative_to(BASE_DIR))] = sorted(set(hosts))

    assert offenders == {}
    assert any(True for _ in project_text_files())  # the scan did look at files


# --- migrations and dependencies -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_models_have_no_changes_missing_a_migration(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit:
        pytest.fail("Models have changes without a migration:\n" + capsys.readouterr().out)


def test_the_installed_packages_have_compatible_dependencies() -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr

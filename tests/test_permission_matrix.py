"""Every URL × actor × target answers as the matrix says, and refused writes change nothing.

The cases come from each app's ``tests/matrix.py``; a URL without a case fails the meta-test.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from portal.testing.matrix import ACTORS, Case, fingerprint

MATRIX_APPS = ("portal", "organisations", "campaigns", "essays", "materials", "reports")
# URL names that are not pages of the portal.
NOT_PAGES = {
    "admin:view_on_site",  # Django's redirect to an object's get_absolute_url; none of our models has one
}


def _modules() -> list[Any]:
    found = []
    for label in MATRIX_APPS:
        if not apps.is_installed(label):
            continue
        try:
            found.append(importlib.import_module(f"{label}.tests.matrix"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{label}.tests.matrix":
                raise
    return found


def all_cases() -> list[Case]:
    return [case for module in _modules() for case in module.cases()]


def url_names(patterns: list | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_a_matrix_case():
    covered = {case.name for case in all_cases()}
    missing = sorted(url_names() - covered - NOT_PAGES)
    assert not missing, f"URLs without a permission-matrix case: {missing}"


def test_matrix_cases_name_existing_urls():
    stale = sorted({case.name for case in all_cases()} - url_names())
    assert not stale, f"Matrix cases for URLs that no longer exist: {stale}"


def _user(cast: Any, actor: str) -> Any:
    return None if actor == "anonymous" else getattr(cast, actor)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", all_cases(), ids=lambda c: f"{c.name}:{c.method}")
def test_permission_matrix(case: Case, actor: str, cast: Any, client: Any) -> None:
    if case.setup:
        case.setup(cast)
    user = _user(cast, actor)
    failures = []
    for target in case.targets:
        client.logout()
        if user is not None:
            client.force_login(user)
        url = case.url(cast, target)
        before = fingerprint() if case.method != "get" else None
        if case.method == "get":
            response = client.get(url)
        else:
            response = getattr(client, case.method)(url, case.data(cast, target) if case.data else {})
        expected = case.expected(actor, target)
        if response.status_code != expected:
            failures.append(f"{target}: {url} -> {response.status_code}, expected {expected}")
        elif before is not None and expected >= 300 and fingerprint() != before:
            failures.append(f"{target}: {url} was refused ({expected}) but the database changed")
    assert not failures, "\n".join(failures)

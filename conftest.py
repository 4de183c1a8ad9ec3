"""The cast every test can use: a small province with two committees and people in every role.

province (Tỉnh ủy)
├── committee_a (Huyện ủy Tuy An)          officer_a (officer, grader)
│   └── grassroots_a (Đảng bộ xã An Dân)
│       ├── cell_a (Chi bộ thôn 1)          secretary_a, member_a, + people
│       └── cell_a2 (Chi bộ thôn 2)
└── committee_b (Thị ủy Sông Cầu)          officer_b
    └── grassroots_b (Đảng bộ phường Xuân Phú)
        └── cell_b (Chi bộ khu phố 1)       secretary_b, member_b
staff (root grant), superuser, outsider (an account with no role)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's live_server with the sync API
pytest_plugins = ["portal.testing.celery_worker"]  # the celery_worker fixture (real worker when a broker is set)


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language (vi): a request with another Accept-Language leaves it
    active in the thread, which would make the next test's direct service calls answer in English."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@dataclass
class Cast:
    province: Any
    committee_a: Any
    grassroots_a: Any
    cell_a: Any
    cell_a2: Any
    committee_b: Any
    grassroots_b: Any
    cell_b: Any
    superuser: Any
    staff: Any
    officer_a: Any
    officer_b: Any
    secretary_a: Any
    secretary_b: Any
    member_a: Any  # a User; member_a.person is their Person
    member_b: Any
    outsider: Any
    person_a: Any
    person_a2: Any
    person_b: Any

    def users(self) -> dict[str, Any]:
        return {
            "superuser": self.superuser,
            "staff": self.staff,
            "officer_a": self.officer_a,
            "officer_b": self.officer_b,
            "secretary_a": self.secretary_a,
            "secretary_b": self.secretary_b,
            "member_a": self.member_a,
            "member_b": self.member_b,
            "outsider": self.outsider,
        }


@pytest.fixture
def cast(db: Any) -> Cast:
    from organisations.models import Organisation as O
    from organisations.models import Person, RoleGrant
    from organisations.tests.factories import PersonFactory, UserFactory, grant, make_org

    K, R = O.Kind, RoleGrant.Role
    province = make_org("Tỉnh ủy Phú Yên", K.PROVINCE, symbol="TU")
    committee_a = make_org("Huyện ủy Tuy An", K.COMMITTEE, province, short_name="Tuy An", symbol="HU")
    grassroots_a = make_org("Đảng bộ xã An Dân", K.GRASSROOTS, committee_a)
    cell_a = make_org("Chi bộ thôn Phú Tân 1", K.CELL, grassroots_a)
    cell_a2 = make_org("Chi bộ thôn Phú Tân 2", K.CELL, grassroots_a)
    committee_b = make_org("Thị ủy Sông Cầu", K.COMMITTEE, province, short_name="Sông Cầu", symbol="TU")
    grassroots_b = make_org("Đảng bộ phường Xuân Phú", K.GRASSROOTS, committee_b)
    cell_b = make_org("Chi bộ khu phố 1", K.CELL, grassroots_b)

    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    staff = UserFactory(username="staff", first_name="Cán bộ", last_name="Tuyên giáo")
    grant(staff, province, R.STAFF)
    officer_a = UserFactory(username="officer_a")
    grant(officer_a, committee_a, R.OFFICER, can_grade=True)
    officer_b = UserFactory(username="officer_b")
    grant(officer_b, committee_b, R.OFFICER, can_grade=True)
    secretary_a = UserFactory(username="secretary_a")
    grant(secretary_a, cell_a, R.SECRETARY)
    secretary_b = UserFactory(username="secretary_b")
    grant(secretary_b, cell_b, R.SECRETARY)
    member_a = UserFactory(username="member_a")
    member_b = UserFactory(username="member_b")
    outsider = UserFactory(username="outsider")

    person_a = PersonFactory(full_name="Nguyễn Văn An", organisation=cell_a, user=member_a)
    PersonFactory(full_name="Trần Thị Bình", organisation=cell_a, user=secretary_a)
    person_a2 = PersonFactory(full_name="Lê Văn Cường", organisation=cell_a2)
    person_b = PersonFactory(full_name="Phạm Thị Dung", organisation=cell_b, user=member_b)
    PersonFactory(full_name="Hoàng Văn Em", organisation=cell_b, user=secretary_b)
    PersonFactory(full_name="Võ Thị Hoa", organisation=cell_b, kind=Person.Kind.NON_PARTY, card_number=None)

    return Cast(
        province=province,
        committee_a=committee_a,
        grassroots_a=grassroots_a,
        cell_a=cell_a,
        cell_a2=cell_a2,
        committee_b=committee_b,
        grassroots_b=grassroots_b,
        cell_b=cell_b,
        superuser=superuser,
        staff=staff,
        officer_a=officer_a,
        officer_b=officer_b,
        secretary_a=secretary_a,
        secretary_b=secretary_b,
        member_a=member_a,
        member_b=member_b,
        outsider=outsider,
        person_a=person_a,
        person_a2=person_a2,
        person_b=person_b,
    )


@pytest.fixture
def login(client: Any):
    """Log the test client in as a user; returns the client."""

    def _login(user: Any) -> Any:
        client.force_login(user)
        return client

    return _login


# Browser tests: Playwright drives Debian's Chromium (it cannot download its own browser here).
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def pytest_collection_modifyitems(config: Any, items: list) -> None:
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any):  # type: ignore[no-untyped-def]
    """Under CI no test may be skipped: a skip is turned into a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI (not allowed): {report.longrepr}"

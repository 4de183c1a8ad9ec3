"""The demo province command (seed_demo) and its builder, on a small scale so the tests stay quick."""

from __future__ import annotations

import importlib.machinery
import io
import random
import sys
import types
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from organisations import access, demo
from organisations.models import STEP, Membership, Organisation, Person, RoleGrant
from portal.lib.text import fold

K = Organisation.Kind
SCALE = "0.02"

DISTRICT_COMMITTEES = [
    "Thành ủy Tuy Hòa",
    "Thị ủy Sông Cầu",
    "Thị ủy Đông Hòa",
    "Huyện ủy Tuy An",
    "Huyện ủy Đồng Xuân",
    "Huyện ủy Sơn Hòa",
    "Huyện ủy Sông Hinh",
    "Huyện ủy Tây Hòa",
    "Huyện ủy Phú Hòa",
]
BLOC_COMMITTEES = [
    "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh",
    "Đảng ủy Quân sự tỉnh",
    "Đảng ủy Công an tỉnh",
    "Đảng ủy Bộ đội Biên phòng tỉnh",
]
MASS_ORGS = [
    "Ủy ban Mặt trận Tổ quốc tỉnh",
    "Liên đoàn Lao động tỉnh",
    "Hội Liên hiệp Phụ nữ tỉnh",
    "Hội Nông dân tỉnh",
    "Hội Cựu chiến binh tỉnh",
    "Tỉnh đoàn",
]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def names_in_order() -> list[tuple[str, str]]:
    return list(Person.objects.order_by("organisation__path", "id").values_list("organisation__name", "full_name"))


@pytest.fixture
def seeded(db: Any) -> str:
    return seed()


def test_the_province_has_its_13_committees_and_6_socio_political_organisations(seeded):
    root = Organisation.objects.get(depth=0)
    assert (root.name, root.kind, root.symbol) == ("Tỉnh ủy Phú Yên", K.PROVINCE, "TU")
    children = list(root.children.order_by("path").values_list("name", "kind"))
    assert children == [(n, K.COMMITTEE) for n in DISTRICT_COMMITTEES + BLOC_COMMITTEES] + [
        (n, K.MASS_ORG) for n in MASS_ORGS
    ]
    tuy_an = Organisation.objects.get(name="Huyện ủy Tuy An")
    assert (tuy_an.short_name, tuy_an.symbol) == ("Tuy An", "HU")
    assert Organisation.objects.get(name="Đảng ủy Công an tỉnh").symbol == "ĐU"
    assert Organisation.objects.filter(kind=K.GRASSROOTS).exists()
    assert Organisation.objects.filter(kind=K.CELL, parent__kind=K.GRASSROOTS).count() > 50


def test_every_committee_and_mass_org_has_people(seeded):
    for org in Organisation.objects.filter(depth=1):
        assert Person.objects.filter(organisation__path__startswith=org.path).exists(), org.name
    # Mass organisations hold their cadres directly, like a cell; some of them are not Party members.
    mass_people = Person.objects.filter(organisation__kind=K.MASS_ORG)
    assert mass_people.filter(kind=Person.Kind.NON_PARTY).exists()


def test_paths_depths_and_search_names_follow_the_services_format(seeded):
    for org in Organisation.objects.select_related("parent"):
        assert len(org.path) % STEP == 0 and org.path.isdigit()
        assert org.depth == len(org.path) // STEP - 1
        assert org.search_name == fold(f"{org.name} {org.short_name}")
        if org.parent is not None:
            assert org.path[:-STEP] == org.parent.path
    # The tree takes new children the way the services number them: after the last one.
    from organisations import services

    tuy_an = Organisation.objects.get(name="Huyện ủy Tuy An")
    last = tuy_an.children.order_by("-path").first()
    new = services.organisation_create(actor=None, parent=tuy_an, name="Đảng bộ xã Mới", kind=K.GRASSROOTS)
    assert int(new.path[-STEP:]) == int(last.path[-STEP:]) + 1


def test_people_are_realistic_and_each_has_one_open_membership(seeded):
    people = Person.objects.count()
    assert people == round(demo.PEOPLE_AT_SCALE_1 * float(SCALE))
    assert Membership.objects.filter(end_date__isnull=True).count() == people
    assert not Person.objects.filter(memberships__isnull=True).exists()
    assert Person.objects.filter(kind=Person.Kind.OFFICIAL).count() > 0.9 * people
    assert Person.objects.filter(kind=Person.Kind.PROBATIONARY).exists()
    assert Person.objects.filter(status=Person.Status.EXCUSED).exists()
    assert Person.objects.filter(gender=Person.Gender.FEMALE).exists()
    cards = list(Person.objects.exclude(card_number=None).values_list("card_number", flat=True))
    assert len(cards) == len(set(cards)) and all(len(c) >= 8 and c.isdigit() for c in cards)
    assert not Person.objects.filter(kind=Person.Kind.NON_PARTY, card_number__isnull=False).exists()
    person = Person.objects.exclude(full_name__startswith="Ksor").order_by("id").first()
    assert len(person.full_name.split()) >= 3
    assert person.search_name == fold(person.full_name) and person.sort_key  # refresh_derived ran
    assert Person.objects.exclude(phone="").exists() and Person.objects.exclude(email="").exists()


def test_demo_accounts_have_their_roles(seeded):
    staff = user("demo_staff")
    assert staff.is_staff and not staff.is_superuser
    assert staff.check_password("demo-portal")
    assert RoleGrant.objects.get(user=staff).organisation.depth == 0
    admin = user("admin")
    assert admin.is_superuser and admin.check_password("demo-portal")
    for username, committee in [("demo_officer", "Huyện ủy Tuy An"), ("demo_officer2", "Thị ủy Sông Cầu")]:
        grant = RoleGrant.objects.get(user__username=username)
        assert (grant.role, grant.can_grade, grant.organisation.name) == (RoleGrant.Role.OFFICER, True, committee)
        assert grant.user.is_staff and not grant.user.is_superuser


def test_demo_officer_sees_tuy_an_people_but_not_song_cau_people(seeded):
    officer = user("demo_officer")
    tuy_an = Organisation.objects.get(name="Huyện ủy Tuy An")
    song_cau = Organisation.objects.get(name="Thị ủy Sông Cầu")
    visible = access.visible(Person.objects.all(), officer)
    assert visible.count() == Person.objects.filter(organisation__path__startswith=tuy_an.path).count() > 0
    assert not visible.filter(organisation__path__startswith=song_cau.path).exists()
    assert access.can(officer, access.Action.GRADE, tuy_an)
    assert not access.can(officer, access.Action.VIEW, song_cau)
    assert not access.can(user("demo_officer2"), access.Action.VIEW, tuy_an)


@pytest.mark.parametrize(
    ("secretary", "member", "committee"),
    [("demo_secretary", "demo_member", "Huyện ủy Tuy An"), ("demo_secretary2", "demo_member2", "Thị ủy Sông Cầu")],
)
def test_secretary_and_member_are_people_of_the_same_cell(seeded, secretary, member, committee):
    secretary_user, member_user = user(secretary), user(member)
    grant = RoleGrant.objects.get(user=secretary_user)
    cell = grant.organisation
    assert grant.role == RoleGrant.Role.SECRETARY and cell.is_cell
    assert cell.is_within(Organisation.objects.get(name=committee))
    assert secretary_user.person.organisation == cell and member_user.person.organisation == cell
    assert secretary_user.first_name == secretary_user.person.full_name
    assert not RoleGrant.objects.filter(user=member_user).exists()
    assert access.scope_of(member_user).person_id == member_user.person.pk
    assert set(access.visible(Person.objects.all(), secretary_user)) == set(cell.people.all())


def test_the_command_prints_timing_and_the_accounts(seeded):
    assert "Done in" in seeded
    for username in ("admin", "demo_staff", "demo_officer2", "demo_secretary2", "demo_member2"):
        assert username in seeded
    assert "demo-portal" in seeded


def test_if_empty_does_nothing_when_the_province_exists(seeded):
    before = (Organisation.objects.count(), Person.objects.count(), get_user_model().objects.count())
    output = seed("--if-empty")
    assert "not loaded" in output
    assert (Organisation.objects.count(), Person.objects.count(), get_user_model().objects.count()) == before


def test_seeding_twice_without_a_flag_is_refused(seeded):
    with pytest.raises(CommandError):
        seed()
    assert Organisation.objects.filter(depth=0).count() == 1


def test_the_same_seed_gives_the_same_province_and_another_seed_another(transactional_db):
    # transactional_db: --reset flushes the database, which PostgreSQL refuses inside the test's transaction
    # while foreign-key checks of the first seeding are still pending.
    seed()
    first = names_in_order()
    seed("--reset")
    assert names_in_order() == first
    seed("--reset", "--seed", "7")
    other = names_in_order()
    assert len(other) == len(first) and other != first


def test_the_plan_scales_grassroots_and_cells():
    def counts(scale: float) -> tuple[int, int]:
        nodes = list(demo.plan(seed=1, scale=scale).walk())
        grassroots = sum(n.kind in Organisation.GRASSROOTS_KINDS for n in nodes)
        return grassroots, sum(n.kind == K.CELL for n in nodes)

    grassroots, cells = counts(1)
    assert 550 <= grassroots <= 650 and 2300 <= cells <= 2700
    grassroots_3, cells_3 = counts(3)
    assert 2.8 * grassroots < grassroots_3 < 3.2 * grassroots and 2.8 * cells < cells_3 < 3.2 * cells
    names = [n.name for n in demo.plan(seed=1, scale=3).walk() if n.kind in Organisation.GRASSROOTS_KINDS]
    assert len(names) == len(set(names))  # replicas carry a "(khu vực N)" suffix


def test_allocate_splits_exactly_in_proportion():
    assert demo.allocate(10, [1, 1, 2]) == [3, 2, 5]
    counts = demo.allocate(46_500, [random.Random(1).random() + 0.1 for _ in range(3000)])
    assert sum(counts) == 46_500


def test_installed_apps_add_their_demo_data_through_a_demo_module(seeded, monkeypatch):
    calls: list[tuple[Any, ...]] = []
    labels = ("campaigns", "essays", "materials")  # the apps with a demo module, in INSTALLED_APPS order
    for label in labels:  # stand-ins record how each hook is called (the real ones ran in ``seeded``)
        module = types.ModuleType(f"{label}.demo")
        module.__spec__ = importlib.machinery.ModuleSpec(f"{label}.demo", None)
        module.seed = lambda province, rng, stdout, label=label: calls.append(  # type: ignore[attr-defined]
            (label, province.name, rng.random(), stdout)
        )
        monkeypatch.setitem(sys.modules, f"{label}.demo", module)
    out = io.StringIO()
    province = Organisation.objects.get(depth=0)
    timings = demo.run_hooks(province, seed=5, stdout=out)
    assert [label for label, _ in timings] == [f"demo data of {label}" for label in labels]
    # each app gets its own random stream, derived from the seed and its label: adding an app changes no other's data
    assert calls == [(label, "Tỉnh ủy Phú Yên", random.Random(f"5:{label}").random(), out) for label in labels]

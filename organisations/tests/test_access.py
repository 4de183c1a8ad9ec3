"""organisations.access on the cast: who sees which rows, who may do what where, 404 versus 403, who grants what."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organisations import access
from organisations.models import AuditEntry, Membership, Organisation, Person, RoleGrant
from organisations.tests.factories import UserFactory, grant

A = access.Action
R = RoleGrant.Role

ALL_PEOPLE = {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa"}
PEOPLE_A = {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}
PEOPLE_B = {"Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa"}
CELL_A = {"Nguyễn Văn An", "Trần Thị Bình"}


def user_of(cast: Any, who: str) -> Any:
    return AnonymousUser() if who == "anonymous" else cast.users()[who]


def people_seen(cast: Any, who: str, action: access.Action = A.VIEW) -> set[str]:
    return set(access.visible(Person.objects.all(), user_of(cast, who), action).values_list("full_name", flat=True))


# visible() -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("superuser", ALL_PEOPLE),
        ("staff", ALL_PEOPLE),
        ("officer_a", PEOPLE_A),
        ("officer_b", PEOPLE_B),
        ("secretary_a", CELL_A),
        ("secretary_b", PEOPLE_B),
        ("member_a", {"Nguyễn Văn An"}),
        ("member_b", {"Phạm Thị Dung"}),
        ("outsider", set()),
        ("anonymous", set()),
    ],
)
def test_visible_people_per_role(cast, who, expected):
    assert people_seen(cast, who) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("staff", ALL_PEOPLE), ("officer_a", PEOPLE_A), ("secretary_a", set()), ("member_a", set()), ("outsider", set())],
)
def test_only_staff_and_officers_may_change_people(cast, who, expected):
    assert people_seen(cast, who, A.CHANGE) == expected


def test_secretary_who_is_also_a_member_sees_their_cell_but_acts_on_self_only_as_a_member(cast):
    # secretary_a is Trần Thị Bình: VIEW covers the cell; SELF (write my essay) only their own row.
    assert people_seen(cast, "secretary_a", A.SELF) == {"Trần Thị Bình"}
    assert people_seen(cast, "member_a", A.SELF) == {"Nguyễn Văn An"}
    assert people_seen(cast, "staff", A.SELF) == set()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer_a", {"Huyện ủy Tuy An", "Đảng bộ xã An Dân", "Chi bộ thôn Phú Tân 1", "Chi bộ thôn Phú Tân 2"}),
        ("secretary_a", {"Chi bộ thôn Phú Tân 1"}),
        ("member_a", set()),
        ("outsider", set()),
    ],
)
def test_visible_organisations_per_role(cast, who, expected):
    names = set(access.visible(Organisation.objects.all(), user_of(cast, who)).values_list("name", flat=True))
    assert names == expected


def test_staff_see_the_whole_tree(cast):
    assert access.visible(Organisation.objects.all(), cast.staff).count() == Organisation.objects.count() == 8


def test_visible_follows_the_access_path_of_related_models(cast):
    memberships = access.visible(Membership.objects.all(), cast.officer_b)
    assert set(memberships.values_list("person__full_name", flat=True)) == PEOPLE_B
    grants = access.visible(RoleGrant.objects.all(), cast.officer_a)
    assert set(grants.values_list("user__username", flat=True)) == {"officer_a", "secretary_a"}
    audit = access.visible(AuditEntry.objects.all(), cast.officer_b, A.AUDIT)
    assert audit.exists() and not audit.filter(organisation__path__startswith=cast.committee_a.path).exists()


def test_secretaries_cannot_read_the_audit_trail(cast):
    assert not access.visible(AuditEntry.objects.all(), cast.secretary_a, A.AUDIT).exists()


def test_a_grant_on_a_deactivated_organisation_gives_nothing(cast):
    Organisation.objects.filter(pk=cast.cell_a2.pk).update(is_active=False)
    officer = UserFactory(username="officer_of_a_closed_cell")
    grant(officer, cast.cell_a2, R.OFFICER)
    assert not access.visible(Person.objects.all(), officer).exists()


def test_an_inactive_account_sees_nothing(cast):
    cast.officer_a.is_active = False
    cast.officer_a.save()
    access.forget(cast.officer_a)
    assert people_seen(cast, "officer_a") == set()


def test_nested_grants_are_folded_into_one_subtree(cast):
    grant(cast.officer_a, cast.cell_a, R.SECRETARY)
    access.forget(cast.officer_a)
    assert access.scope_of(cast.officer_a).paths(A.VIEW) == [cast.committee_a.path]
    assert people_seen(cast, "officer_a") == PEOPLE_A


def test_two_separate_grants_add_up(cast):
    grant(cast.secretary_a, cast.cell_b, R.SECRETARY)
    access.forget(cast.secretary_a)
    assert people_seen(cast, "secretary_a") == CELL_A | PEOPLE_B


def test_the_scope_is_loaded_once_per_user_object(cast, django_assert_num_queries):
    access.forget(cast.officer_a)
    with django_assert_num_queries(2):
        access.scope_of(cast.officer_a)
    with django_assert_num_queries(0):
        access.can(cast.officer_a, A.CHANGE, cast.cell_a)
        access.visible(Person.objects.all(), cast.officer_a)


# can() -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "action", "org", "expected"),
    [
        ("staff", A.MANAGE_TREE, "province", True),
        ("staff", A.GRADE, "cell_b", True),
        ("staff", A.SELF, "cell_a", False),
        ("officer_a", A.VIEW, "cell_a", True),
        ("officer_a", A.CHANGE, "committee_a", True),
        ("officer_a", A.MANAGE_TREE, "committee_a", False),  # not their own committee
        ("officer_a", A.MANAGE_TREE, "grassroots_a", True),
        ("officer_a", A.GRANT, "committee_a", False),
        ("officer_a", A.GRANT, "cell_a", True),
        ("officer_a", A.VIEW, "committee_b", False),
        ("officer_a", A.VIEW, "province", False),  # nothing above their node
        ("officer_a", A.GRADE, "cell_a", True),  # granted with can_grade
        ("secretary_a", A.VIEW, "cell_a", True),
        ("secretary_a", A.ATTEND, "cell_a", True),
        ("secretary_a", A.ATTEND, "cell_a2", False),
        ("secretary_a", A.CHANGE, "cell_a", False),
        ("secretary_a", A.GRADE, "cell_a", False),
        ("member_a", A.VIEW, "cell_a", False),  # members see their own rows, not their organisation
        ("outsider", A.VIEW, "cell_a", False),
        ("anonymous", A.VIEW, "cell_a", False),
        ("superuser", A.MANAGE_TREE, "province", True),
    ],
)
def test_can_per_role_action_and_organisation(cast, who, action, org, expected):
    assert access.can(user_of(cast, who), action, getattr(cast, org)) is expected


def test_officers_grade_only_when_granted_the_right(cast):
    officer = UserFactory(username="officer_no_grading")
    grant(officer, cast.committee_a, R.OFFICER, can_grade=False)
    assert access.can(officer, A.CHANGE, cast.cell_a)
    assert not access.can(officer, A.GRADE, cast.cell_a)
    assert not access.can(officer, A.GRADE)


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [
        ("officer_a", A.GRANT, True),
        ("secretary_a", A.ATTEND, True),
        ("secretary_a", A.CHANGE, False),
        ("member_a", A.VIEW, False),
        ("outsider", A.VIEW, False),
    ],
)
def test_can_anywhere_when_no_organisation_is_given(cast, who, action, expected):
    assert access.can(user_of(cast, who), action) is expected


def test_require_raises_403_without_the_right(cast):
    access.require(cast.officer_a, A.CHANGE, cast.cell_a)
    with pytest.raises(PermissionDenied):
        access.require(cast.secretary_a, A.CHANGE, cast.cell_a)


# get_object_or_404() ----------------------------------------------------------------------------------


def test_get_object_returns_a_row_in_scope(cast):
    assert access.get_object_or_404(Person.objects.all(), cast.officer_a, pk=cast.person_a.pk) == cast.person_a
    assert access.get_object_or_404(Person.objects.all(), cast.member_a, pk=cast.person_a.pk) == cast.person_a


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("officer_a", "person_b"),
        ("secretary_a", "person_a2"),
        ("member_a", "person_a2"),
        ("outsider", "person_a"),
        ("anonymous", "person_a"),
    ],
)
def test_get_object_outside_scope_is_404(cast, who, target):
    with pytest.raises(Http404):
        access.get_object_or_404(Person.objects.all(), user_of(cast, who), A.VIEW, pk=getattr(cast, target).pk)


@pytest.mark.parametrize(("who", "action"), [("secretary_a", A.CHANGE), ("member_a", A.CHANGE), ("officer_a", A.SELF)])
def test_get_object_inside_scope_without_the_right_is_403(cast, who, action):
    with pytest.raises(PermissionDenied):
        access.get_object_or_404(Person.objects.all(), user_of(cast, who), action, pk=cast.person_a.pk)


def test_get_object_outside_scope_is_404_even_for_an_action_the_user_holds_elsewhere(cast):
    with pytest.raises(Http404):
        access.get_object_or_404(Person.objects.all(), cast.officer_a, A.CHANGE, pk=cast.person_b.pk)


@pytest.mark.parametrize("pk", [987654, "not-a-number"])
def test_get_object_for_a_missing_or_malformed_id_is_404(cast, pk):
    with pytest.raises(Http404):
        access.get_object_or_404(Person.objects.all(), cast.staff, pk=pk)


def test_member_may_act_on_their_own_row(cast):
    assert access.get_object_or_404(Person.objects.all(), cast.member_a, A.SELF, pk=cast.person_a.pk)


def test_officer_may_not_manage_their_own_committee_object(cast):
    with pytest.raises(PermissionDenied):
        access.get_object_or_404(Organisation.objects.all(), cast.officer_a, A.MANAGE_TREE, pk=cast.committee_a.pk)
    org = access.get_object_or_404(Organisation.objects.all(), cast.officer_a, A.MANAGE_TREE, pk=cast.cell_a.pk)
    assert org == cast.cell_a


# can_grant_role() -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role", "org", "expected"),
    [
        ("staff", R.STAFF, "province", True),
        ("staff", R.OFFICER, "committee_b", True),
        ("officer_a", R.STAFF, "cell_a", False),
        ("officer_a", R.OFFICER, "committee_a", False),  # not at their own node: no widening themselves
        ("officer_a", R.OFFICER, "grassroots_a", True),
        ("officer_a", R.SECRETARY, "cell_a", True),
        ("officer_a", R.SECRETARY, "cell_b", False),
        ("officer_a", R.OFFICER, "province", False),
        ("secretary_a", R.SECRETARY, "cell_a", False),
        ("member_a", R.SECRETARY, "cell_a", False),
        ("outsider", R.SECRETARY, "cell_a", False),
        ("superuser", R.STAFF, "province", True),
    ],
)
def test_can_grant_role(cast, who, role, org, expected):
    assert access.can_grant_role(user_of(cast, who), role, getattr(cast, org)) is expected


# The admin and the home page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("superuser", True),
        ("staff", True),
        ("officer_a", True),
        ("secretary_a", False),
        ("member_a", False),
        ("outsider", False),
        ("anonymous", False),
    ],
)
def test_can_use_admin(cast, who, expected):
    assert access.can_use_admin(user_of(cast, who)) is expected


def test_home_sections_per_role(cast):
    assert "admin" in access.home_sections(cast.officer_a) and "grading" in access.home_sections(cast.officer_a)
    assert access.home_sections(cast.secretary_a) == ["attendance", "my_study", "my_essays", "materials", "profile"]
    assert access.home_sections(cast.member_a) == ["my_study", "my_essays", "materials", "profile"]
    assert access.home_sections(cast.outsider) == ["profile"]

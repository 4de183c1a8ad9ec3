"""The portal's people pages: who sees whom, Vietnamese order and search, the organisation drill-down."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from organisations import selectors, services
from organisations.models import Organisation, Person
from organisations.tests.factories import PersonFactory, make_org

NAME_CELL = re.compile(r'class="stack-title"><a href="/people/(\d+)/">([^<]+)</a>')


def names_on(response: Any) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [name for _pk, name in NAME_CELL.findall(response.content.decode())]


def people_url(**params: Any) -> str:
    from urllib.parse import urlencode

    return reverse("organisations:person_list") + ("?" + urlencode(params) if params else "")


def org_url(org: Organisation, **params: Any) -> str:
    from urllib.parse import urlencode

    url = reverse("organisations:organisation_people", args=[org.pk])
    return url + ("?" + urlencode(params) if params else "")


# Who sees whom -------------------------------------------------------------------------------


def test_staff_see_everyone_sorted_by_given_name(cast, login):
    names = names_on(login(cast.staff).get(people_url()))
    assert names == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa"]


def test_officer_sees_only_the_people_of_their_committee(cast, login):
    assert names_on(login(cast.officer_a).get(people_url())) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]


def test_secretary_sees_only_their_own_cell(cast, login):
    assert names_on(login(cast.secretary_a).get(people_url())) == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_member_is_sent_to_their_own_record(cast, login):
    client = login(cast.member_a)
    response = client.get(people_url())
    assert response.status_code == 302
    assert response.url == reverse("organisations:person_detail", args=[cast.person_a.pk])
    page = client.get(response.url).content.decode()
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" not in page


def test_member_cannot_open_another_person_or_their_cell(cast, login):
    client = login(cast.member_a)
    assert client.get(reverse("organisations:person_detail", args=[cast.person_a2.pk])).status_code == 404
    assert client.get(org_url(cast.cell_a)).status_code == 404


def test_account_without_role_or_record_is_refused_the_people_page(cast, login):
    assert login(cast.outsider).get(people_url()).status_code == 403


def test_officer_gets_404_for_a_sibling_committees_person_and_organisation(cast, login):
    client = login(cast.officer_a)
    assert client.get(reverse("organisations:person_detail", args=[cast.person_b.pk])).status_code == 404
    assert client.get(org_url(cast.committee_b)).status_code == 404
    assert client.get(org_url(cast.province)).status_code == 404  # above their subtree
    assert client.get(reverse("organisations:person_detail", args=[999999])).status_code == 404


def test_secretary_gets_404_for_the_neighbouring_cell(cast, login):
    client = login(cast.secretary_a)
    assert client.get(reverse("organisations:person_detail", args=[cast.person_a2.pk])).status_code == 404
    assert client.get(org_url(cast.cell_a2)).status_code == 404


def test_anonymous_visitor_is_sent_to_login(cast, client):
    response = client.get(people_url())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# Search and filters ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["nguyen van an", "Nguyễn Văn An", "NGUYEN  VAN AN", "an nguyen"])
def test_search_finds_a_name_with_or_without_diacritics(cast, login, query):
    assert names_on(login(cast.staff).get(people_url(q=query))) == ["Nguyễn Văn An"]


def test_search_folds_d_with_stroke(cast, login):
    PersonFactory(full_name="Đỗ Đức Độ", organisation=cast.cell_b)
    client = login(cast.staff)
    assert names_on(client.get(people_url(q="do duc"))) == ["Đỗ Đức Độ"]
    assert names_on(client.get(people_url(q="đức"))) == ["Đỗ Đức Độ"]


def test_search_finds_a_person_by_party_card_number(cast, login):
    Person.objects.filter(pk=cast.person_b.pk).update(card_number="79123456")
    client = login(cast.staff)
    assert names_on(client.get(people_url(q="79123456"))) == ["Phạm Thị Dung"]
    assert names_on(client.get(people_url(q="7912"))) == ["Phạm Thị Dung"]


def test_search_stays_within_scope(cast, login):
    assert names_on(login(cast.officer_a).get(people_url(q="dung"))) == []


def test_filters_by_status_and_kind(cast, login):
    Person.objects.filter(pk=cast.person_a2.pk).update(status=Person.Status.EXCUSED)
    client = login(cast.staff)
    assert names_on(client.get(people_url(status="excused"))) == ["Lê Văn Cường"]
    assert names_on(client.get(people_url(kind="non_party"))) == ["Võ Thị Hoa"]
    assert names_on(client.get(people_url(kind="non_party", status="excused"))) == []


def test_an_unknown_filter_value_is_ignored_not_an_error(cast, login):
    assert len(names_on(login(cast.staff).get(people_url(status="nonsense")))) == 6


# Vietnamese order and folding, on whichever database runs the suite (SQLite and PostgreSQL) -------

VIETNAMESE_ORDER = [
    "Nguyễn Văn An",
    "Trần Thị Ánh",
    "Lê Thị Ăn",
    "Phạm Văn Ân",
    "Hoàng Bình",
    "Đỗ Văn Chính",
    "Bùi Thị Dung",
    "Vũ Văn Dũng",
    "Lý Đức",
    "Ngô Thị Én",
    "Đặng Văn Ê",
    "Trịnh Thị Ơn",
    "Mai Văn Ưng",
]


def test_people_sort_by_given_name_in_the_vietnamese_alphabet_in_the_database(cast):
    org = make_org("Chi bộ thử nghiệm", Organisation.Kind.CELL, cast.grassroots_b)
    for name in reversed(VIETNAMESE_ORDER):
        PersonFactory(full_name=name, organisation=org)
    ordered = list(selectors.person_list(user=cast.staff, organisation=org).values_list("full_name", flat=True))
    assert ordered == VIETNAMESE_ORDER


def test_family_and_middle_names_break_ties_between_equal_given_names(cast):
    org = make_org("Chi bộ thử nghiệm", Organisation.Kind.CELL, cast.grassroots_b)
    for name in ["Trần Văn An", "Nguyễn Văn An", "Đặng Thị An", "Bùi An"]:
        PersonFactory(full_name=name, organisation=org)
    ordered = list(selectors.person_list(user=cast.staff, organisation=org).values_list("full_name", flat=True))
    assert ordered == ["Bùi An", "Đặng Thị An", "Nguyễn Văn An", "Trần Văn An"]


def test_given_names_differing_only_by_tone_form_separate_groups(cast):
    org = make_org("Chi bộ thử nghiệm", Organisation.Kind.CELL, cast.grassroots_b)
    for name in ["Bùi Văn Dũng", "Vũ Thị Dung"]:
        PersonFactory(full_name=name, organisation=org)
    ordered = list(selectors.person_list(user=cast.staff, organisation=org).values_list("full_name", flat=True))
    assert ordered == ["Vũ Thị Dung", "Bùi Văn Dũng"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dung", ["Bùi Thị Dung", "Vũ Văn Dũng"]),
        ("DUC", ["Lý Đức"]),
        ("uNg", ["Bùi Thị Dung", "Vũ Văn Dũng", "Mai Văn Ưng"]),
        ("thi en", ["Ngô Thị Én"]),
    ],
)
def test_database_search_ignores_diacritics_and_case(cast, query, expected):
    org = make_org("Chi bộ thử nghiệm", Organisation.Kind.CELL, cast.grassroots_b)
    for name in VIETNAMESE_ORDER:
        PersonFactory(full_name=name, organisation=org)
    found = list(
        selectors.person_list(user=cast.staff, query=query, organisation=org).values_list("full_name", flat=True)
    )
    assert found == expected


def test_search_with_a_tone_also_finds_the_other_tones(cast):
    # "dũng" folds to "dung", so it finds both: search is tone-blind by design (users type without tones).
    org = make_org("Chi bộ thử nghiệm", Organisation.Kind.CELL, cast.grassroots_b)
    for name in ["Vũ Thị Dung", "Bùi Văn Dũng"]:
        PersonFactory(full_name=name, organisation=org)
    found = set(
        selectors.person_list(user=cast.staff, query="dũng", organisation=org).values_list("full_name", flat=True)
    )
    assert found == {"Vũ Thị Dung", "Bùi Văn Dũng"}


# The organisation drill-down ----------------------------------------------------------------------

CHILD_ROW = re.compile(
    r'href="/people/org/(\d+)/">\s*<span class="flex-grow-1 text-body">([^<]+?)(?:\s*<span[^>]*>[^<]*</span>)?</span>'
    r'\s*<span class="badge[^"]*" title="[^"]*">([\d.,]+)</span>'
)


def children_on(response: Any) -> dict[str, str]:
    assert response.status_code == 200
    return {name.strip(): count for _pk, name, count in CHILD_ROW.findall(response.content.decode())}


def test_drilldown_shows_each_child_with_the_people_of_its_whole_subtree(cast, login):
    client = login(cast.staff)
    assert children_on(client.get(people_url())) == {"Huyện ủy Tuy An": "3", "Thị ủy Sông Cầu": "3"}
    assert children_on(client.get(org_url(cast.grassroots_a))) == {
        "Chi bộ thôn Phú Tân 1": "2",
        "Chi bộ thôn Phú Tân 2": "1",
    }
    response = client.get(org_url(cast.committee_a))
    assert children_on(response) == {"Đảng bộ xã An Dân": "3"}
    assert names_on(response) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]


def test_drilldown_counts_follow_the_filters(cast, login):
    Person.objects.filter(pk=cast.person_a2.pk).update(status=Person.Status.TRANSFERRED_OUT)
    response = login(cast.staff).get(org_url(cast.grassroots_a, status="active"))
    assert children_on(response) == {"Chi bộ thôn Phú Tân 1": "2", "Chi bộ thôn Phú Tân 2": "0"}
    assert names_on(response) == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_officer_drilldown_starts_at_their_committee(cast, login):
    response = login(cast.officer_b).get(people_url())
    assert children_on(response) == {"Đảng bộ phường Xuân Phú": "3"}
    assert "Huyện ủy Tuy An" not in response.content.decode()


def test_people_placed_directly_on_a_parent_are_counted_apart_from_its_children(cast):
    PersonFactory(full_name="Đinh Văn Giang", organisation=cast.grassroots_a)
    people = selectors.person_list(user=cast.staff, organisation=cast.grassroots_a)
    children = selectors.organisation_children(user=cast.staff, organisation=cast.grassroots_a)
    counts, own = selectors.person_counts_by_child(people, organisation=cast.grassroots_a, children=children)
    assert {c.organisation.name: c.people for c in counts} == {"Chi bộ thôn Phú Tân 1": 2, "Chi bộ thôn Phú Tân 2": 1}
    assert own == 1


def test_child_counts_are_one_aggregate_query_whatever_the_number_of_children(cast, django_assert_num_queries):
    for number in range(30):
        cell = make_org(f"Chi bộ số {number}", Organisation.Kind.CELL, cast.grassroots_b)
        for _ in range(number % 3):
            PersonFactory(organisation=cell)
    people = selectors.person_list(user=cast.staff, organisation=cast.grassroots_b)
    children = selectors.organisation_children(user=cast.staff, organisation=cast.grassroots_b)
    with django_assert_num_queries(1):
        counts, _own = selectors.person_counts_by_child(people, organisation=cast.grassroots_b, children=children)
    assert len(counts) == 31
    assert sum(c.people for c in counts) == 3 + sum(n % 3 for n in range(30))


def test_organisation_search_offers_matching_organisations_in_scope(cast, login):
    page = login(cast.officer_a).get(people_url(q="phu tan")).content.decode()
    assert f'href="/people/org/{cast.cell_a.pk}/"' in page and f'href="/people/org/{cast.cell_a2.pk}/"' in page
    page = login(cast.officer_a).get(people_url(q="xuan phu")).content.decode()
    assert f'href="/people/org/{cast.grassroots_b.pk}/"' not in page


def test_many_children_start_folded(cast, login):
    for number in range(30):
        make_org(f"Chi bộ số {number}", Organisation.Kind.CELL, cast.grassroots_b)
    page = login(cast.staff).get(org_url(cast.grassroots_b)).content.decode()
    assert "<details>" in page and "<details open>" not in page
    assert "<details open>" in login(cast.staff).get(org_url(cast.grassroots_a)).content.decode()


# A person's record -------------------------------------------------------------------------------


def test_person_page_shows_data_and_membership_history_with_vietnamese_dates(cast, login):
    person = cast.person_a
    Person.objects.filter(pk=person.pk).update(date_of_birth=dt.date(1980, 7, 5))
    person.memberships.update(start_date=dt.date(2015, 3, 2))
    services.person_transfer(actor=cast.staff, person=person, to=cast.cell_a2, on=dt.date(2024, 6, 1))
    page = login(cast.officer_a).get(reverse("organisations:person_detail", args=[person.pk])).content.decode()
    assert "05/07/1980" in page
    history = page[page.index('id="history-title"') :]
    assert history.index("Chi bộ thôn Phú Tân 1") < history.index("Chi bộ thôn Phú Tân 2")
    assert "02/03/2015" in history and "01/06/2024" in history


def test_member_sees_their_history_without_links_to_organisations(cast, login):
    page = login(cast.member_a).get(reverse("organisations:person_detail", args=[cast.person_a.pk])).content.decode()
    assert "Chi bộ thôn Phú Tân 1" in page
    assert "/people/org/" not in page
    assert "/admin/" not in page


def test_edit_link_only_for_those_who_may_change_the_person(cast, login):
    url = reverse("organisations:person_detail", args=[cast.person_a.pk])
    edit = reverse("admin:organisations_person_change", args=[cast.person_a.pk])
    assert edit in login(cast.officer_a).get(url).content.decode()
    assert edit not in login(cast.secretary_a).get(url).content.decode()


# Query counts do not grow with the rows --------------------------------------------------------------


def _populate(org: Organisation, count: int) -> None:
    cells = [make_org(f"Chi bộ đo {n}", Organisation.Kind.CELL, org) for n in range(4)]
    for n in range(count):
        PersonFactory(organisation=cells[n % len(cells)])


@pytest.mark.parametrize("size", [5, 120])
def test_people_list_query_count_does_not_grow_with_rows(cast, login, size, django_assert_max_num_queries):
    _populate(cast.grassroots_b, size)
    client = login(cast.staff)
    # session, user, scope (2), roots, children, child counts, page count, page rows, session save (3)
    with django_assert_max_num_queries(12):
        response = client.get(people_url())
    assert len(names_on(response)) == min(50, size + 6)


@pytest.mark.parametrize("size", [5, 120])
def test_drilldown_query_count_does_not_grow_with_rows(cast, login, size, django_assert_max_num_queries):
    _populate(cast.grassroots_b, size)
    client = login(cast.officer_b)
    with django_assert_max_num_queries(13):
        response = client.get(org_url(cast.grassroots_b, status="active"))
    assert len(names_on(response)) == min(50, size + 3)
    assert len(children_on(response)) == 5


@pytest.mark.parametrize("size", [5, 120])
def test_admin_people_changelist_query_count_does_not_grow_with_rows(cast, login, size, django_assert_max_num_queries):
    _populate(cast.grassroots_b, size)
    client = login(cast.officer_b)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("admin:organisations_person_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count('class="field-full_name"') == min(50, size + 3)


def test_pages_of_fifty_in_order(cast, login):
    _populate(cast.grassroots_b, 120)
    client = login(cast.officer_b)
    first, third = names_on(client.get(people_url(page=1))), names_on(client.get(people_url(page=3)))
    assert len(first) == 50 and len(third) == 123 - 100
    everyone = list(selectors.person_list(user=cast.officer_b).values_list("full_name", flat=True))
    assert first == everyone[:50] and third == everyone[100:]


def test_page_links_keep_the_filters(cast, login):
    _populate(cast.grassroots_b, 120)
    page = login(cast.officer_b).get(people_url(status="active")).content.decode()
    assert "?status=active&amp;page=2" in page


def test_while_searching_only_branches_with_matches_are_listed(cast, login):
    response = login(cast.staff).get(people_url(q="cuong"))
    assert children_on(response) == {"Huyện ủy Tuy An": "1"}
    assert names_on(response) == ["Lê Văn Cường"]


def test_a_cells_page_does_not_repeat_the_cell_on_every_row(cast, login):
    client = login(cast.staff)
    assert '<td class="stack-line">' not in client.get(org_url(cast.cell_a)).content.decode()
    page = client.get(org_url(cast.grassroots_a)).content.decode()
    assert '<td class="stack-line">Chi bộ thôn Phú Tân 1</td>' in page


def test_a_user_with_grants_in_two_places_starts_from_both(cast, login):
    from organisations.models import RoleGrant
    from organisations.tests.factories import UserFactory, grant

    user = UserFactory(username="two_hats")
    grant(user, cast.cell_a, RoleGrant.Role.SECRETARY)
    grant(user, cast.committee_b, RoleGrant.Role.OFFICER)
    response = login(user).get(people_url())
    assert children_on(response) == {"Chi bộ thôn Phú Tân 1": "2", "Thị ủy Sông Cầu": "3"}
    assert names_on(response) == ["Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa"]

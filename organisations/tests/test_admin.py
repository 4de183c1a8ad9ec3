"""The admin as staff and officers use it: real admin views through the test client, audited writes,
scoped changelists, refused writes that leave the database as it was, and Vietnamese pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from organisations.models import AuditEntry, Membership, Organisation, Person, RoleGrant
from organisations.tests.factories import PersonFactory, make_org
from portal.testing.matrix import fingerprint

K = Organisation.Kind


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the admin's main form (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else (self._first_option or "")
            self.data.setdefault(self._select, []).append(value)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data


def form_data(response: Any) -> dict[str, Any]:
    """The admin change form's current values, as the browser would post them."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    start = html.index("<form ", html.index('id="content-main"'))
    reader = _FormReader()
    reader.feed(html[start : html.index("</form>", start)])
    return {k: v if len(v) > 1 else v[0] for k, v in reader.data.items()}


def change_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model: type) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def changelist_url(model: type) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def submit_change(client: Any, obj: Any, **changes: Any) -> Any:
    data = form_data(client.get(change_url(obj)))
    data.update({k: ("" if v is None else v) for k, v in changes.items()})
    return client.post(change_url(obj), {**data, "_save": "1"})


def new_org_data(**fields: Any) -> dict[str, Any]:
    return {
        "name": "",
        "short_name": "",
        "symbol": "",
        "kind": K.CELL,
        "parent": "",
        "is_active": "on",
        **fields,
        "_save": "1",
    }


def last_audit(action: str, target: Any) -> AuditEntry:
    return AuditEntry.objects.filter(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    ).latest("id")


# Provincial staff shape the tree ----------------------------------------------------------------


def test_staff_create_an_organisation_and_it_is_audited(cast, login):
    response = login(cast.staff).post(
        add_url(Organisation), new_org_data(name="Chi bộ thôn Phú Tân 3", parent=cast.grassroots_a.pk)
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Chi bộ thôn Phú Tân 3")
    assert org.parent == cast.grassroots_a and org.is_within(cast.committee_a) and org.depth == 3
    entry = last_audit("create", org)
    assert entry.actor == cast.staff and entry.organisation == org
    assert entry.changes["name"] == [None, "Chi bộ thôn Phú Tân 3"]
    assert entry.changes["parent"] == [None, "Đảng bộ xã An Dân"]


def test_staff_rename_an_organisation_and_the_audit_keeps_both_names(cast, login):
    response = submit_change(login(cast.staff), cast.cell_b, name="Chi bộ khu phố 1A")
    assert response.status_code == 302
    assert Organisation.objects.get(pk=cast.cell_b.pk).name == "Chi bộ khu phố 1A"
    entry = last_audit("update", cast.cell_b)
    assert entry.actor == cast.staff
    assert entry.changes == {"name": ["Chi bộ khu phố 1", "Chi bộ khu phố 1A"]}


def test_renaming_updates_the_diacritic_free_search_name(cast, login):
    submit_change(login(cast.staff), cast.cell_b, name="Chi bộ Hòa Hiệp")
    assert Organisation.objects.get(pk=cast.cell_b.pk).search_name.startswith("chi bo hoa hiep")


def test_staff_move_a_subtree_by_changing_its_parent(cast, login):
    response = submit_change(login(cast.staff), cast.grassroots_a, parent=cast.committee_b.pk)
    assert response.status_code == 302
    moved = Organisation.objects.get(pk=cast.grassroots_a.pk)
    cell = Organisation.objects.get(pk=cast.cell_a.pk)
    assert moved.parent_id == cast.committee_b.pk
    assert moved.path.startswith(cast.committee_b.path) and cell.path.startswith(moved.path)
    assert (moved.depth, cell.depth) == (2, 3)
    assert set(
        Person.objects.filter(organisation__path__startswith=cast.committee_b.path).values_list("full_name", flat=True)
    ) >= {"Nguyễn Văn An", "Lê Văn Cường"}
    entry = last_audit("update", cast.grassroots_a)
    assert entry.changes["parent"] == ["Huyện ủy Tuy An", "Thị ủy Sông Cầu"]


def test_the_moved_subtree_leaves_the_old_committees_scope(cast, login):
    submit_change(login(cast.staff), cast.grassroots_a, parent=cast.committee_b.pk)
    client = login(cast.officer_a)
    assert client.get(change_url(cast.cell_a)).status_code == 404
    assert login(cast.officer_b).get(change_url(cast.cell_a)).status_code == 200


def test_staff_deactivate_an_empty_organisation_with_the_admin_action(cast, login):
    empty = make_org("Chi bộ giải thể", K.CELL, cast.grassroots_b)
    response = login(cast.staff).post(
        changelist_url(Organisation), {"action": "deactivate_selected", "_selected_action": [empty.pk]}
    )
    assert response.status_code == 302
    assert not Organisation.objects.get(pk=empty.pk).is_active
    entry = last_audit("deactivate", empty)
    assert entry.actor == cast.staff and entry.changes["is_active"] == [True, False]


def test_deactivation_is_refused_while_active_people_remain(cast, login):
    client = login(cast.staff)
    response = client.post(
        changelist_url(Organisation),
        {"action": "deactivate_selected", "_selected_action": [cast.cell_a.pk]},
        follow=True,
    )
    assert Organisation.objects.get(pk=cast.cell_a.pk).is_active
    assert not AuditEntry.objects.filter(action="deactivate").exists()
    assert "transfer them first" in response.content.decode() or "Chi bộ thôn Phú Tân 1:" in response.content.decode()


# Officers see and change only their subtree ------------------------------------------------------


def _listed(client: Any, model: type, **params: Any) -> str:
    response = client.get(changelist_url(model), params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="result_list"') :] if 'id="result_list"' in html else ""


def test_officer_sees_only_their_subtree_in_the_organisation_changelist(cast, login):
    listed = _listed(login(cast.officer_a), Organisation)
    for name in ["Huyện ủy Tuy An", "Đảng bộ xã An Dân", "Chi bộ thôn Phú Tân 1", "Chi bộ thôn Phú Tân 2"]:
        assert name in listed
    for name in ["Tỉnh ủy Phú Yên", "Thị ủy Sông Cầu", "Xuân Phú", "Chi bộ khu phố 1"]:
        assert name not in listed


def test_officer_sees_only_their_subtrees_people_in_the_admin(cast, login):
    listed = _listed(login(cast.officer_a), Person)
    assert all(n in listed for n in ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"])
    assert not any(n in listed for n in ["Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa"])


def test_admin_people_search_ignores_diacritics_and_finds_card_numbers(cast, login):
    client = login(cast.staff)
    listed = _listed(client, Person, q="nguyen van an")
    assert "Nguyễn Văn An" in listed and "Trần Thị Bình" not in listed
    listed = _listed(client, Person, q=cast.person_b.card_number)
    assert "Phạm Thị Dung" in listed and "Nguyễn Văn An" not in listed
    assert "Phạm Thị Dung" not in _listed(login(cast.officer_a), Person, q="pham thi dung")


def test_officer_sees_only_grants_within_their_subtree(cast, login):
    listed = _listed(login(cast.officer_a), RoleGrant)
    assert "secretary_a" in listed and "officer_a" in listed
    assert "secretary_b" not in listed and "officer_b" not in listed and ">staff<" not in listed


def test_officer_sees_only_audit_entries_of_their_subtree(cast, login):
    listed = _listed(login(cast.officer_a), AuditEntry)
    assert "Chi bộ thôn Phú Tân 1" in listed and "Nguyễn Văn An" in listed
    assert "Thị ủy Sông Cầu" not in listed and "Phạm Thị Dung" not in listed and "Tỉnh ủy Phú Yên" not in listed


@pytest.mark.parametrize("target", ["committee_b", "cell_b", "person_b", "grant_b", "audit_b"])
def test_officer_gets_not_found_for_a_sibling_committees_objects(cast, login, target):
    objects = {
        "committee_b": cast.committee_b,
        "cell_b": cast.cell_b,
        "person_b": cast.person_b,
        "grant_b": RoleGrant.objects.get(user=cast.secretary_b),
        "audit_b": AuditEntry.objects.filter(organisation=cast.cell_b).first(),
    }
    client = login(cast.officer_a)
    obj = objects[target]
    assert client.get(change_url(obj)).status_code == 404
    # the same answer as an id that does not exist: nothing tells the officer the row is there
    missing = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[987654])
    assert client.get(missing).status_code == 404


def test_officer_post_to_a_sibling_object_changes_nothing(cast, login):
    client = login(cast.officer_a)
    before = fingerprint()
    response = client.post(change_url(cast.committee_b), {**new_org_data(name="Bị đổi", parent=cast.province.pk)})
    assert response.status_code == 404
    response = client.post(
        change_url(cast.person_b),
        {"full_name": "Bị đổi", "kind": "official", "status": "active", "organisation": cast.cell_a.pk},
    )
    assert response.status_code == 404
    response = client.post(
        changelist_url(Organisation), {"action": "deactivate_selected", "_selected_action": [cast.cell_b.pk]}
    )
    assert fingerprint() == before


@pytest.mark.parametrize("parent", ["committee_b", "province", "cell_b"])
def test_officer_cannot_create_an_organisation_outside_their_subtree(cast, login, parent):
    client = login(cast.officer_a)  # logging in writes last_login: take the fingerprint after it
    before = fingerprint()
    response = client.post(add_url(Organisation), new_org_data(name="Chi bộ lạ", parent=getattr(cast, parent).pk))
    assert response.status_code == 200  # the form again, with an error on the parent
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    assert not Organisation.objects.filter(name="Chi bộ lạ").exists()
    assert fingerprint() == before


def test_officer_creates_an_organisation_inside_their_subtree(cast, login):
    response = login(cast.officer_a).post(
        add_url(Organisation), new_org_data(name="Chi bộ thôn Phú Tân 3", parent=cast.grassroots_a.pk)
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Chi bộ thôn Phú Tân 3")
    assert last_audit("create", org).actor == cast.officer_a


def test_officer_cannot_rename_their_own_committee(cast, login):
    client = login(cast.officer_a)
    page = client.get(change_url(cast.committee_a))
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()  # read-only view
    before = fingerprint()
    response = client.post(
        change_url(cast.committee_a), new_org_data(name="Huyện ủy Đổi Tên", kind=K.COMMITTEE, parent=cast.province.pk)
    )
    assert response.status_code == 403
    assert Organisation.objects.get(pk=cast.committee_a.pk).name == "Huyện ủy Tuy An"
    assert fingerprint() == before


def test_officer_renames_an_organisation_below_their_committee(cast, login):
    assert submit_change(login(cast.officer_a), cast.cell_a2, name="Chi bộ thôn Phú Tân Hai").status_code == 302
    assert last_audit("update", cast.cell_a2).changes == {"name": ["Chi bộ thôn Phú Tân 2", "Chi bộ thôn Phú Tân Hai"]}


def test_officer_cannot_move_a_subtree_out_of_their_committee(cast, login):
    client = login(cast.officer_a)
    before = fingerprint()
    response = submit_change(client, cast.grassroots_a, parent=cast.committee_b.pk)
    assert response.status_code == 200
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("role", "org"),
    [("staff", "cell_a"), ("staff", "committee_a"), ("officer", "committee_a"), ("secretary", "cell_b")],
)
def test_officer_cannot_grant_the_staff_role_or_anything_at_or_above_their_node(cast, login, role, org):
    client = login(cast.officer_a)
    before = fingerprint()
    response = client.post(
        add_url(RoleGrant),
        {
            "user": cast.member_a.pk,
            "organisation": getattr(cast, org).pk,
            "role": role,
            "_save": "1",
        },
    )
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(user=cast.member_a).exists()
    assert fingerprint() == before


def test_officer_grants_a_secretary_on_a_cell_below_and_it_is_audited(cast, login):
    response = login(cast.officer_a).post(
        add_url(RoleGrant),
        {
            "user": cast.member_a.pk,
            "organisation": cast.cell_a.pk,
            "role": "secretary",
            "_save": "1",
        },
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=cast.member_a)
    assert grant.role == "secretary" and grant.granted_by == cast.officer_a
    assert last_audit("grant", grant).actor == cast.officer_a


# People: a change of organisation is a transfer --------------------------------------------------


def test_changing_a_persons_organisation_records_a_transfer_in_the_history(cast, login):
    person = cast.person_a
    person.memberships.update(start_date=dt.date(2020, 1, 1))
    response = submit_change(login(cast.officer_a), person, organisation=cast.cell_a2.pk, transfer_date="05/07/2024")
    assert response.status_code == 302, form_errors(response)
    history = list(
        Membership.objects.filter(person=person)
        .order_by("start_date")
        .values_list("organisation__name", "start_date", "end_date")
    )
    assert history == [
        ("Chi bộ thôn Phú Tân 1", dt.date(2020, 1, 1), dt.date(2024, 7, 5)),
        ("Chi bộ thôn Phú Tân 2", dt.date(2024, 7, 5), None),
    ]
    assert Person.objects.get(pk=person.pk).organisation == cast.cell_a2
    assert last_audit("update", person).changes["organisation"] == ["Chi bộ thôn Phú Tân 1", "Chi bộ thôn Phú Tân 2"]


def test_editing_a_person_without_moving_them_keeps_one_membership(cast, login):
    response = submit_change(login(cast.staff), cast.person_b, phone="0905123456")
    assert response.status_code == 302, form_errors(response)
    assert Person.objects.get(pk=cast.person_b.pk).phone == "0905123456"
    assert cast.person_b.memberships.count() == 1
    assert last_audit("update", cast.person_b).changes == {"phone": ["", "0905123456"]}


def test_officer_cannot_transfer_a_person_out_of_their_committee(cast, login):
    client = login(cast.officer_a)
    before = fingerprint()
    response = submit_change(client, cast.person_a, organisation=cast.cell_b.pk)
    assert response.status_code == 200
    assert fingerprint() == before


def test_the_person_change_page_shows_the_membership_history(cast, login):
    cast.person_a.memberships.update(start_date=dt.date(2020, 1, 1))
    from organisations import services

    services.person_transfer(actor=cast.staff, person=cast.person_a, to=cast.cell_a2, on=dt.date(2024, 7, 5))
    html = login(cast.officer_a).get(change_url(cast.person_a)).content.decode()
    assert "05/07/2024" in html and "01/01/2020" in html
    assert html.count("Chi bộ thôn Phú Tân 1") >= 1


def form_errors(response: Any) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    return " | ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S))


# The admin speaks Vietnamese ----------------------------------------------------------------------


def test_admin_pages_are_in_vietnamese_by_default(cast, login):
    client = login(cast.staff)
    index = client.get("/admin/").content.decode()
    assert 'lang="vi"' in index and "Thêm vào" in index and "Thay đổi" in index
    changelist = client.get(changelist_url(Person)).content.decode()
    assert "Tìm kiếm" in changelist and "Bộ lọc" in changelist  # Django's own vi catalogue: search, filter


def test_admin_strings_missing_from_djangos_vi_catalogue_are_vietnamese_too(cast, login):
    client = login(cast.staff)
    changelist = client.get(changelist_url(RoleGrant)).content.decode()
    assert "Chuyển đến nội dung chính" in changelist and "Skip to main content" not in changelist
    assert 'name="index" value="0">Thực hiện</button>' in changelist  # the actions' Run button
    script = client.get("/admin/jsi18n/").content.decode()
    calendar = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S)[1])
    assert (calendar["Monday"], calendar["abbrev. day Monday\x04Mon"]) == ("Thứ hai", "T2")  # locale/vi djangojs


def test_grant_admin_names_its_columns_in_vietnamese_and_keeps_the_account_read_only(cast, login):
    client = login(cast.staff)
    listed = client.get(changelist_url(RoleGrant)).content.decode()
    assert all(label in listed for label in ("Tài khoản đăng nhập", "Ngày phân quyền", "Người phân quyền"))
    assert not re.search(r">\s*(User|Granted at|Granted by)\s*<", listed)
    grant = RoleGrant.objects.get(user=cast.secretary_a)
    page = client.get(change_url(grant)).content.decode()
    assert "Tài khoản đăng nhập" in page and cast.secretary_a.username in page and 'name="user"' not in page
    assert 'name="user"' in client.get(reverse("admin:organisations_rolegrant_add")).content.decode()


def test_the_audit_trail_names_actions_and_object_types_in_vietnamese(cast, login):
    from organisations import audit

    audit.record(actor=cast.staff, action="transfer", target=cast.person_a, organisation=cast.cell_a)
    client = login(cast.staff)
    listed = client.get(changelist_url(AuditEntry)).content.decode()
    assert "chuyển sinh hoạt" in listed and "cán bộ, đảng viên" in listed
    assert not re.search(r">\s*(transfer|organisations\.person)\s*<", listed)
    assert '<a href="?action=transfer">chuyển sinh hoạt</a>' in listed  # the filters keep the codes in the URL
    filtered = client.get(changelist_url(AuditEntry), {"action": "transfer"}).content.decode()
    assert AuditEntry.objects.count() > 1 and filtered.count('class="field-action_shown"') == 1
    entry = AuditEntry.objects.get(action="transfer")
    page = client.get(change_url(entry)).content.decode()
    assert "chuyển sinh hoạt" in page and "organisations.person" not in page
    assert audit.action_label("some_new_action") == "some_new_action"  # a code without a label shows as it is


def test_the_membership_history_names_its_columns_in_vietnamese(cast, login):
    html = login(cast.officer_a).get(change_url(cast.person_a)).content.decode()
    assert not re.search(r">\s*Organisation\s*<", html)
    assert re.search(r'class="column-unit">\s*Tổ chức', html)


def test_admin_pages_have_the_portals_icon_and_ask_for_no_favicon(cast, login):
    index = login(cast.staff).get("/admin/").content.decode()
    assert '<link rel="icon" href="data:image/svg+xml' in index
    assert "Cổng học tập nghị quyết: quản trị" in index  # the site header is still there


def test_a_too_short_new_password_is_refused_in_vietnamese(cast, login):
    client = login(cast.member_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": "x", "new_password1": "Ab1!", "new_password2": "Ab1!"},
    )
    assert "Mật khẩu quá ngắn: phải có ít nhất 8 ký tự." in response.content.decode()
    assert "This password is too short" not in response.content.decode()


def test_admin_follows_the_chosen_language(cast, login):
    client = login(cast.staff)
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in index and "Thêm vào" not in index


def test_admin_dates_are_day_first(cast, login):
    Person.objects.filter(pk=cast.person_a.pk).update(date_of_birth=dt.date(1980, 7, 5))
    html = login(cast.staff).get(change_url(cast.person_a)).content.decode()
    assert 'value="05/07/1980"' in html


@pytest.fixture(autouse=True)
def _enough_people(cast: Any) -> None:
    """A person of each kind in every cell keeps the audit and people lists non-trivial."""
    PersonFactory(full_name="Đinh Thị Xuân", organisation=cast.cell_a2, kind=Person.Kind.PROBATIONARY)


# Choosing an organisation in a form: a search, not a select of thousands ------------------------


def autocomplete(client: Any, model: str, field: str, term: str) -> set[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "organisations",
            "model_name": model,
            "field_name": field,
            "term": term,
        },
    )
    assert response.status_code == 200
    return {row["text"] for row in response.json()["results"]}


def test_organisation_field_is_a_search_limited_to_the_officers_active_subtree(cast, login):
    Organisation.objects.filter(pk=cast.cell_a2.pk).update(is_active=False)
    client = login(cast.officer_a)
    assert autocomplete(client, "person", "organisation", "chi bo") == {"Chi bộ thôn Phú Tân 1"}
    assert autocomplete(client, "organisation", "parent", "phu") == {"Chi bộ thôn Phú Tân 1"}
    assert autocomplete(login(cast.staff), "person", "organisation", "chi bo") == {
        "Chi bộ thôn Phú Tân 1",
        "Chi bộ khu phố 1",
    }


def test_forms_do_not_list_every_organisation(cast, login):
    html = login(cast.staff).get(change_url(cast.person_a)).content.decode()
    organisation_select = html[html.index('name="organisation"') :]
    organisation_select = organisation_select[: organisation_select.index("</select>")]
    assert organisation_select.count("<option") == 1  # only the current one; the rest come from the search

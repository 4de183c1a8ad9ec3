"""Roster import: reading .xlsx/.csv, the preview that writes nothing, and the all-or-nothing confirm."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from organisations import roster
from organisations.models import AuditEntry, Membership, Person, RosterImport
from organisations.tests.factories import PersonFactory
from portal.testing.matrix import fingerprint

HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Số thẻ đảng viên", "Loại", "Chi bộ", "Điện thoại", "Email"]
OFFICIAL, PROBATIONARY, NON_PARTY = "Đảng viên chính thức", "Đảng viên dự bị", "Cán bộ không phải đảng viên"


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assert on the English source strings


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS, *, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], headers: list[str] = HEADERS, *, delimiter: str = ";", bom: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def upload(client: Any, org: Any, data: bytes, name: str = "danh-sach.xlsx") -> Any:
    return client.post(
        reverse("organisations:roster_upload"), {"organisation": org.pk, "file": SimpleUploadedFile(name, data)}
    )


def last_import() -> RosterImport:
    return RosterImport.objects.latest("pk")


def confirm(client: Any, imp: RosterImport) -> Any:
    return client.post(reverse("organisations:roster_confirm", args=[imp.pk]), follow=True)


def people_rows(n: int, cell: str = "Chi bộ thôn Phú Tân 1", start: int = 0) -> list[list[Any]]:
    return [
        [f"Nguyễn Văn Thứ {i}", "01/02/1990", "Nam", f"9{i:07d}", OFFICIAL, cell, "", ""]
        for i in range(start, start + n)
    ]


# --- Preview ---------------------------------------------------------------------------------------
def test_preview_writes_nothing_to_people(cast, login):
    client = login(cast.officer_a)
    before = (Person.objects.count(), Membership.objects.count(), AuditEntry.objects.count())

    response = upload(client, cast.committee_a, xlsx(people_rows(3)))

    imp = last_import()
    assert response.status_code == 302 and response.url == reverse("organisations:roster_preview", args=[imp.pk])
    assert (Person.objects.count(), Membership.objects.count(), AuditEntry.objects.count()) == before
    assert (imp.created_count, imp.updated_count, imp.unchanged_count, imp.errors) == (3, 0, 0, [])
    page = client.get(response.url).content.decode()
    assert "Nguyễn Văn Thứ 2" in page and "90000002" in page


def test_preview_shows_which_fields_an_update_changes(cast, login):
    client = login(cast.officer_a)
    card = cast.person_a.card_number
    upload(
        client,
        cast.committee_a,
        xlsx(
            [
                ["Nguyễn Văn An", "15/03/1980", "Nam", card, OFFICIAL, "Chi bộ thôn Phú Tân 2", "0912 345 678", ""],
            ]
        ),
    )
    imp = last_import()
    assert imp.updated_count == 1
    changes = imp.rows[0]["changes"]
    assert changes["organisation"] == [cast.cell_a.pk, cast.cell_a2.pk]
    assert changes["phone"] == ["", "0912345678"]
    assert "full_name" not in changes and "kind" not in changes
    page = client.get(reverse("organisations:roster_preview", args=[imp.pk])).content.decode()
    assert "Chi bộ thôn Phú Tân 1" in page and "Chi bộ thôn Phú Tân 2" in page and "15/03/1980" in page


def test_headers_match_without_case_diacritics_order_and_with_title_and_extra_columns(cast, login):
    client = login(cast.officer_a)
    headers = ["STT", "chi bo", "HO VA TEN", "loại", "so the dang vien", "ngay sinh", "Ghi chú"]
    rows = [[1, "chi bộ thôn phú tân 1", "trần  văn   bảy", "dự bị", "", "05/06/1999", "x"]]
    upload(client, cast.committee_a, xlsx(rows, headers, title="DANH SÁCH ĐẢNG VIÊN"))
    imp = last_import()
    assert imp.errors == []
    row = imp.rows[0]
    assert (row["row"], row["full_name"], row["kind"], row["organisation"]) == (
        4,
        "Trần Văn Bảy",
        Person.Kind.PROBATIONARY,
        cast.cell_a.pk,
    )
    assert row["date_of_birth"] == "1999-06-05"


def test_excel_date_and_number_cells_are_read(cast, login):
    client = login(cast.officer_a)
    upload(
        client,
        cast.committee_a,
        xlsx(
            [
                [
                    "Lê Thị Tám",
                    dt.datetime(1985, 12, 31),
                    "Nữ",
                    12345678,
                    OFFICIAL,
                    "Chi bộ thôn Phú Tân 2",
                    912345678,
                    "",
                ],
            ]
        ),
    )
    row = last_import().rows[0]
    assert (row["date_of_birth"], row["card_number"], row["phone"], row["gender"]) == (
        "1985-12-31",
        "12345678",
        "0912345678",
        Person.Gender.FEMALE,
    )


def test_csv_with_bom_and_semicolons_is_read(cast, login):
    client = login(cast.officer_a)
    upload(client, cast.committee_a, csv_bytes(people_rows(2), bom=True, delimiter=";"), name="ds.csv")
    imp = last_import()
    assert (imp.created_count, imp.errors) == (2, [])
    assert imp.rows[0]["full_name"] == "Nguyễn Văn Thứ 0"


def test_csv_with_commas_and_without_bom_is_read(cast, login):
    client = login(cast.officer_a)
    upload(client, cast.committee_a, csv_bytes(people_rows(2), bom=False, delimiter=","), name="ds.csv")
    assert (last_import().created_count, last_import().errors) == (2, [])


def test_row_errors_list_row_number_and_column_and_block_confirm(cast, login):
    client = login(cast.officer_a)
    rows = people_rows(1) + [
        ["", "01/02/1990", "Nam", "", OFFICIAL, "Chi bộ thôn Phú Tân 1", "", ""],
        ["Võ Văn Mười", "31/02/1990", "Nam", "", OFFICIAL, "Chi bộ thôn Phú Tân 1", "", ""],
        ["Võ Văn Mười Một", "01/02/1990", "X", "12AB", "Đảng viên", "Chi bộ không có", "abc", "không-phải-email"],
    ]
    upload(client, cast.committee_a, xlsx(rows))
    imp = last_import()
    found = {(e["row"], e["column"]) for e in imp.errors}
    assert found == {
        (3, "Họ và tên"),
        (4, "Ngày sinh"),
        (5, "Giới tính"),
        (5, "Số thẻ đảng viên"),
        (5, "Loại"),
        (5, "Chi bộ"),
        (5, "Điện thoại"),
        (5, "Email"),
    }
    page = client.get(reverse("organisations:roster_preview", args=[imp.pk])).content.decode()
    assert "Chi bộ không có" in page and "31/02/1990" in page
    assert 'disabled aria-disabled="true"' in page

    count = Person.objects.count()
    response = confirm(client, imp)
    assert Person.objects.count() == count
    assert RosterImport.objects.get(pk=imp.pk).status == RosterImport.Status.PREVIEW
    assert "Correct the errors" in response.content.decode()


def test_duplicate_card_numbers_in_the_file_are_errors(cast, login):
    client = login(cast.officer_a)
    rows = people_rows(2)
    rows[1][3] = rows[0][3]
    upload(client, cast.committee_a, xlsx(rows))
    [error] = last_import().errors
    assert (error["row"], error["column"]) == (3, "Số thẻ đảng viên") and "row 2" in error["message"]


def test_errors_download_lists_every_error_and_defuses_formulas(cast, login):
    client = login(cast.officer_a)
    headers = ["=Họ và tên", *HEADERS[1:]]
    rows = [["", "01/01/1990", "", "", OFFICIAL, "Chi bộ thôn Phú Tân 1", "", ""]] * 2
    upload(client, cast.committee_a, csv_bytes(rows, headers), name="ds.csv")
    imp = last_import()
    content = client.get(reverse("organisations:roster_errors", args=[imp.pk])).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert lines == [
        ["Row", "Column", "Problem"],
        ["2", "'=Họ và tên", "Enter the full name."],
        ["3", "'=Họ và tên", "Enter the full name."],
    ]


def test_ambiguous_cell_name_is_a_row_error(cast, login):
    from organisations.models import Organisation
    from organisations.tests.factories import make_org

    make_org("Chi bộ thôn Phú Tân 1", Organisation.Kind.CELL, cast.committee_a)  # same name, other parent
    client = login(cast.officer_a)
    upload(client, cast.committee_a, xlsx(people_rows(1)))
    [error] = last_import().errors
    assert error["column"] == "Chi bộ" and "Several" in error["message"]
    # Choosing the smaller organisation removes the ambiguity.
    upload(client, cast.grassroots_a, xlsx(people_rows(1)))
    assert last_import().errors == []


def test_out_of_scope_card_number_is_an_error_revealing_nothing(cast, login):
    client = login(cast.officer_a)
    card = cast.person_b.card_number  # person_b belongs to committee_b, outside officer_a's scope
    upload(
        client, cast.committee_a, xlsx([["Ai Đó", "01/01/1970", "Nữ", card, OFFICIAL, "Chi bộ thôn Phú Tân 1", "", ""]])
    )
    imp = last_import()
    [error] = imp.errors
    assert error["message"] == "This card number belongs to a person of another organisation."
    page = client.get(reverse("organisations:roster_preview", args=[imp.pk])).content.decode()
    assert cast.person_b.full_name not in page and cast.cell_b.name not in page


def test_staff_importing_a_card_from_another_committee_transfers_the_person(cast, login):
    client = login(cast.staff)
    card = cast.person_b.card_number
    upload(
        client,
        cast.committee_a,
        xlsx([[cast.person_b.full_name, "", "", card, OFFICIAL, "Chi bộ thôn Phú Tân 1", "", ""]]),
    )
    imp = last_import()
    assert imp.errors == [] and imp.updated_count == 1
    confirm(client, imp)
    cast.person_b.refresh_from_db()
    assert cast.person_b.organisation == cast.cell_a
    assert list(
        Membership.objects.filter(person=cast.person_b)
        .order_by("start_date", "pk")
        .values_list("organisation", "end_date")
    ) == [(cast.cell_b.pk, dt.date.today()), (cast.cell_a.pk, None)]


# --- Confirm -----------------------------------------------------------------------------------------
def test_confirm_creates_and_updates_exactly_the_planned_rows(cast, login):
    client = login(cast.officer_a)
    hoa_like = PersonFactory(
        full_name="Đinh Thị Lan",
        organisation=cast.cell_a2,
        kind=Person.Kind.NON_PARTY,
        card_number=None,
        date_of_birth=dt.date(1975, 4, 30),
    )
    untouched = Person.objects.exclude(pk__in=[cast.person_a.pk, hoa_like.pk]).values_list("pk", "updated_at")
    untouched_before = dict(untouched)
    rows = [
        ["Nguyễn Văn An", "", "", cast.person_a.card_number, OFFICIAL, "Chi bộ thôn Phú Tân 2", "0905123456", ""],
        ["dinh thi lan", "30/04/1975", "Nữ", "", NON_PARTY, "Chi bộ thôn Phú Tân 2", "", "lan@example.vn"],
        [cast.person_a2.full_name, "", "", cast.person_a2.card_number, OFFICIAL, "Chi bộ thôn Phú Tân 2", "", ""],
        ["Mai Văn Mới", "02/09/1995", "Nam", "77777777", PROBATIONARY, "Chi bộ thôn Phú Tân 1", "", ""],
        ["Hồ Thị Cán Bộ", "19/05/1990", "Nữ", "", NON_PARTY, "Chi bộ thôn Phú Tân 1", "", ""],
    ]
    upload(client, cast.committee_a, xlsx(rows))
    imp = last_import()
    assert (imp.created_count, imp.updated_count, imp.unchanged_count, imp.errors) == (2, 2, 1, [])

    response = confirm(client, imp)

    assert "2 people added, 2 updated, 1 unchanged" in response.content.decode()
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.APPLIED and imp.applied_at is not None
    new = Person.objects.get(card_number="77777777")
    assert (new.full_name, new.kind, new.organisation, new.date_of_birth) == (
        "Mai Văn Mới",
        Person.Kind.PROBATIONARY,
        cast.cell_a,
        dt.date(1995, 9, 2),
    )
    assert new.search_name == "mai van moi" and new.sort_key
    cadre = Person.objects.get(full_name="Hồ Thị Cán Bộ")
    assert cadre.card_number is None and cadre.kind == Person.Kind.NON_PARTY
    assert Membership.objects.get(person=new).organisation == cast.cell_a
    cast.person_a.refresh_from_db()
    assert (cast.person_a.organisation, cast.person_a.phone) == (cast.cell_a2, "0905123456")
    assert Membership.objects.filter(person=cast.person_a, end_date__isnull=True).get().organisation == cast.cell_a2
    assert Membership.objects.filter(person=cast.person_a, end_date=dt.date.today()).count() == 1
    hoa_like.refresh_from_db()
    assert (hoa_like.gender, hoa_like.email, hoa_like.organisation) == ("female", "lan@example.vn", cast.cell_a2)
    assert dict(untouched.filter(pk__in=untouched_before)) == untouched_before  # the unchanged row included
    summary = AuditEntry.objects.get(action="roster_import")
    assert summary.changes | {} == {
        "file": "danh-sach.xlsx",
        "created": 2,
        "updated": 2,
        "unchanged": 1,
        "transferred": 1,
    }
    assert summary.target_id == str(imp.pk) and summary.actor == cast.officer_a
    per_person = AuditEntry.objects.filter(changes__roster_import=imp.pk)
    assert sorted(per_person.values_list("action", "target_id")) == sorted(
        [
            ("update", str(cast.person_a.pk)),
            ("update", str(hoa_like.pk)),
        ]
    )
    assert per_person.get(target_id=str(cast.person_a.pk)).changes["organisation"] == [
        cast.cell_a.name,
        cast.cell_a2.name,
    ]
    created = {r["person"] for r in imp.rows if r["op"] == "create"}
    assert created == {new.pk, cadre.pk}  # the import keeps the ids of the people it created


def test_double_confirm_creates_nothing_twice(cast, login):
    client = login(cast.officer_a)
    upload(client, cast.committee_a, xlsx(people_rows(5)))
    imp = last_import()
    count = Person.objects.count()

    confirm(client, imp)
    state = fingerprint()
    confirm(client, imp)

    assert Person.objects.count() == count + 5
    assert fingerprint() == state
    assert AuditEntry.objects.filter(action="roster_import").count() == 1


def test_confirm_rolls_back_everything_when_a_row_fails_after_the_preview(cast, login):
    client = login(cast.officer_a)
    upload(client, cast.committee_a, xlsx(people_rows(3)))
    imp = last_import()
    # Meanwhile someone records one of the card numbers in a committee officer_a cannot import into.
    PersonFactory(full_name="Người Khác", organisation=cast.cell_b, card_number="90000001")
    counts = (Person.objects.count(), Membership.objects.count(), AuditEntry.objects.count())

    response = confirm(client, imp)

    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.PREVIEW
    assert [(e["row"], e["column"]) for e in imp.errors] == [(3, "Số thẻ đảng viên")]
    assert (Person.objects.count(), Membership.objects.count(), AuditEntry.objects.count()) == counts
    assert not Person.objects.filter(full_name__startswith="Nguyễn Văn Thứ").exists()
    page = response.content.decode()
    assert "can no longer be imported" in page and "another organisation" in page
    assert 'disabled aria-disabled="true"' in page


def test_cancel_keeps_people_untouched_and_forbids_confirm(cast, login):
    client = login(cast.officer_a)
    upload(client, cast.committee_a, xlsx(people_rows(2)))
    imp = last_import()
    client.post(reverse("organisations:roster_cancel", args=[imp.pk]))
    confirm(client, imp)
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.CANCELLED and imp.rows == []
    assert not Person.objects.filter(card_number="90000000").exists()


# --- Access ------------------------------------------------------------------------------------------
def test_officer_cannot_import_into_a_sibling_committee(cast, login):
    client = login(cast.officer_a)
    response = upload(client, cast.committee_b, xlsx(people_rows(1, cell="Chi bộ khu phố 1")))
    assert response.status_code == 404
    assert not RosterImport.objects.exists()


def test_officer_cannot_open_or_confirm_a_sibling_committees_import(cast, login):
    upload(login(cast.officer_b), cast.committee_b, xlsx(people_rows(1, cell="Chi bộ khu phố 1")))
    imp = last_import()
    client = login(cast.officer_a)
    assert client.get(reverse("organisations:roster_preview", args=[imp.pk])).status_code == 404
    assert client.post(reverse("organisations:roster_confirm", args=[imp.pk])).status_code == 404
    assert RosterImport.objects.get(pk=imp.pk).status == RosterImport.Status.PREVIEW


def test_secretary_and_member_may_not_import(cast, login):
    for user in (cast.secretary_a, cast.member_a):
        client = login(user)
        assert client.get(reverse("organisations:roster_upload")).status_code == 403
        assert upload(client, cast.cell_a, xlsx(people_rows(1))).status_code == 403
    assert not RosterImport.objects.exists()


def test_upload_form_offers_only_organisations_the_user_may_import_into(cast, login):
    page = login(cast.officer_a).get(reverse("organisations:roster_upload")).content.decode()
    assert cast.committee_a.name in page and cast.grassroots_a.name in page
    assert cast.committee_b.name not in page and cast.province.name not in page
    assert cast.cell_a2.name not in page  # cells are named in the file, not offered one by one


def test_a_file_may_be_imported_into_a_single_cell_leaving_the_cell_column_blank(cast, login):
    client = login(cast.officer_a)
    rows = [["Mai Thị Một", "01/01/1991", "Nữ", "55555555", OFFICIAL, "", "", ""]]
    upload(client, cast.cell_a2, xlsx(rows))
    imp = last_import()
    assert (imp.organisation, imp.errors, imp.rows[0]["organisation"]) == (cast.cell_a2, [], cast.cell_a2.pk)


# --- Bad files -----------------------------------------------------------------------------------------
def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            block = b"\0" * (1024 * 1024)
            for _ in range(roster.MAX_UNZIPPED_BYTES // len(block) + 1):
                entry.write(block)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.xlsx", b"", "The submitted file is empty."),
        ("blank.csv", b"\r\n;;\r\n", "The file is empty."),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Old Excel files (.xls) are not supported"),
        ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is not an Excel (.xlsx) or CSV file."),
        ("archive.xlsx", _zip({"readme.txt": b"hello"}), "This is not an Excel (.xlsx) or CSV file."),
        ("broken.xlsx", b"PK\x03\x04" + b"garbage" * 20, "The Excel file is damaged"),
        (
            "cols.xlsx",
            xlsx([["A", "01/01/1990"]], ["Họ và tên", "Ngày sinh"]),
            "Missing columns: Số thẻ đảng viên, Loại, Chi bộ.",
        ),
        ("only-header.csv", csv_bytes([]), "The file has no data rows"),
        ("latin1.csv", "Họ và tên;Ngày sinh\n".encode("cp1258", errors="replace"), "not UTF-8"),
    ],
)
def test_malformed_files_are_rejected_with_a_message_and_nothing_stored(cast, login, name, data, message):
    response = upload(login(cast.officer_a), cast.committee_a, data, name=name)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"')
    assert not RosterImport.objects.exists()


def test_zip_bomb_is_refused_before_unpacking(cast, login):
    response = upload(login(cast.officer_a), cast.committee_a, _zip_bomb(), name="bomb.xlsx")
    assert "unpacks to too much data" in response.content.decode()
    assert not RosterImport.objects.exists()


@override_settings(PORTAL_ROSTER_UPLOAD_MAX_MB=1)
def test_file_over_the_size_limit_is_refused(cast, login):
    data = csv_bytes(people_rows(1)) + b"x" * (1024 * 1024)
    response = upload(login(cast.officer_a), cast.committee_a, data, name="big.csv")
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not RosterImport.objects.exists()


@override_settings(PORTAL_ROSTER_MAX_ROWS=5)
def test_file_with_too_many_rows_is_refused(cast, login):
    response = upload(login(cast.officer_a), cast.committee_a, xlsx(people_rows(6)))
    assert "The file has more than 5 rows" in response.content.decode()
    assert not RosterImport.objects.exists()


# --- Templates ---------------------------------------------------------------------------------------
def test_xlsx_template_has_headers_a_sample_row_and_the_kind_values(cast, login):
    response = login(cast.officer_a).get(reverse("organisations:roster_template_xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    roster_sheet, values = workbook.worksheets
    assert [c.value for c in roster_sheet[1]] == HEADERS
    assert roster_sheet["A2"].value == "Nguyễn Văn An"
    assert [values.cell(row=r, column=1).value for r in (2, 3, 4)] == [OFFICIAL, PROBATIONARY, NON_PARTY]


def test_csv_template_reads_back_as_a_valid_roster(cast, login):
    client = login(cast.officer_a)
    data = client.get(reverse("organisations:roster_template_csv")).content
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").startswith(";".join(HEADERS))
    upload(client, cast.committee_a, data, name="mau.csv")
    assert (last_import().created_count, last_import().errors) == (1, [])


# --- Query counts ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [10, 500])
def test_upload_and_preview_run_a_bounded_number_of_queries(cast, login, django_assert_max_num_queries, size):
    client = login(cast.officer_a)
    data = xlsx(people_rows(size // 2) + people_rows(size // 2, cell="Chi bộ thôn Phú Tân 2", start=size))
    with django_assert_max_num_queries(13):
        response = upload(client, cast.committee_a, data)
    assert response.status_code == 302 and last_import().created_count == size
    with django_assert_max_num_queries(9):
        page = client.get(response.url)
    assert page.status_code == 200
    imp = last_import()
    with django_assert_max_num_queries(31):  # the confirm and the preview page it redirects to
        confirm(client, imp)
    assert Person.objects.filter(full_name__startswith="Nguyễn Văn Thứ").count() == size

"""The roster file format: its columns, the values they take, the limits, and the templates.

The column headers and the values of "loại" and "giới tính" are part of the file format, which is
Vietnamese whatever the UI language: they are constants, not translated UI strings.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from organisations.models import Organisation, Person
from portal.lib.text import fold


# --- Limits -------------------------------------------------------------------------------------
def max_rows() -> int:
    return int(getattr(settings, "PORTAL_ROSTER_MAX_ROWS", 100_000))


def max_mb() -> int:
    """A 46,000-row roster is 2-3 MB as .xlsx and ~5 MB as .csv: rosters get their own, larger limit."""
    return int(getattr(settings, "PORTAL_ROSTER_UPLOAD_MAX_MB", max(20, settings.PORTAL_UPLOAD_MAX_MB)))


# Zip-bomb guards, checked on the zip directory before openpyxl unpacks anything. A normal workbook
# has ~10-20 entries and unpacks to 5-15 times its size (a 100,000-row roster: ~60 MB).
MAX_ZIP_ENTRIES = 500
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
HEADER_SCAN_ROWS = 10  # the header may sit under a title ("DANH SÁCH ĐẢNG VIÊN ...")

# Kinds of organisation a row's "chi bộ" may name.
TARGET_KINDS = (Organisation.Kind.CELL, Organisation.Kind.GRASSROOTS_CELL, Organisation.Kind.MASS_ORG)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("full_name", "Họ và tên", True, ("ho ten", "ho va ten dem")),
    Column("date_of_birth", "Ngày sinh", True, ("ngay thang nam sinh", "ngay sinh dd mm yyyy")),
    Column("gender", "Giới tính", False, ()),
    Column("card_number", "Số thẻ đảng viên", True, ("so the", "so the dv")),
    Column("kind", "Loại", True, ("loai dang vien", "doi tuong")),
    Column("cell", "Chi bộ", True, ("ten chi bo", "chi bo truc thuoc")),
    Column("phone", "Điện thoại", False, ("so dien thoai", "sdt", "dien thoai di dong")),
    Column("email", "Email", False, ("e mail", "thu dien tu", "dia chi email")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

KIND_VALUES: dict[str, str] = {  # Person.Kind -> the value written in the file
    Person.Kind.OFFICIAL: "Đảng viên chính thức",
    Person.Kind.PROBATIONARY: "Đảng viên dự bị",
    Person.Kind.NON_PARTY: "Cán bộ không phải đảng viên",
}
KIND_BY_FOLD = {fold(v): k for k, v in KIND_VALUES.items()} | {
    "chinh thuc": Person.Kind.OFFICIAL,
    "du bi": Person.Kind.PROBATIONARY,
    "khong phai dang vien": Person.Kind.NON_PARTY,
}
GENDER_VALUES: dict[str, str] = {Person.Gender.MALE: "Nam", Person.Gender.FEMALE: "Nữ"}
GENDER_BY_FOLD = {"nam": Person.Gender.MALE, "nu": Person.Gender.FEMALE}
SAMPLE_ROW = (
    "Nguyễn Văn An",
    "15/03/1980",
    "Nam",
    "01234567",
    KIND_VALUES[Person.Kind.OFFICIAL],
    "Chi bộ thôn Phú Tân 1",
    "0912345678",
    "nguyenvanan@example.vn",
)

# The fields a row sets; a blank optional cell leaves the stored value as it is.
FIELDS = ("full_name", "date_of_birth", "gender", "card_number", "kind", "organisation", "phone", "email")
KEEP_WHEN_BLANK = frozenset({"date_of_birth", "gender", "card_number", "phone", "email"})


def header_key(text: Any) -> str:
    """A header cell folded for matching: "Số thẻ Đảng viên (*)" -> "so the dang vien"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(str(text or ""))).split())


COLUMN_BY_HEADER: dict[str, str] = {}
for _col in COLUMNS:
    for _alias in (_col.header, *_col.aliases):
        COLUMN_BY_HEADER[header_key(_alias)] = _col.key


# --- Templates ----------------------------------------------------------------------------------
def template_xlsx() -> bytes:
    """An empty roster: the header row, one sample row, and a sheet of the valid "loại" values."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    sheet.append([c.header for c in COLUMNS])
    sheet.append(list(SAMPLE_ROW))
    fill = PatternFill("solid", fgColor="FCE4E4")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
    widths = (28, 14, 10, 18, 30, 30, 16, 30)
    for index, width in enumerate(widths, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if COLUMNS[index - 1].key in ("date_of_birth", "card_number", "phone"):
            # Text cells keep leading zeros and stop Excel reading 05/03 as 3 May.
            for row in range(2, 1001):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    values = workbook.create_sheet("Giá trị hợp lệ")
    values.append(["Loại", "Giới tính"])
    for cell in values[1]:
        cell.font = Font(bold=True)
    genders = list(GENDER_VALUES.values())
    for index, kind in enumerate(KIND_VALUES.values()):
        values.append([kind, genders[index] if index < len(genders) else None])
    values.column_dimensions["A"].width = 32
    values.column_dimensions["B"].width = 12
    for key, source in (("kind", "$A$2:$A$4"), ("gender", "$B$2:$B$3")):
        letter = openpyxl.utils.get_column_letter([c.key for c in COLUMNS].index(key) + 1)
        rule = DataValidation(type="list", formula1=f"'Giá trị hợp lệ'!{source}", allow_blank=True)
        rule.add(f"{letter}2:{letter}{max_rows() + 1}")
        sheet.add_data_validation(rule)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    """The same header and sample row as CSV: UTF-8 with a BOM and ";" so Excel in Vietnam opens it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerow(SAMPLE_ROW)
    return ("\ufeff" + out.getvalue()).encode("utf-8")

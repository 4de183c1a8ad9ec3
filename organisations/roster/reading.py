"""Reading an uploaded list (.xlsx or .csv) into its header and rows, refusing what is not one.

``read_table`` does what every uploaded list needs: recognising the format by its content, the size
and zip-bomb limits, the CSV encoding and delimiter, and a clear message for each refusal. It hands
the rows to a parser of that kind of list, which usually calls ``sheet_from_rows`` (the header among
the top rows, found with ``best_header``, and the non-empty rows under it). ``read_roster`` is the
roster's use of them; the meeting-list import of campaigns.attendance is another.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from portal.lib.errors import DomainError

from .columns import (
    COLUMN_BY_HEADER,
    COLUMNS,
    HEADER_SCAN_ROWS,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    header_key,
    max_mb,
    max_rows,
)

# The header row found: its spreadsheet row number, column key -> index, column key -> header as written.
Header = tuple[int, dict[str, int], dict[str, str]]
# Finds the header among the top rows (None: there is none); may raise DomainError for a header it refuses.
HeaderFinder = Callable[[list[Sequence[Any]]], Header | None]


@dataclass
class Sheet:
    """The data of one file: the header row found, the column positions, and the data rows."""

    header_row: int
    columns: dict[str, int]  # column key -> index in the row
    labels: dict[str, str]  # column key -> the header as written in the file
    rows: list[tuple[int, Sequence[Any]]]  # (spreadsheet row number, cell values)


def best_header(
    head: list[Sequence[Any]],
    *,
    column_of: Callable[[Any], str | None],
    accept: Callable[[dict[str, int]], bool],
    refuse_repeats: bool,
) -> Header | None:
    """The first of the top rows that names the most known columns, among the rows ``accept`` takes.

    ``column_of`` gives a cell's column key (None: not a known header). A column named twice in a row
    raises DomainError with ``refuse_repeats``, else its first place counts.
    """
    best: Header | None = None
    for number, row in enumerate(head, start=1):
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for index, cell in enumerate(row):
            key = column_of(cell)
            if key is None:
                continue
            if key in columns:
                if refuse_repeats:
                    raise DomainError(
                        _("The column “%(column)s” appears twice (row %(row)s).")
                        % {"column": str(cell).strip(), "row": number}
                    )
                continue
            columns[key] = index
            labels[key] = " ".join(str(cell).split())
        if accept(columns) and (best is None or len(columns) > len(best[1])):
            best = (number, columns, labels)
    return best


def _find_header(head: list[Sequence[Any]]) -> Header | None:
    """The roster's header: at least two known columns, none named twice."""
    return best_header(
        head,
        column_of=lambda cell: COLUMN_BY_HEADER.get(header_key(cell)),
        accept=lambda columns: len(columns) >= 2,
        refuse_repeats=True,
    )


def _roster_header(head: list[Sequence[Any]]) -> Header | None:
    """The roster's header, refused when a required column is missing."""
    found = _find_header(head)
    if found is not None:
        missing = [c.header for c in COLUMNS if c.required and c.key not in found[1]]
        if missing:
            raise DomainError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    return found


def sheet_from_rows(
    rows: Iterable[Sequence[Any]], *, find_header: HeaderFinder, header_scan_rows: int, limit: int, no_header: str
) -> Sheet:
    """Find the header in the first ``header_scan_rows`` rows, then collect the non-empty data rows under it.

    Raises DomainError with ``no_header`` when no top row is a header, and for an empty file, no data
    rows, or more than ``limit`` of them.
    """
    iterator = iter(rows)
    head: list[Sequence[Any]] = []
    for row in iterator:
        head.append(row)
        if len(head) == header_scan_rows:
            break
    found = find_header(head)
    if found is None:
        if not any(_filled(row) for row in head):
            raise DomainError(_("The file is empty."))
        raise DomainError(no_header)
    header_row, columns, labels = found
    data: list[tuple[int, Sequence[Any]]] = []
    number = header_row
    for row in itertools.chain(head[header_row:], iterator):
        number += 1
        if not _filled(row):
            continue
        if len(data) >= limit:
            raise DomainError(
                _("The file has more than %(max)s rows; split it into several files.")
                % {"max": f"{limit:,}".replace(",", ".")}
            )
        data.append((number, row))
    if not data:
        raise DomainError(_("The file has no data rows under the header."))
    return Sheet(header_row=header_row, columns=columns, labels=labels, rows=data)


def _filled(row: Sequence[Any]) -> bool:
    return any(cell is not None and str(cell).strip() for cell in row)


def _read_xlsx[T](data: bytes, parse: Callable[[Iterable[Sequence[Any]]], T], too_much_data: str) -> T:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DomainError(_("The Excel file is damaged or is not an .xlsx workbook.")) from None
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names:
        if "mimetype" in names:  # OpenDocument (.ods)
            raise DomainError(_("OpenDocument spreadsheets (.ods) are not supported: save the file as .xlsx."))
        raise DomainError(_("This is not an Excel (.xlsx) or CSV file."))
    # Sizes come from the zip directory; zipfile refuses to unpack past the declared size.
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
        raise DomainError(too_much_data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        raise DomainError(_("The Excel file is damaged or is not an .xlsx workbook.")) from None
    try:
        first_error: DomainError | None = None
        # The list is the first sheet the parser accepts (the roster template's second sheet lists values).
        for worksheet in workbook.worksheets:
            if not hasattr(worksheet, "iter_rows"):  # chart sheets
                continue
            worksheet.reset_dimensions()  # some writers declare a wrong sheet size
            try:
                return parse(worksheet.iter_rows(values_only=True))
            except DomainError as error:
                first_error = first_error or error
        raise first_error or DomainError(_("The file is empty."))
    finally:
        workbook.close()


def _read_csv[T](
    data: bytes, parse: Callable[[Iterable[Sequence[Any]]], T], find_header: HeaderFinder, header_scan_rows: int
) -> T:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # Excel's "Unicode text"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise DomainError(_("The CSV file is not UTF-8 text: in Excel, save it as “CSV UTF-8”.")) from None
    text = text.replace("\x00", "")
    # The delimiter is the one under which the top lines show the most known headers.
    sample = "\n".join(text[:65536].splitlines()[:header_scan_rows])
    best_delimiter, best_score = ",", -1
    for delimiter in (";", ",", "\t"):
        try:
            found = find_header(list(csv.reader(io.StringIO(sample), delimiter=delimiter)))
            score = len(found[1]) if found else 0
        except DomainError:  # e.g. a column named twice: this delimiter splits the header; report it
            score = 1_000_000
        if score > best_score:
            best_delimiter, best_score = delimiter, score
    try:
        return parse(csv.reader(io.StringIO(text, newline=""), delimiter=best_delimiter))
    except csv.Error as error:
        raise DomainError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None


def read_table[T](
    *,
    data: bytes,
    parse: Callable[[Iterable[Sequence[Any]]], T],
    find_header: HeaderFinder,
    header_scan_rows: int,
    max_megabytes: int,
    too_much_data: str,
) -> T:
    """Recognise an uploaded list by its content (not its name) and ``parse`` its rows.

    ``parse`` gets the rows of a worksheet (the first one it does not refuse with DomainError) or of
    the CSV text, whose delimiter is the one under which ``find_header`` names the most columns in
    the top ``header_scan_rows`` lines. Raises DomainError for an empty file, one larger than
    ``max_megabytes``, an unreadable or unsupported one, and a workbook that unpacks to more than a
    list would (with the message ``too_much_data``).
    """
    if not data:
        raise DomainError(_("The file is empty."))
    if len(data) > max_megabytes * 1024 * 1024:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": max_megabytes})
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel 97-2003
        raise DomainError(_("Old Excel files (.xls) are not supported: open the file in Excel and save it as .xlsx."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, parse, too_much_data)
    head = data[:4096]
    binary = b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if binary or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"PK")):
        raise DomainError(_("This is not an Excel (.xlsx) or CSV file."))
    return _read_csv(data, parse, find_header, header_scan_rows)


def _roster_sheet(rows: Iterable[Sequence[Any]]) -> Sheet:
    return sheet_from_rows(
        rows,
        find_header=_roster_header,
        header_scan_rows=HEADER_SCAN_ROWS,
        limit=max_rows(),
        no_header=_("Missing columns: %(columns)s.") % {"columns": ", ".join(c.header for c in COLUMNS if c.required)},
    )


def read_roster(*, filename: str, data: bytes) -> Sheet:
    """Recognise the file by its content (not its name) and read its header and rows.

    Raises DomainError for an empty, oversized, unreadable or unsupported file and for missing columns.
    """
    return read_table(
        data=data,
        parse=_roster_sheet,
        find_header=_find_header,  # a header missing a required column still tells the delimiter
        header_scan_rows=HEADER_SCAN_ROWS,
        max_megabytes=max_mb(),
        too_much_data=_("The Excel file unpacks to too much data; it is not a plain roster."),
    )

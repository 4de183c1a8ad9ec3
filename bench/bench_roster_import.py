"""Benchmark: import a province-sized roster (46,000 rows) through the real services, against COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h2 .venv/bin/python bench/bench_roster_import.py
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/bench_roster_import.py --migrate

It uses the existing organisation tree (the demo seed's, if present) or, when there is none, creates a
small one of its own. It generates an .xlsx and a .csv roster of --rows people spread over the tree's
party cells, then times, each through organisations.roster:

  read      reading the file only (openpyxl / csv)
  preview   roster_preview: read + validate + plan + store the plan (what the upload request does)
  page      rendering the preview page (test client, first 200 rows of each kind)
  apply     roster_apply: re-plan + write people, memberships and audit entries in one transaction
  update    the same file again with every phone number changed: preview + apply of N updates

On PostgreSQL it then COPYs the same rows into the person table inside a transaction that is rolled
back (the floor for writing these rows), and prints the ratio import / COPY. The people the benchmark
created are deleted at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from organisations import roster, services  # noqa: E402
from organisations.models import AuditEntry, Organisation, Person, RosterImport  # noqa: E402
from portal.lib.text import fold, name_sort_key  # noqa: E402

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Hữu Đức Minh Ngọc Thanh Quốc Xuân Thu Kim Công Đình".split()
GIVEN = (
    "An Bình Cường Dũng Em Giang Hà Hải Hạnh Hiếu Hoa Hùng Hương Khánh Lan Linh Long Mai Minh Nam Nga "
    "Nhung Phong Phúc Phương Quân Sơn Tâm Thảo Thắng Thủy Trang Trung Tuấn Vân Việt Yến"
).split()
KINDS = [roster.KIND_VALUES[k] for k in (Person.Kind.OFFICIAL, Person.Kind.PROBATIONARY, Person.Kind.NON_PARTY)]


def timed(label: str, results: dict[str, float], fn: Any, *args: Any, **kwargs: Any) -> Any:
    start, cpu = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    results[label] = time.perf_counter() - start
    print(f"  {label:<30} {results[label]:7.2f} s  (this process's CPU {time.process_time() - cpu:6.2f} s)", flush=True)
    return value


def ensure_tree() -> tuple[Organisation, list[Organisation]]:
    """The root and the cells a roster may name under it (unique names only), creating a tree if none."""
    root = Organisation.objects.filter(depth=0, is_active=True).order_by("path").first()
    if root is None:
        print("No organisation tree: creating a small one (1 province, 4 committees, 40 grassroots, 240 cells).")
        K = Organisation.Kind
        root = services.organisation_create(actor=None, parent=None, name="Tỉnh ủy Benchmark", kind=K.PROVINCE)
        for c in range(1, 5):
            committee = services.organisation_create(
                actor=None, parent=root, name=f"Huyện ủy Bench {c}", kind=K.COMMITTEE
            )
            for g in range(1, 11):
                grassroots = services.organisation_create(
                    actor=None, parent=committee, name=f"Đảng bộ xã Bench {c}-{g}", kind=K.GRASSROOTS
                )
                for n in range(1, 7):
                    services.organisation_create(
                        actor=None, parent=grassroots, name=f"Chi bộ thôn {c}-{g}-{n}", kind=K.CELL
                    )
    cells = roster.Cells.load(root)
    unique = [pk for ids in cells.by_name.values() if len(ids) == 1 for pk in ids]
    chosen = list(Organisation.objects.filter(pk__in=unique, kind__in=Organisation.CELL_KINDS).order_by("path"))
    if not chosen:
        sys.exit("The tree has no uniquely named party cells to import into.")
    return root, chosen


def free_card_base(count: int) -> int:
    """A start for ``count`` consecutive 9-digit card numbers that no person holds yet."""
    base = 800_000_000
    while Person.objects.filter(card_number__gte=str(base), card_number__lt=str(base + count + 1)).exists():
        base += 10_000_000
    return base


def make_rows(count: int, cells: list[Organisation], seed: int = 46) -> list[list[Any]]:
    rng = random.Random(seed)
    base = free_card_base(count)
    rows: list[list[Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for i in range(count):
        cell = cells[i % len(cells)].name
        kind = KINDS[0] if i % 10 < 8 else KINDS[1] if i % 10 == 8 else KINDS[2]
        while True:
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65))
            key = (name, born.isoformat(), cell)
            if key not in seen:
                seen.add(key)
                break
        card = "" if kind == KINDS[2] else str(base + i)
        gender = "Nữ" if name.split()[1] == "Thị" else "Nam"
        rows.append(
            [
                name,
                born.strftime("%d/%m/%Y"),
                gender,
                card,
                kind,
                cell,
                f"09{i:08d}",
                f"dv{i}@example.vn" if i % 3 == 0 else "",
            ]
        )
    return rows


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def to_excel_style_xlsx(rows: list[list[Any]]) -> bytes:
    """The roster as Excel itself saves it: text in a shared-strings table, cells referring to it.

    openpyxl writes every text cell inline instead, which its reader parses several times slower;
    a roster typed or saved in Excel (or LibreOffice) looks like this one.
    """
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}

    def ref(text: str) -> int:
        return strings.setdefault(text, len(strings))

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    sheet = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
        f'<dimension ref="A1:H{len(rows) + 1}"/><sheetData>'
    ]
    for number, row in enumerate([[c.header for c in roster.COLUMNS], *rows], start=1):
        cells = "".join(
            f'<c r="{letters[i]}{number}" t="s"><v>{ref(str(v))}</v></c>'
            for i, v in enumerate(row)
            if v not in ("", None)
        )
        sheet.append(f'<row r="{number}">{cells}</row>')
    sheet.append("</sheetData></worksheet>")
    shared = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} xmlns:r="{_REL}">'
            '<sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="1"><xf xfId="0"/></cellXfs></styleSheet>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{shared}</sst>'
        ),
        "xl/worksheets/sheet1.xml": "".join(sheet),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def to_xlsx(rows: list[list[Any]]) -> bytes:
    """The roster as openpyxl writes it (every text cell inline)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append([c.header for c in roster.COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([c.header for c in roster.COLUMNS])
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def copy_floor(rows: list[dict[str, Any]], results: dict[str, float]) -> None:
    """COPY the planned rows into the person table (then roll back), and into an unindexed scratch table."""
    columns = (
        "full_name",
        "date_of_birth",
        "gender",
        "card_number",
        "kind",
        "status",
        "organisation_id",
        "phone",
        "email",
        "search_name",
        "sort_key",
        "created_at",
        "updated_at",
    )
    now = timezone.now()
    records = [
        (
            r["full_name"],
            r["date_of_birth"],
            r["gender"],
            r["card_number"] or None,
            r["kind"],
            "active",
            r["organisation"],
            r["phone"],
            r["email"],
            fold(r["full_name"]),
            name_sort_key(r["full_name"]),
            now,
            now,
        )
        for r in rows
    ]

    def copy_into(table: str) -> None:
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)

    with transaction.atomic():
        timed("COPY into person (rolled back)", results, copy_into, "organisations_person")
        transaction.set_rollback(True)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE roster_copy (LIKE organisations_person INCLUDING DEFAULTS INCLUDING IDENTITY) "
                "ON COMMIT DROP"
            )
        timed("COPY into scratch table", results, copy_into, "roster_copy")
        transaction.set_rollback(True)


def vacuum() -> None:
    """Repeated runs delete ~46,000 rows each; without a vacuum the next run scans the dead ones."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE organisations_person, organisations_membership, "
                "organisations_auditentry, organisations_rosterimport"
            )


def cleanup(imports: list[RosterImport]) -> None:
    ids = [imp.pk for imp in imports]
    person_ids = [
        r["person"]
        for imp in RosterImport.objects.filter(pk__in=ids, status=RosterImport.Status.APPLIED)
        for r in imp.rows
        if r["op"] == roster.CREATE
    ]
    with transaction.atomic():
        for start in range(0, len(person_ids), 5000):
            chunk = person_ids[start : start + 5000]
            Person.objects.filter(pk__in=chunk).delete()
        AuditEntry.objects.filter(changes__roster_import__in=ids).delete()
        AuditEntry.objects.filter(action="roster_import", target_id__in=[str(i) for i in ids]).delete()
        RosterImport.objects.filter(pk__in=ids).delete()
    print(f"Cleaned up: {len(person_ids)} people and {len(ids)} imports removed.")
    vacuum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=46_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported people")
    parser.add_argument("--migrate", action="store_true", help="run migrate first (for a scratch database)")
    args = parser.parse_args()
    if args.migrate:
        call_command("migrate", verbosity=0)
    vendor = connection.vendor
    print(
        f"Database: {vendor} ({connection.settings_dict['NAME']}), rows: {args.rows:,}, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    vacuum()
    root, cells = ensure_tree()
    user, _ = get_user_model().objects.get_or_create(
        username="bench_roster", defaults={"is_superuser": True, "is_staff": True}
    )
    print(f"Tree: {root.name}, {len(cells)} party cells used, {Person.objects.count():,} people before")

    results: dict[str, float] = {}
    rows = timed("generate rows", results, make_rows, args.rows, cells)
    xlsx_data = to_excel_style_xlsx(rows)
    openpyxl_data = to_xlsx(rows)
    csv_data = to_csv(rows)
    print(
        f"  file sizes: .xlsx {len(xlsx_data) / 1e6:.1f} MB (Excel-style), {len(openpyxl_data) / 1e6:.1f} MB "
        f"(openpyxl-written), .csv {len(csv_data) / 1e6:.1f} MB"
    )
    imports: list[RosterImport] = []
    try:
        timed("read .xlsx", results, roster.read_roster, filename="bench.xlsx", data=xlsx_data)
        timed("read .xlsx (openpyxl-written)", results, roster.read_roster, filename="o.xlsx", data=openpyxl_data)
        timed("read .csv", results, roster.read_roster, filename="bench.csv", data=csv_data)
        csv_imp = timed(
            "preview .csv",
            results,
            roster.roster_preview,
            actor=user,
            organisation=root,
            filename="bench.csv",
            data=csv_data,
        )
        imports.append(csv_imp)
        imp = timed(
            "preview .xlsx",
            results,
            roster.roster_preview,
            actor=user,
            organisation=root,
            filename="bench.xlsx",
            data=xlsx_data,
        )
        imports.append(imp)
        assert not imp.errors, imp.errors[:5]
        assert imp.created_count == args.rows, (imp.created_count, imp.updated_count, imp.unchanged_count)
        client = Client()
        client.force_login(user)
        url = reverse("organisations:roster_preview", args=[imp.pk])
        page = timed("preview page (GET)", results, client.get, url, HTTP_HOST="127.0.0.1")
        assert page.status_code == 200, page.status_code
        print(f"  preview page size: {len(page.content) / 1e3:.0f} kB")
        if vendor == "postgresql":
            copy_floor(RosterImport.objects.get(pk=imp.pk).rows, results)
        timed("apply (confirm)", results, roster.roster_apply, actor=user, roster_import=imp)
        imp.refresh_from_db()
        assert imp.status == RosterImport.Status.APPLIED and imp.created_count == args.rows

        for row in rows:
            row[6] = "08" + row[6][2:]
        changed = to_excel_style_xlsx(rows)
        upd = timed(
            "update: preview .xlsx",
            results,
            roster.roster_preview,
            actor=user,
            organisation=root,
            filename="bench-2.xlsx",
            data=changed,
        )
        imports.append(upd)
        assert upd.updated_count == args.rows and not upd.errors, (upd.updated_count, upd.errors[:3])
        timed("update: apply", results, roster.roster_apply, actor=user, roster_import=upd)
    finally:
        if not args.keep:
            cleanup(imports)

    create_total = results["preview .xlsx"] + results["preview page (GET)"] + results["apply (confirm)"]
    update_total = results["update: preview .xlsx"] + results["update: apply"]
    print()
    print(f"Import of {args.rows:,} new people from .xlsx (preview + page + confirm): {create_total:.1f} s")
    print(f"Re-import with {args.rows:,} changed phone numbers (preview + confirm):  {update_total:.1f} s")
    if "COPY into person (rolled back)" in results:
        copy_s = results["COPY into person (rolled back)"]
        print(f"COPY of the same rows into the person table: {copy_s:.2f} s")
        print(
            f"Ratio import / COPY:  {create_total / copy_s:.1f}x   (apply alone / COPY: "
            f"{results['apply (confirm)'] / copy_s:.1f}x)"
        )


if __name__ == "__main__":
    main()

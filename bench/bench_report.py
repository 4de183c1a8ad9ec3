"""Benchmark: the report's aggregates vs bare SQL, end to end, and at national scale.

Province (the demo loaded by ``manage.py seed_demo``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/bench_report.py

  aggregates   the participation breakdown the report is built on (ONE grouped query per level,
               campaigns.participation) vs the same GROUP BY written by hand (target ORM/SQL <= 1.5)
  essays       the essays' quality breakdown (ONE grouped query, essays.quality), for information
  end to end   reports.services.request_report -> the task builds content, PDF and Excel in-process,
               with the PDF rendering's time and the process's peak memory (ru_maxrss)

National (a synthetic country, about 5.5 million people, in a database of its own)::

    createdb -h 127.0.0.1 -U postgres portal_national
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_national .venv/bin/python bench/bench_report.py --national

  Loads (once; --reload to redo) a tree root -> 3 regions -> 63 provinces -> 13 committees each -> grassroots ->
  cells, --people people (default 5,500,000) and one attendance row for 95 % of them, with INSERT … SELECT
  generate_series on the server (the fastest way in; COPY of client-made rows is slower for generated data),
  then times the same report aggregates at three sizes: one province (~87,000 people), one region (~1.8 M) and
  the whole country (target ORM/SQL <= 2 and under 60 s). Prints how the time grows with the size.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from bench_participation import bare_sql, compare  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns import participation  # noqa: E402
from campaigns.models import Attendance, Campaign, Document, StudySession  # noqa: E402
from organisations.models import STEP, Organisation, Person  # noqa: E402

ORG = Organisation._meta.db_table
PERSON = Person._meta.db_table
ATTENDANCE = Attendance._meta.db_table


def children_of(frame: participation.Frame, org: Organisation) -> list[Organisation]:
    return [c for c in Organisation.objects.filter(parent=org, is_active=True).order_by("path") if frame.covers(c)]


def aggregate_pair(frame: participation.Frame, org: Organisation, repeat: int) -> tuple[float, float, bool]:
    children = children_of(frame, org)

    def orm() -> dict[str, tuple[int, int, int]]:
        result = participation.breakdown(frame, org, children)
        out = {r.organisation.path: (r.figures.expected, r.figures.studied, r.figures.excused) for r in result.rows}
        if result.own.expected or result.own.excused:
            out[org.path] = (result.own.expected, result.own.studied, result.own.excused)
        return {k: v for k, v in out.items() if any(v)}

    sql_text, params = bare_sql(frame, org)

    def sql() -> dict[str, tuple[int, int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(sql_text, params)
            return {prefix: (e, s, x) for prefix, e, s, x in cursor.fetchall() if e or s or x}

    orm_time, sql_time, orm_rows, sql_rows = compare(orm, sql, repeat)
    return orm_time, sql_time, orm_rows == sql_rows


def province(repeat: int) -> int:
    from essays import quality, rules
    from reports import services
    from reports.models import Report

    campaign = (
        Campaign.objects.filter(parent__isnull=True, status=Campaign.Status.OPEN)
        .annotate(n=Count("sessions__attendances"))
        .order_by("-n")
        .first()
    )
    if campaign is None:
        print("No campaign: load the demo first (manage.py seed_demo).", file=sys.stderr)
        return 2
    org = campaign.organisation
    frame = participation.frame_of(campaign)
    print(
        f"{connection.vendor}, {connection.settings_dict['NAME']}: {Person.objects.count():,} people; "
        f"{campaign.title[:60]}…; median of {repeat}; load average {os.getloadavg()[0]:.2f}"
    )
    orm_time, sql_time, agree = aggregate_pair(frame, org, repeat)
    print(
        f"  aggregates (participation, 1 grouped query)  ORM {orm_time * 1000:8.1f} ms  SQL {sql_time * 1000:8.1f} ms  "
        f"ORM/SQL {orm_time / sql_time:4.2f}  figures {'agree' if agree else 'DIFFER'}"
    )
    root = rules.root_of(campaign)
    levels = quality.levels_of(root)
    samples = []
    for _ in range(max(3, repeat // 4)):
        started = time.perf_counter()
        quality.breakdown(participation.frame_of(root), org, children_of(frame, org), levels)
        samples.append(time.perf_counter() - started)
    print(f"  essays quality breakdown (1 grouped query + participation)   {statistics.median(samples) * 1000:8.1f} ms")

    from reports import rendering
    from reports.content import build

    data = build(campaign, org, timezone.localdate())
    report = Report(campaign=campaign, organisation=org, as_of=timezone.localdate(), verification_code="bench")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    pdf = rendering.pdf(data, report, "1-BC/BENCH")
    pdf_time = time.perf_counter() - started
    started = time.perf_counter()
    xlsx = rendering.xlsx(data, report, "1-BC/BENCH")
    xlsx_time = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  PDF rendering {pdf_time:6.2f} s ({len(pdf) / 1024:,.0f} KB)   Excel {xlsx_time:6.2f} s "
        f"({len(xlsx) / 1024:,.0f} KB)   peak RSS {rss_before / 1024:,.0f} -> {rss_after / 1024:,.0f} MB"
    )

    from django.contrib.auth import get_user_model

    # A real account: access.scope_of reads the user's grants from the database.
    user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        print("No superuser: load the demo first (manage.py seed_demo).", file=sys.stderr)
        return 2
    with transaction.atomic():
        started = time.perf_counter()
        result = services.request_report(actor=user, campaign=campaign, organisation=org, as_of=timezone.localdate())
    result.report.refresh_from_db()
    total = time.perf_counter() - started
    print(f"  end to end (request -> content, PDF, Excel; in-process)   {total:6.2f} s   status {result.report.status}")
    Report.objects.filter(pk=result.report.pk).delete()
    return 0 if agree else 1


# --------------------------------------------------------------------------------------------
# National scale
# --------------------------------------------------------------------------------------------

REGIONS = ("Miền Bắc", "Miền Trung", "Miền Nam")
PROVINCES = 63
COMMITTEES = 13


def load_national(people: int) -> None:
    """A synthetic country built on the server. Organisations from Python (≈200k rows), people and attendance
    with INSERT … SELECT generate_series."""
    cells_wanted = max(1, people // 30)
    per_committee = max(1, cells_wanted // (PROVINCES * COMMITTEES))
    grassroots_per_committee = max(1, int(per_committee**0.5))
    cells_per_grassroots = max(1, per_committee // grassroots_per_committee)
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []

    def add(name: str, kind: str, path: str) -> None:
        rows.append((name, "", "", kind, path, len(path) // STEP - 1, True, name.lower(), now, now))

    add("Ban Chấp hành Trung ương (mô phỏng)", "province", "0001")
    for r, region in enumerate(REGIONS, 1):
        add(region, "committee", f"0001{r:04d}")
        for p in range(1, PROVINCES // len(REGIONS) + 1):
            ppath = f"0001{r:04d}{p:04d}"
            add(f"Tỉnh ủy {region} {p}", "committee", ppath)
            for c in range(1, COMMITTEES + 1):
                cpath = f"{ppath}{c:04d}"
                add(f"Huyện ủy {region} {p}-{c}", "committee", cpath)
                for g in range(1, grassroots_per_committee + 1):
                    gpath = f"{cpath}{g:04d}"
                    add(f"Đảng bộ xã {p}-{c}-{g}", "grassroots", gpath)
                    for k in range(1, cells_per_grassroots + 1):
                        add(f"Chi bộ {p}-{c}-{g}-{k}", "cell", f"{gpath}{k:04d}")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            f"COPY {ORG} (name, short_name, symbol, kind, path, depth, is_active, search_name, created_at, updated_at)"
            " FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"""UPDATE {ORG} c SET parent_id = p.id FROM {ORG} p
                            WHERE p.path = substr(c.path, 1, length(c.path) - {STEP}) AND length(c.path) > {STEP}""")
        print(f"  {len(rows):,} organisations in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        cursor.execute(
            f"CREATE TEMP TABLE bench_cells AS SELECT id, row_number() OVER (ORDER BY path) AS rn "
            f"FROM {ORG} WHERE kind = 'cell'"
        )
        cursor.execute("SELECT count(*) FROM bench_cells")
        cells = cursor.fetchone()[0]
        cursor.execute(
            f"""
            INSERT INTO {PERSON} (full_name, kind, status, organisation_id, gender, phone, email, search_name,
                                  sort_key, created_at, updated_at)
            SELECT 'Nguyễn Văn ' || g,
                   CASE WHEN g %% 20 = 0 THEN 'probationary' WHEN g %% 15 = 0 THEN 'non_party' ELSE 'official' END,
                   CASE WHEN g %% 50 = 0 THEN 'excused' ELSE 'active' END,
                   c.id, '', '', '', 'nguyen van ' || g, lpad(g::text, 12, '0'), now(), now()
              FROM generate_series(1, %s) g JOIN bench_cells c ON c.rn = (g %% %s) + 1""",
            [people, cells],
        )
        print(f"  {people:,} people in {time.perf_counter() - started:.1f} s")
    document = Document.objects.create(
        kind="conclusion",
        number_symbol="21-KL/TW",
        issuing_body="BCH TW",
        issued_on=timezone.localdate(),
        title="Kết luận 21-KL/TW (mô phỏng)",
    )
    root = Organisation.objects.get(path="0001")
    campaign = Campaign.objects.create(
        title="Học tập toàn quốc (mô phỏng)",
        organisation=root,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        status=Campaign.Status.OPEN,
    )
    campaign.documents.add(document)
    campaign.audience.add(root)
    start = timezone.now() - timezone.timedelta(days=3)
    session = StudySession.objects.create(
        campaign=campaign,
        organisation=root,
        title="Hội nghị toàn quốc",
        starts_at=start,
        ends_at=start + timezone.timedelta(hours=4),
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ATTENDANCE} (session_id, person_id, status, reason, source, recorded_at)
            SELECT %s, id, 'present', '', 'sheet', now() FROM {PERSON} WHERE id %% 20 <> 7""",
            [session.pk],
        )
        print(f"  {cursor.rowcount:,} attendance rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        cursor.execute("ANALYZE")
        print(f"  ANALYZE in {time.perf_counter() - started:.1f} s")


def national(people: int, reload: bool, repeat: int) -> int:
    call_command("migrate", verbosity=0)
    if reload or not Campaign.objects.filter(title="Học tập toàn quốc (mô phỏng)").exists():
        if Person.objects.exists() and not reload:
            print("This database already holds people: use an empty database for --national.", file=sys.stderr)
            return 2
        if reload:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {ATTENDANCE}, {PERSON}, {ORG} CASCADE")
            Campaign.objects.all().delete()
            Document.objects.all().delete()
        started = time.perf_counter()
        load_national(people)
        print(f"  loaded in {time.perf_counter() - started:.1f} s")
    campaign = Campaign.objects.get(title="Học tập toàn quốc (mô phỏng)")
    frame = participation.frame_of(campaign)
    root = campaign.organisation
    region = Organisation.objects.filter(parent=root).order_by("path").first()
    one_province = Organisation.objects.filter(parent=region).order_by("path").first()
    print(
        f"{connection.settings_dict['NAME']}: {Person.objects.count():,} people, "
        f"{Organisation.objects.count():,} organisations; median of {repeat}; load {os.getloadavg()[0]:.2f}"
    )
    results = []
    for org in (one_province, region, root):
        size = participation.expected_people(frame, org).count()
        orm_time, sql_time, agree = aggregate_pair(frame, org, repeat)
        results.append((org, size, orm_time, sql_time))
        print(
            f"  {org.name[:38]:<38} {size:>10,} people  ORM {orm_time:7.2f} s  SQL {sql_time:7.2f} s  "
            f"ORM/SQL {orm_time / sql_time:4.2f}  figures {'agree' if agree else 'DIFFER'}"
        )
    (_, s0, t0, _), (_, s2, t2, _) = results[0], results[-1]
    print(
        f"  growth: {s2 / s0:,.0f}x the people -> {t2 / t0:,.1f}x the time "
        f"({t2 / s2 * 1e6:.2f} µs per person at national scale)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--national", action="store_true", help="the synthetic national data set (own database)")
    parser.add_argument("--people", type=int, default=5_500_000, help="people in the national data set")
    parser.add_argument("--reload", action="store_true", help="drop and load the national data set again")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each variant (default 5)")
    args = parser.parse_args()
    settings.DEBUG = False
    if connection.vendor != "postgresql":
        print("Run this on PostgreSQL (DATABASE_URL=postgres://...).", file=sys.stderr)
    if args.national:
        return national(args.people, args.reload, max(1, args.repeat))
    return province(args.repeat)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the participation breakdown of a whole province through campaigns.participation vs bare SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h6 .venv/bin/python bench/bench_participation.py

Intended for PostgreSQL with the demo province loaded (``manage.py seed_demo``: its open campaign for
Kết luận 21-KL/TW has ~45,000 attendance rows). It times, for the provincial campaign (or --campaign):

  breakdown     participation.breakdown(frame, province, children): expected / studied / excused for each
                directly-subordinate organisation, ONE grouped query (Substr of the path + filtered counts
                + EXISTS for "studied")
                vs  the same GROUP BY written by hand in SQL on the same tables
  summary       participation.summary(...): everything the province's drill-down page computes (breakdown,
                completion, units and flags; ~9 queries), for information: no SQL twin

Each pair runs --repeat times, ORM and SQL alternating (after a warm-up); the script prints the median times
and the ratio ORM / SQL (target <= 1.5) and fails if any figure differs. It also prints PostgreSQL's plan
of the ORM query. Nothing is written. DEBUG is switched off (--debug keeps it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import Substr  # noqa: E402

from campaigns import participation  # noqa: E402
from campaigns.models import Attendance, Campaign, StudySession  # noqa: E402
from organisations.models import STEP, Organisation, Person  # noqa: E402

PERSON = Person._meta.db_table
ORG = Organisation._meta.db_table
ATTENDANCE = Attendance._meta.db_table
SESSION = StudySession._meta.db_table


def bare_sql(frame: participation.Frame, org: Organisation) -> tuple[str, list[Any]]:
    """The breakdown as one would write it by hand."""
    audience = " OR ".join(["o.path LIKE %s"] * len(frame.audience_paths)) or "FALSE"
    sql = f"""
        SELECT substr(o.path, 1, %s) AS prefix,
               COUNT(*) FILTER (WHERE p.status = 'active') AS expected,
               COUNT(*) FILTER (WHERE p.status = 'active' AND EXISTS (
                   SELECT 1 FROM {ATTENDANCE} a JOIN {SESSION} s ON s.id = a.session_id
                    WHERE a.person_id = p.id AND s.campaign_id = ANY(%s) AND s.kind IN ('main', 'makeup')
                      AND a.status IN ('present', 'elsewhere'))) AS studied,
               COUNT(*) FILTER (WHERE p.status = 'excused') AS excused
          FROM {PERSON} p JOIN {ORG} o ON o.id = p.organisation_id
         WHERE o.path LIKE %s AND ({audience}) AND p.kind = ANY(%s) AND p.status IN ('active', 'excused')
         GROUP BY 1"""
    params: list[Any] = [
        len(org.path) + STEP,
        list(frame.family_ids),
        org.path + "%",
        *[p + "%" for p in frame.audience_paths],
        list(frame.kinds),
    ]
    return sql, params


def compare(orm: Callable[[], Any], sql: Callable[[], Any], repeat: int) -> tuple[float, float, Any, Any]:
    """Median seconds per call of each over ``repeat`` alternating calls (after a warm-up), and the results."""
    orm_result, sql_result = orm(), sql()
    orm_samples, sql_samples = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        orm_result = orm()
        orm_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        sql_result = sql()
        sql_samples.append(time.perf_counter() - started)
    return statistics.median(orm_samples), statistics.median(sql_samples), orm_result, sql_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each variant (default 20)")
    parser.add_argument(
        "--campaign", type=int, help="campaign id (default: the open provincial campaign with the most attendance)"
    )
    parser.add_argument("--debug", action="store_true", help="keep the settings' DEBUG (query logging) on")
    args = parser.parse_args()
    if not args.debug:
        settings.DEBUG = False

    campaigns = Campaign.objects.filter(parent__isnull=True)
    if args.campaign:
        campaign = campaigns.filter(pk=args.campaign).first()
    else:
        campaign = (
            campaigns.filter(status=Campaign.Status.OPEN)
            .annotate(n=Count("sessions__attendances"))
            .order_by("-n")
            .first()
        )
    if campaign is None:
        print("No campaign: load the demo first (manage.py seed_demo).", file=sys.stderr)
        return 2
    org = campaign.organisation
    frame = participation.frame_of(campaign)
    children = [c for c in Organisation.objects.filter(parent=org, is_active=True).order_by("path") if frame.covers(c)]
    attendance = Attendance.objects.filter(session__campaign_id__in=frame.family_ids).count()
    print(f"{connection.vendor}, {connection.settings_dict['NAME']}: {campaign.title[:70]}…")
    print(
        f"  {Person.objects.count():,} people, {attendance:,} attendance rows in its {len(frame.family_ids)} "
        f"campaigns (provincial + plans), {len(children)} organisations under {org.name}; median of "
        f"{args.repeat} runs; DEBUG {settings.DEBUG}; load average {os.getloadavg()[0]:.2f}"
    )

    def orm() -> dict[str, tuple[int, int, int]]:
        result = participation.breakdown(frame, org, children)
        out = {
            row.organisation.path: (row.figures.expected, row.figures.studied, row.figures.excused)
            for row in result.rows
        }
        if result.own.expected or result.own.excused:
            out[org.path] = (result.own.expected, result.own.studied, result.own.excused)
        return {k: v for k, v in out.items() if any(v)}

    sql_text, params = bare_sql(frame, org)

    def sql() -> dict[str, tuple[int, int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(sql_text, params)
            return {prefix: (e, s, x) for prefix, e, s, x in cursor.fetchall() if e or s or x}

    orm_time, sql_time, orm_rows, sql_rows = compare(orm, sql, args.repeat)
    agree = orm_rows == sql_rows
    print(
        f"  breakdown (1 query)   ORM {orm_time * 1000:8.2f} ms   SQL {sql_time * 1000:8.2f} ms   "
        f"ORM/SQL {orm_time / sql_time:5.2f}   figures {'agree' if agree else 'DIFFER'}"
    )

    samples = []
    for _ in range(max(3, args.repeat // 4)):
        started = time.perf_counter()
        result = participation.summary(frame, org, children)
        samples.append(time.perf_counter() - started)
    total = result.breakdown.total
    print(f"  summary (drill-down page's figures, completion, flags)   {statistics.median(samples) * 1000:8.2f} ms")
    print(
        f"\n  {org.name}: {total.studied:,}/{total.expected:,} studied, "
        f"{float(total.rate or 0) * 100:.2f}%, {total.excused:,} excused; {len(result.flagged)} flagged units"
    )
    names = {c.path: c.name for c in children}
    for path, (expected, studied, excused) in sorted(orm_rows.items()):
        rate = studied / expected * 100 if expected else 0
        name = names.get(path, "(directly)")
        print(f"    {name:<48} {studied:>7,}/{expected:<7,} {rate:6.2f}%  excused {excused:>4}")
    if connection.vendor == "postgresql":
        query = participation.participants(frame, org).order_by()
        grouped = (
            query.annotate(prefix=Substr("organisation__path", 1, len(org.path) + STEP))
            .values("prefix")
            .annotate(**participation._figure_aggregates(frame))
        )
        print("\n  EXPLAIN ANALYZE of the ORM query:")
        for line in grouped.explain(analyze=True).splitlines():
            print(f"    {line}")
    if not agree:
        print(f"ORM and SQL figures differ:\n  ORM {orm_rows}\n  SQL {sql_rows}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

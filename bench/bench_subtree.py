"""Benchmark: "everyone under this committee" through the ORM against hand-written SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h1 .venv/bin/python bench/bench_subtree.py

Intended for PostgreSQL with the demo province loaded (``manage.py seed_demo``, any --scale). For each
of the root's directly-subordinate committees it counts the people under it:

  per committee   selectors.members_under(org).count(), one query per committee (13 queries)
                  vs  SELECT COUNT(*) ... JOIN ... WHERE path LIKE '<committee path>%'
  grouped         selectors.person_counts_by_child(...), ONE query for all committees
                  vs  SELECT substr(path, 1, n), COUNT(*) ... GROUP BY 1
                  (the selector counts with Count("*"), not Count("id"): COUNT(person.id) must read
                  the person rows, COUNT(*) lets PostgreSQL answer from the organisation_id index alone)

Each pair runs --repeat times, ORM and SQL alternating (after a warm-up); the script prints the median time,
the ratio ORM / SQL, and fails if any count differs. It also prints PostgreSQL's plan of one
committee's count (EXPLAIN ANALYZE), to show the path index at work. Nothing is written.

DEBUG is switched off (as in production: with DEBUG on, Django also logs every query); --debug keeps it.
Run it on a quiet machine: the load average is printed because a busy CPU inflates the ORM's share.
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

from organisations import selectors  # noqa: E402
from organisations.models import Organisation, Person  # noqa: E402

PERSON = Person._meta.db_table
ORG = Organisation._meta.db_table
SQL_ONE = f"SELECT COUNT(*) FROM {PERSON} p JOIN {ORG} o ON o.id = p.organisation_id WHERE o.path LIKE %s"
SQL_GROUPED = (
    f"SELECT substr(o.path, 1, %s), COUNT(*) FROM {PERSON} p JOIN {ORG} o ON o.id = p.organisation_id "
    "WHERE o.path LIKE %s GROUP BY 1"
)


def compare(orm: Callable[[], Any], sql: Callable[[], Any], repeat: int) -> tuple[float, float, Any, Any]:
    """Median seconds per call of each, over ``repeat`` alternating calls (after one warm-up of each),
    so that a change in the machine's load weighs on both sides alike; and their last results."""
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
    parser.add_argument("--debug", action="store_true", help="keep the settings' DEBUG (query logging) on")
    args = parser.parse_args()
    if not args.debug:
        settings.DEBUG = False

    root = Organisation.objects.filter(depth=0).order_by("path").first()
    if root is None:
        print("No organisation tree: load the demo first (manage.py seed_demo).", file=sys.stderr)
        return 2
    committees = list(Organisation.objects.filter(parent=root, kind=Organisation.Kind.COMMITTEE).order_by("path"))
    people = Person.objects.count()
    print(
        f"{connection.vendor}, {connection.settings_dict['NAME']}: {people:,} people, "
        f"{Organisation.objects.count():,} organisations, {len(committees)} committees under {root.name}; "
        f"median of {args.repeat} runs; DEBUG {settings.DEBUG}; load average {os.getloadavg()[0]:.2f}"
    )

    def orm_each() -> list[int]:
        return [selectors.members_under(c).count() for c in committees]

    def sql_each() -> list[int]:
        with connection.cursor() as cursor:
            counts = []
            for c in committees:
                cursor.execute(SQL_ONE, [c.path + "%"])
                counts.append(cursor.fetchone()[0])
            return counts

    def orm_grouped() -> list[int]:
        rows, _ = selectors.person_counts_by_child(Person.objects.all(), organisation=root, children=committees)
        return [row.people for row in rows]

    def sql_grouped() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(SQL_GROUPED, [len(root.path) + 4, root.path + "%"])
            by_prefix = dict(cursor.fetchall())
        return [by_prefix.get(c.path, 0) for c in committees]

    ok = True
    rows = []
    for label, orm, sql in (
        ("per committee (13 queries)", orm_each, sql_each),
        ("grouped (1 query)", orm_grouped, sql_grouped),
    ):
        orm_time, sql_time, orm_counts, sql_counts = compare(orm, sql, args.repeat)
        agree = orm_counts == sql_counts
        ok &= agree
        rows.append((label, orm_time, sql_time, orm_counts))
        print(
            f"  {label:<28} ORM {orm_time * 1000:8.2f} ms   SQL {sql_time * 1000:8.2f} ms   "
            f"ORM/SQL {orm_time / sql_time:5.2f}   counts {'agree' if agree else 'DIFFER'}"
        )

    print("\n  people under each committee:")
    for committee, count in zip(committees, rows[0][3], strict=True):
        print(f"    {committee.name:<48} {count:>9,}")
    print(f"    {'total under the 13 committees':<48} {sum(rows[0][3]):>9,}")
    if connection.vendor == "postgresql" and committees:
        biggest = committees[max(range(len(committees)), key=lambda i: rows[0][3][i])]
        print(f"\n  EXPLAIN ANALYZE of the count under {biggest.name}:")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + SQL_ONE, [biggest.path + "%"])
            for (line,) in cursor.fetchall():
                print(f"    {line}")
    if not ok:
        print("ORM and SQL counts differ.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

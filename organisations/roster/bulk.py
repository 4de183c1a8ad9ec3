"""Fast bulk reads and writes for the roster import (tens of thousands of rows).

Django's bulk_create/bulk_update spend ~0.1 ms of Python per row preparing values (and
bulk_update's CASE WHEN grows with the batch); at 46,000 rows that was most of the import. These
helpers write plain, already DB-ready tuples: COPY and UPDATE ... FROM unnest() on PostgreSQL,
executemany elsewhere (SQLite runs it in C).

The SQL is built from model metadata only (table and column names, quoted); every value is a
parameter. That is why the S608 warnings below are silenced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL


def chunks(items: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for one query's parameters."""
    size = size or min(connection.features.max_query_params or 10_000, 10_000) - 10
    for start in range(0, len(items), size):
        yield items[start : start + size]


def value_list(values: Sequence[str]) -> Any:
    """``values`` for an ``__in`` lookup as ONE parameter (an array / a JSON list) where the database
    allows it: tens of thousands of separate parameters cost more to compile than the query takes."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [list(values)])
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(values))])
    return list(values)


def reserve_ids(model: type[Any], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, taken before inserting so no RETURNING is needed."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the import's transaction already holds the write lock (IMMEDIATE), so nobody
        # takes these ids meanwhile; AUTOINCREMENT never reuses an id below sqlite_sequence.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
    return list(range(top + 1, top + 1 + count))


def insert_rows(model: type[Any], columns: Sequence[str], records: list[tuple[Any, ...]]) -> None:
    """Insert ``records`` (values in the order of ``columns``) into ``model``'s table."""
    if not records:
        return
    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw psycopg cursor: wrap its errors so a unique violation is Django's IntegrityError.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", records)  # noqa: S608


def update_rows(model: type[Any], columns: Sequence[str], records: list[tuple[Any, ...]]) -> None:
    """Set ``columns`` of the rows whose id is each record's first value."""
    if not records:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ["bigint", *(model._meta.get_field(_field_name(model, c)).db_type(connection) for c in columns)]
            for chunk in chunks(records, 10_000):
                arrays = [list(values) for values in zip(*chunk, strict=True)]
                unnest = ", ".join(f"%s::{t}[]" for t in types)
                aliases = ", ".join(["id", *(qn(c) for c in columns)])
                sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns)
                query = f"UPDATE {table} SET {sets} FROM unnest({unnest}) AS v({aliases}) WHERE {table}.id = v.id"  # noqa: S608
                cursor.execute(query, arrays)
        else:
            sets = ", ".join(f"{qn(c)} = %s" for c in columns)
            query = f"UPDATE {table} SET {sets} WHERE id = %s"  # noqa: S608
            cursor.executemany(query, [(*r[1:], r[0]) for r in records])


def _field_name(model: type[Any], column: str) -> str:
    return str(next(f.name for f in model._meta.concrete_fields if f.column == column))

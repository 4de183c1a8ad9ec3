"""Roster import (nhập danh sách): read an .xlsx or .csv roster, plan it, apply it all or nothing.

The flow has two steps, both services (``services.py``):

- ``roster_preview`` reads the file, validates every row and works out the plan (who is created,
  who is updated and how, which rows are wrong). It stores the plan in a ``RosterImport`` and
  writes nothing to Person. A file that cannot be read at all raises DomainError; nothing is stored.
- ``roster_apply`` locks the RosterImport, plans the stored rows AGAIN against the database as it
  is now (someone may have taken a card number or closed a cell meanwhile) and, only if every row
  still passes, writes the whole plan in one transaction, with its audit entries.

The modules, in the order a file goes through them: ``columns`` (the file format and templates),
``reading`` (bytes -> header and rows), ``rows`` (each row checked on its own), ``plan`` (rows
matched with the people on record), ``services`` (preview, apply, cancel), ``bulk`` (the fast
reads and writes that keep 46,000 rows well under a minute: no query runs per row).
"""

from .columns import (
    COLUMNS,
    FIELDS,
    GENDER_VALUES,
    KIND_VALUES,
    MAX_UNZIPPED_BYTES,
    max_mb,
    max_rows,
    template_csv,
    template_xlsx,
)
from .plan import CREATE, SAME, UPDATE, Plan, plan_rows
from .reading import Sheet, read_roster
from .rows import Cells, RowValues, validate_rows
from .services import RosterStale, roster_apply, roster_cancel, roster_preview

__all__ = [
    "COLUMNS",
    "CREATE",
    "FIELDS",
    "GENDER_VALUES",
    "KIND_VALUES",
    "MAX_UNZIPPED_BYTES",
    "SAME",
    "UPDATE",
    "Cells",
    "Plan",
    "RosterStale",
    "RowValues",
    "Sheet",
    "max_mb",
    "max_rows",
    "plan_rows",
    "read_roster",
    "roster_apply",
    "roster_cancel",
    "roster_preview",
    "template_csv",
    "template_xlsx",
    "validate_rows",
]

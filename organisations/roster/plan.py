"""Matching roster rows with the people already recorded: what applying the file would change."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from organisations import access
from organisations.models import Organisation, Person
from portal.lib.text import fold

from .bulk import chunks, value_list
from .columns import FIELDS, KEEP_WHEN_BLANK
from .rows import Cells, RowValues, row_error

CREATE, UPDATE, SAME = "create", "update", "same"
_EXISTING_FIELDS = (
    "id",
    "full_name",
    "date_of_birth",
    "gender",
    "card_number",
    "kind",
    "organisation_id",
    "phone",
    "email",
    "organisation__path",
)


@dataclass
class Plan:
    rows: list[dict[str, Any]]  # RowValues JSON + "op", "person" (id) and "changes" {field: [old, new]}
    errors: list[dict[str, Any]]

    def count(self, op: str) -> int:
        return sum(1 for r in self.rows if r["op"] == op)


def _person_dict(values: tuple[Any, ...]) -> dict[str, Any]:
    person = dict(zip(_EXISTING_FIELDS, values, strict=True))
    person["organisation"] = person.pop("organisation_id")
    person["card_number"] = person["card_number"] or ""
    return person


def plan_rows(
    *,
    actor: Any,
    organisation: Organisation,
    rows: list[RowValues],
    cells: Cells,
    labels: dict[str, str] | None = None,
) -> Plan:
    """Match each valid row with an existing person and say what applying it would change.

    A card number identifies a person anywhere in the province; a person found that way outside
    what ``actor`` may import into is an error that reveals nothing about them. Without a card
    number a person is recognised by (name, date of birth, cell) within the chosen subtree.
    Queries: one for the subtree's people, one per ~10,000 card numbers found nowhere in it.
    """
    matcher = _Matcher(actor=actor, organisation=organisation, cells=cells)
    matcher.load([r.card_number for r in rows if r.card_number])
    plan = Plan(rows=[], errors=[])
    for row in rows:
        try:
            person = matcher.match(row)
        except _Problem as problem:
            plan.errors.append(row_error(row.row, problem.column, problem.message, labels))
            continue
        plan.rows.append(_planned(row, person))
    return plan


class _Problem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


Key = tuple[str, dt.date | None, int]  # (folded name, date of birth, cell id)


class _Matcher:
    """The people a roster's rows may be, indexed, and what the rows seen so far have claimed."""

    def __init__(self, *, actor: Any, organisation: Organisation, cells: Cells) -> None:
        self.actor, self.organisation, self.cells = actor, organisation, cells
        self.by_card: dict[str, dict[str, Any]] = {}
        self.by_key: dict[Key, list[dict[str, Any]]] = defaultdict(list)
        self.outside: dict[str, dict[str, Any]] = {}
        self.card_rows: dict[str, int] = {}
        self.key_rows: dict[Key, int] = {}
        self.person_rows: dict[int, int] = {}
        self.allowed_paths: dict[str, bool] = {}

    def load(self, cards: list[str]) -> None:
        """The subtree's people in one query; then the file's other card numbers wherever they are."""
        subtree = Person.objects.filter(organisation__path__startswith=self.organisation.path)
        for values in subtree.values_list(*_EXISTING_FIELDS):
            known = _person_dict(values)
            if known["card_number"]:
                self.by_card[known["card_number"]] = known
            self.by_key[(fold(known["full_name"]), known["date_of_birth"], known["organisation"])].append(known)
        elsewhere = sorted({card for card in cards if card not in self.by_card})
        for chunk in chunks(elsewhere, 50_000):
            for values in Person.objects.filter(card_number__in=value_list(chunk)).values_list(*_EXISTING_FIELDS):
                known = _person_dict(values)
                self.outside[known["card_number"]] = known

    def match(self, row: RowValues) -> dict[str, Any] | None:
        """The person this row is (None: a new person), or _Problem."""
        if row.organisation not in self.cells.by_id:  # the cell was closed or moved since the preview
            raise _Problem(
                "cell",
                _("This party cell is no longer open in %(organisation)s.") % {"organisation": self.organisation.name},
            )
        person: dict[str, Any] | None = None
        key = (fold(row.full_name), row.date_of_birth, row.organisation)
        if row.card_number:
            if row.card_number in self.card_rows:
                raise _Problem(
                    "card_number",
                    _("The card number %(card)s is also on row %(row)s.")
                    % {"card": row.card_number, "row": self.card_rows[row.card_number]},
                )
            self.card_rows[row.card_number] = row.row
            person = self.by_card.get(row.card_number) or self._from_elsewhere(row.card_number)
        else:
            if key in self.key_rows:
                raise _Problem(
                    "full_name", _("Same name, date of birth and cell as row %(row)s.") % {"row": self.key_rows[key]}
                )
            self.key_rows[key] = row.row
        if person is None:
            # Without a matching card: the same name, date of birth and cell (and no other card).
            candidates = [p for p in self.by_key.get(key, ()) if not (row.card_number and p["card_number"])]
            if len(candidates) > 1:
                raise _Problem(
                    "card_number",
                    _("Several people of this cell have this name and date of birth: add their card number."),
                )
            person = candidates[0] if candidates else None
        if person is not None:
            if person["id"] in self.person_rows:
                raise _Problem(
                    "full_name", _("This person is already on row %(row)s.") % {"row": self.person_rows[person["id"]]}
                )
            self.person_rows[person["id"]] = row.row
        return person

    def _from_elsewhere(self, card: str) -> dict[str, Any] | None:
        """A person outside the chosen organisation: theirs to move only if the actor may import there."""
        person = self.outside.get(card)
        if person is None:
            return None
        path = person["organisation__path"]
        if path not in self.allowed_paths:
            self.allowed_paths[path] = access.can(self.actor, access.Action.IMPORT, Organisation(path=path))
        if not self.allowed_paths[path]:
            raise _Problem("card_number", _("This card number belongs to a person of another organisation."))
        return person


def _planned(row: RowValues, person: dict[str, Any] | None) -> dict[str, Any]:
    data = row.to_json()
    if person is None:
        return {**data, "op": CREATE, "person": None, "changes": {}}
    changes: dict[str, list[Any]] = {}
    for field in FIELDS:
        new = data[field]
        if field in KEEP_WHEN_BLANK and new in ("", None):
            continue
        old = person[field]
        if isinstance(old, dt.date):
            old = old.isoformat()
        if old != new:
            changes[field] = [old, new]
    return {**data, "op": UPDATE if changes else SAME, "person": person["id"], "changes": changes}

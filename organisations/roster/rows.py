"""Checking each roster row on its own: formats, values, and the party cell it names."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import Organisation, Person
from portal.lib.text import fold, normalise_name

from .columns import COLUMN_BY_KEY, GENDER_BY_FOLD, KIND_BY_FOLD, KIND_VALUES, TARGET_KINDS
from .reading import Sheet


@dataclass(slots=True)
class RowValues:
    """One roster row, validated and normalised. Blank optional values are "" / None."""

    row: int
    full_name: str
    date_of_birth: dt.date | None
    gender: str
    card_number: str
    kind: str
    organisation: int
    phone: str
    email: str

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "gender": self.gender,
            "card_number": self.card_number,
            "kind": self.kind,
            "organisation": self.organisation,
            "phone": self.phone,
            "email": self.email,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowValues:
        dob = data.get("date_of_birth")
        return cls(
            row=data["row"],
            full_name=data["full_name"],
            date_of_birth=dt.date.fromisoformat(dob) if dob else None,
            gender=data["gender"],
            card_number=data["card_number"],
            kind=data["kind"],
            organisation=data["organisation"],
            phone=data["phone"],
            email=data["email"],
        )


class RowError(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def _parse_name(value: Any) -> str:
    text = _text(value)
    if not text:
        raise RowError(_("Enter the full name."))
    if not any(ch.isalpha() for ch in text):
        raise RowError(_("This is not a name."))
    if len(text) > 150:
        raise RowError(_("The name is longer than 150 characters."))
    return normalise_name(text)


_DATE_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _parse_date(value: Any, today: dt.date) -> dt.date | None:
    if isinstance(value, dt.datetime):
        parsed = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    else:
        text = _text(value)
        if not text:
            return None
        try:
            if match := _DATE_DMY.match(text):
                day, month, year = (int(g) for g in match.groups())
            elif match := _DATE_ISO.match(text):
                year, month, day = (int(g) for g in match.groups())
            else:
                raise ValueError
            parsed = dt.date(year, month, day)
        except ValueError:
            raise RowError(_("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": text}) from None
    if parsed > today or parsed.year < 1900:
        raise RowError(_("The date of birth %(date)s is not possible.") % {"date": parsed.strftime("%d/%m/%Y")})
    return parsed


def _parse_gender(value: Any) -> str:
    text = fold(_text(value))
    if not text:
        return ""
    if text not in GENDER_BY_FOLD:
        raise RowError(_("Write Nam or Nữ."))
    return GENDER_BY_FOLD[text]


def _parse_card(value: Any) -> str:
    text = _text(value).replace(" ", "")
    if text.startswith('="') and text.endswith('"'):  # CSV written to keep leading zeros in Excel
        text = text[2:-1]
    if not text:
        return ""
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        raise RowError(_("A party card number has digits only (at most 20)."))
    return text


def _parse_kind(value: Any) -> str:
    text = fold(_text(value))
    if text not in KIND_BY_FOLD:
        raise RowError(_("Write one of: %(values)s.") % {"values": "; ".join(KIND_VALUES.values())})
    return KIND_BY_FOLD[text]


_PHONE_JUNK = re.compile(r"[\s.\-()]")


def _parse_phone(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = _text(value)
        if len(text) == 9:  # a number cell lost the leading 0 of a 10-digit mobile number
            text = "0" + text
    else:
        text = _PHONE_JUNK.sub("", _text(value))
    if not text:
        return ""
    digits = text[1:] if text.startswith("+") else text
    if not digits.isascii() or not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise RowError(_("“%(value)s” is not a phone number.") % {"value": _text(value)})
    return text


def _parse_email(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        if len(text) > 254:
            raise ValidationError("too long")
        validate_email(text)
    except ValidationError:
        raise RowError(_("“%(value)s” is not an e-mail address.") % {"value": text}) from None
    return text


@dataclass
class Cells:
    """The organisations of the chosen subtree that rows may name, indexed by folded name."""

    organisation: Organisation
    by_id: dict[int, tuple[str, str]]  # id -> (name, path)
    by_name: dict[str, list[int]]

    @classmethod
    def load(cls, organisation: Organisation) -> Cells:
        by_id: dict[int, tuple[str, str]] = {}
        by_name: dict[str, list[int]] = defaultdict(list)
        rows = Organisation.objects.filter(
            path__startswith=organisation.path, kind__in=TARGET_KINDS, is_active=True
        ).values_list("id", "name", "short_name", "path")
        for pk, name, short_name, path in rows:
            by_id[pk] = (name, path)
            for key in {fold(name), fold(short_name)} - {""}:
                by_name[key].append(pk)
        return cls(organisation=organisation, by_id=by_id, by_name=dict(by_name))

    def resolve(self, value: Any) -> int:
        text = _text(value)
        if not text:
            if self.organisation.pk in self.by_id:  # importing into one cell: the column may stay blank
                return self.organisation.pk
            raise RowError(_("Enter the party cell."))
        found = self.by_name.get(fold(text), [])
        if not found:
            raise RowError(
                _("There is no party cell “%(name)s” in %(organisation)s.")
                % {"name": text, "organisation": self.organisation.name}
            )
        if len(found) > 1:
            raise RowError(
                _(
                    "Several party cells in %(organisation)s are named “%(name)s”: choose a smaller "
                    "organisation for this file."
                )
                % {"name": text, "organisation": self.organisation.name}
            )
        return found[0]


def row_error(row: int, key: str, message: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    column = (labels or {}).get(key) or COLUMN_BY_KEY[key].header
    return {"row": row, "column": column, "message": message}


def _memoised(parse: Any) -> Any:
    """``parse`` remembered per cell value (outcome or error): for columns with few distinct values."""
    cache: dict[Any, tuple[bool, Any]] = {}

    def run(value: Any) -> Any:
        try:
            ok, outcome = cache[value]
        except KeyError:
            try:
                ok, outcome = True, parse(value)
            except RowError as error:
                ok, outcome = False, str(error)
            cache[value] = (ok, outcome)
        if not ok:
            raise RowError(outcome)
        return outcome

    return run


def validate_rows(sheet: Sheet, cells: Cells) -> tuple[list[RowValues], list[dict[str, Any]]]:
    """Every row checked on its own (types, formats, the cell exists); every problem reported."""
    today = timezone.localdate()
    parsers: dict[str, Any] = {
        "full_name": _parse_name,
        "date_of_birth": lambda v: _parse_date(v, today),
        "gender": _memoised(_parse_gender),
        "card_number": _parse_card,
        "kind": _memoised(_parse_kind),
        "cell": _memoised(cells.resolve),
        "phone": _parse_phone,
        "email": _parse_email,
    }
    positions = [(key, sheet.columns.get(key), parsers[key]) for key in parsers]
    values: list[RowValues] = []
    errors: list[dict[str, Any]] = []
    for number, row in sheet.rows:
        parsed: dict[str, Any] = {}
        row_errors: list[dict[str, Any]] = []
        for key, index, parse in positions:
            cell = row[index] if index is not None and index < len(row) else None
            try:
                parsed[key] = parse(cell)
            except RowError as error:
                row_errors.append(row_error(number, key, str(error), sheet.labels))
        if not row_errors:
            if parsed["kind"] == Person.Kind.NON_PARTY and parsed["card_number"]:
                row_errors.append(
                    row_error(number, "card_number", _("A non-party cadre has no party card number."), sheet.labels)
                )
            if not parsed["card_number"] and parsed["date_of_birth"] is None:
                row_errors.append(
                    row_error(
                        number,
                        "date_of_birth",
                        _("Enter the date of birth: without a card number it is how the person is recognised."),
                        sheet.labels,
                    )
                )
        if row_errors:
            errors.extend(row_errors)
            continue
        values.append(RowValues(row=number, organisation=parsed.pop("cell"), **parsed))
    return values, errors

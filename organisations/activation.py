"""Member account activation (kích hoạt tài khoản): one-time codes printed per cell, redeemed by the member.

An officer prints a cell's sheet: every active person of the cell without an account gets a fresh
code, their earlier unused codes stop working, and the sheet carries each code as a QR code and a
link. The member opens the link, sees their name, sets a password; the account is created then.

Only a SHA-256 of a code is stored (ActivationToken.token_hash): the plain code exists on the
printed sheet alone, so a database leak reveals no working link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.lib import pdf, qr
from portal.lib.errors import DomainError
from portal.lib.text import fold

from . import access, audit
from .models import ActivationToken, AuditEntry, Organisation, Person

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
MAX_TOKEN_LENGTH = 128  # anything longer is not one of ours; refuse before hashing
SHEET_ACTION = "activation_sheet"  # the audit action of a printed sheet
REDEEM_ACTION = "activate"  # the audit action of an account created from a code


class TokenState(StrEnum):
    VALID = "valid"
    # Unknown, already used, or its person already has an account or left: one answer for all, so a
    # visitor cannot tell a code that never existed from one that worked once.
    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"  # replaced by a newer sheet


class ActivationError(DomainError):
    """A code that cannot be redeemed; ``state`` says why (never VALID)."""

    def __init__(self, state: TokenState) -> None:
        super().__init__(_("This activation code cannot be used."))
        self.state = state


@dataclass(frozen=True)
class IssuedCode:
    """One line of a printed sheet: the person, their plain code (never stored) and its link."""

    person: Person
    token: str
    url: str
    login_name: str
    expires_at: dt.datetime

    @property
    def link_text(self) -> str:
        """The link as printed: without the scheme (browsers add it)."""
        return self.url.split("://", 1)[-1]

    @property
    def link_prefix(self) -> str:
        """The link text before the code: the sheet lets a line break there, never inside the code."""
        return self.link_text.rsplit(self.token, 1)[0]

    @property
    def qr_svg(self) -> SafeString:
        # The SVG is built from the module matrix by portal.lib.qr: no user text goes into it.
        # 26.5 mm with a quiet zone of 2 modules: the symbol itself is about 24 mm across.
        return mark_safe(qr.qr_svg(self.url, size="26.5mm", border=2, css_class="qr"))  # noqa: S308


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login_name(person: Person) -> str:
    """The login name an activated person gets: their party card number, else "cb" + their id."""
    return person.card_number or f"cb{person.pk}"


def activation_url(token: str) -> str:
    """The absolute link of a code, on the portal's public address (printed links must reach the real host)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("activate", args=[token])


def people_to_activate(cell: Organisation) -> QuerySet[Person]:
    """The cell's active people without an account, in Vietnamese name order."""
    return Person.objects.filter(organisation=cell, status=Person.Status.ACTIVE, user__isnull=True).order_by(
        "sort_key", "id"
    )


# Reads ---------------------------------------------------------------------------------------------

_PENDING = Q(people__status=Person.Status.ACTIVE, people__user__isnull=True)


def cell_list(*, user: Any, query: str = "", pending_only: bool = False) -> QuerySet[Organisation]:
    """Active cells the user may issue codes for, each with ``pending`` (active people without an
    account) and ``active`` (active people) counts, in tree order.

    ``query`` matches every word (diacritics optional) in the cell's name or its parent's, because
    cell names repeat from commune to commune ("Chi bộ thôn 1").
    """
    qs = access.visible(
        Organisation.objects.filter(kind__in=Organisation.CELL_KINDS, is_active=True), user, access.Action.ACTIVATE
    )
    for word in fold(query).split():
        qs = qs.filter(Q(search_name__contains=word) | Q(parent__search_name__contains=word))
    qs = qs.select_related("parent").annotate(
        pending=Count("people", filter=_PENDING),
        active=Count("people", filter=Q(people__status=Person.Status.ACTIVE)),
    )
    if pending_only:
        qs = qs.filter(pending__gt=0)
    return qs.order_by("path")


def cell_people(*, cell: Organisation) -> QuerySet[Person]:
    """The people a new sheet would list, each with ``code_expires_at``: the expiry of their live
    (unused, not revoked) code, or None when they never got one."""
    live = ActivationToken.objects.filter(
        person=OuterRef("pk"), used_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at")
    return people_to_activate(cell).annotate(code_expires_at=Subquery(live.values("expires_at")[:1]))


def cell_activated_count(*, cell: Organisation) -> int:
    return Person.objects.filter(organisation=cell, status=Person.Status.ACTIVE, user__isnull=False).count()


def recent_sheets(*, user: Any, cell: Organisation, limit: int = 5) -> list[AuditEntry]:
    """The latest sheets printed for the cell (from the audit trail, as far as the user may read it)."""
    entries = access.visible(AuditEntry.objects.select_related("actor"), user, access.Action.AUDIT)
    return list(entries.filter(organisation=cell, action=SHEET_ACTION).order_by("-at", "-id")[:limit])


# Writes --------------------------------------------------------------------------------------------


@transaction.atomic
def codes_issue(*, actor: Any, cell: Organisation) -> list[IssuedCode]:
    """Issue a fresh code to every active person of ``cell`` without an account; revoke their older
    unused codes (an earlier printed sheet stops working). Returns the plain codes, which are not
    stored anywhere: the caller prints them now or never.

    Raises DomainError when ``cell`` is not an active party cell or nobody in it needs a code.
    """
    if not cell.is_cell or not cell.is_active:
        raise DomainError(_("Activation sheets are printed for an active party cell."))
    # Locking the people serialises two officers printing the same cell at once: one waits, then
    # revokes the codes the other issued, so each person holds at most one live code.
    people = list(people_to_activate(cell).select_for_update())
    if not people:
        raise DomainError(_("Everyone in this cell already has an account: there is nothing to print."))
    now = timezone.now()
    expires_at = now + dt.timedelta(days=settings.ACTIVATION_TTL_DAYS)
    revoked = ActivationToken.objects.filter(person__in=people, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    issued: list[IssuedCode] = []
    rows: list[ActivationToken] = []
    creator = actor if getattr(actor, "pk", None) else None
    for person in people:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        rows.append(
            ActivationToken(person=person, token_hash=hash_token(token), created_by=creator, expires_at=expires_at)
        )
        issued.append(
            IssuedCode(
                person=person,
                token=token,
                url=activation_url(token),
                login_name=login_name(person),
                expires_at=expires_at,
            )
        )
    ActivationToken.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action=SHEET_ACTION,
        target=cell,
        organisation=cell,
        changes={"issued": len(rows), "revoked": revoked, "expires_at": expires_at.isoformat()},
    )
    return issued


def sheet_pdf(*, actor: Any, cell: Organisation) -> bytes:
    """Issue the cell's codes and render its printable A4 sheet, in the portal's language (Vietnamese).

    One transaction: if the PDF cannot be made, no code is issued and the old sheet keeps working.
    """
    with transaction.atomic():
        issued = codes_issue(actor=actor, cell=cell)
        now = timezone.localtime()
        with translation.override(settings.LANGUAGE_CODE):  # the sheet is handed to members
            context = {
                "cell": cell,
                "parent": cell.parent,
                "codes": issued,
                "printed_at": now,
                "expires_at": timezone.localtime(issued[0].expires_at),
                "printed_by": _user_label(actor),
                "page_label": pdf.css_string(_("Page") + " "),
                "footer_label": pdf.css_string(cell.name),
            }
            return pdf.render_pdf("organisations/activation_sheet_pdf.html", context)


def _user_label(user: Any) -> str:
    if not getattr(user, "pk", None):
        return ""
    return str(user.get_full_name() or user.get_username())


def token_state(
    token: ActivationToken | None, person: Person | None = None, *, now: dt.datetime | None = None
) -> TokenState:
    """Whether ``token`` may be redeemed now, and if not, the reason shown to its holder."""
    if token is None:
        return TokenState.INVALID
    person = person or token.person
    if token.used_at is not None or person.user_id is not None or person.status != Person.Status.ACTIVE:
        return TokenState.INVALID
    if token.revoked_at is not None:
        return TokenState.REVOKED
    if token.expires_at <= (now or timezone.now()):
        return TokenState.EXPIRED
    return TokenState.VALID


def token_lookup(token: str) -> tuple[TokenState, ActivationToken | None]:
    """Find a plain code (by its hash); the row is returned only when the code is VALID."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return TokenState.INVALID, None
    row = (
        ActivationToken.objects.select_related("person", "person__organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    state = token_state(row)
    return state, row if state == TokenState.VALID else None


@transaction.atomic
def token_redeem(*, token: str, password: str) -> User:
    """Create the account of the code's person with ``password`` and use the code up.

    The code and its person are locked, so a code works once even when submitted twice at the same
    moment. Raises ActivationError (with the reason) for a code that is not VALID, DomainError when
    the password breaks a validator or the login name is already taken.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise ActivationError(TokenState.INVALID)
    row = ActivationToken.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=row.person_id)
        if row
        else None
    )
    state = token_state(row, person)
    if state != TokenState.VALID:
        raise ActivationError(state)
    assert row is not None and person is not None
    user_model = get_user_model()
    username = login_name(person)
    if user_model._default_manager.filter(username=username).exists():
        raise DomainError(
            _("An account with the login name %(username)s already exists. Ask your cell secretary for help.")
            % {"username": username}
        )
    user: User = user_model(username=username, first_name=person.full_name[:150], email=person.email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="new_password1") from None
    user.set_password(password)
    user.save()
    now = timezone.now()
    Person.objects.filter(pk=person.pk).update(user=user, updated_at=now)
    person.user = user
    row.used_at = now
    row.save(update_fields=["used_at"])
    # Another live code of the same person (two sheets printed at once) must not open a second account.
    ActivationToken.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    audit.record(
        actor=user,
        action=REDEEM_ACTION,
        target=person,
        organisation=person.organisation,
        changes={"username": username},
    )
    password_validation.password_changed(password, user)
    return user

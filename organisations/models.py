"""The organisation tree, people, their memberships, role grants and the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.lib.text import fold, name_sort_key, normalise_name

# Each level of the materialised path is STEP digits. Digits only: fixed-width digit strings sort
# the same under every collation, and prefix (LIKE 'x%') lookups use the varchar_pattern_ops
# index Django adds on PostgreSQL.
STEP = 4


class Organisation(models.Model):
    """A node of the Party organisation tree (tổ chức đảng) or a socio-political organisation."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Provincial committee")
        COMMITTEE = "committee", _("Directly-subordinate committee")
        GRASSROOTS = "grassroots", _("Grassroots party committee")
        GRASSROOTS_CELL = "grassroots_cell", _("Grassroots party cell")
        CELL = "cell", _("Party cell")
        MASS_ORG = "mass_org", _("Socio-political organisation")

    # Kinds whose own people are entered by a cell secretary (leaves of the tree in practice).
    CELL_KINDS = (Kind.CELL, Kind.GRASSROOTS_CELL)
    GRASSROOTS_KINDS = (Kind.GRASSROOTS, Kind.GRASSROOTS_CELL)

    ACCESS_PATH = "path"

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    symbol = models.CharField(
        _("document symbol"), max_length=30, blank=True, help_text=_("Used in document numbers, e.g. BTGTU.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    is_active = models.BooleanField(_("active"), default=True)
    search_name = models.CharField(max_length=255, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(depth__gte=0), name="org_depth_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_cell(self) -> bool:
        return self.kind in self.CELL_KINDS

    def subtree(self) -> models.QuerySet[Organisation]:
        """This organisation and everything under it: one indexed prefix query at any depth."""
        return Organisation.objects.filter(path__startswith=self.path)

    def ancestors(self) -> models.QuerySet[Organisation]:
        prefixes = [self.path[:i] for i in range(STEP, len(self.path), STEP)]
        return Organisation.objects.filter(path__in=prefixes).order_by("path")

    def is_within(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)


class Person(models.Model):
    """A participant who studies (cán bộ, đảng viên): a Party member or a non-party cadre."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official Party member")
        PROBATIONARY = "probationary", _("Probationary Party member")
        NON_PARTY = "non_party", _("Non-party cadre")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        DECEASED = "deceased", _("Deceased")
        EXCUSED = "excused", _("Excused from Party activities")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    ACCESS_PATH = "organisation__path"
    ACCESS_SELF = "pk"

    full_name = models.CharField(_("full name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    card_number = models.CharField(_("party card number"), max_length=20, null=True, blank=True, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICIAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="people"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    search_name = models.CharField(max_length=150, editable=False, db_index=True, default="")
    sort_key = models.CharField(max_length=255, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["sort_key", "id"]
        indexes = [models.Index(fields=["organisation", "status"], name="person_org_status")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:  # derived columns only; no business logic here
        self.refresh_derived()
        super().save(*args, **kwargs)

    def refresh_derived(self) -> None:
        """Recompute the stored search and sort keys from the name (call before any save)."""
        self.full_name = normalise_name(self.full_name)
        self.search_name = fold(self.full_name)
        self.sort_key = name_sort_key(self.full_name)
        if self.card_number == "":
            self.card_number = None


class Membership(models.Model):
    """A period during which a person belonged to an organisation; transfers close one, open the next."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    ACCESS_PATH = "organisation__path"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("membership history")
        ordering = ["person", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(end_date__isnull=True), name="one_open_membership_per_person"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "start_date", "end_date"], name="membership_org_dates")]

    def __str__(self) -> str:
        return f"{self.person} – {self.organisation}"


class RoleGrant(models.Model):
    """A role granted to a user on an organisation; it covers that organisation's whole subtree."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Provincial propaganda staff")
        OFFICER = "officer", _("Committee officer")
        SECRETARY = "secretary", _("Cell secretary")

    ACCESS_PATH = "organisation__path"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    can_grade = models.BooleanField(_("may grade essays"), default=False)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"


class AuditEntry(models.Model):
    """Who changed what, when, from what to what (nhật ký thay đổi)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(_("object type"), max_length=100)
    target_id = models.CharField(_("object id"), max_length=64)
    target_repr = models.CharField(_("object"), max_length=255)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organisation"),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    ACCESS_PATH = "organisation__path"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"


class RosterImport(models.Model):
    """An uploaded roster file, parsed and validated, waiting for confirmation (nhập danh sách).

    Nothing touches Person until the user confirms; then the whole plan is applied in one
    transaction or not at all.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    ACCESS_PATH = "organisation__path"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The rows may only place people in this organisation or below it."),
    )
    filename = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(default=list, help_text="Validated rows: the plan to apply.")
    errors = models.JSONField(default=list, help_text="Row errors: row number, column, message.")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ActivationToken(models.Model):
    """A one-time account activation code for a person (mã kích hoạt tài khoản).

    Only a SHA-256 of the token is stored: a database leak reveals no working link.
    """

    ACCESS_PATH = "person__organisation__path"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="activation_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [models.Index(fields=["person", "used_at"], name="activation_person_used")]

    def __str__(self) -> str:
        return f"{self.person} ({self.created_at:%d/%m/%Y})"

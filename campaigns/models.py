"""Resolutions, study campaigns, study sessions, connection points and attendance."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation, Person


class Document(models.Model):
    """A Party document to study: nghị quyết, chỉ thị, kết luận, quy định."""

    class Kind(models.TextChoices):
        RESOLUTION = "resolution", _("Resolution")
        DIRECTIVE = "directive", _("Directive")
        CONCLUSION = "conclusion", _("Conclusion")
        REGULATION = "regulation", _("Regulation")
        OTHER = "other", _("Other document")

    ACCESS_PATH = None  # documents are national texts: every logged-in user may read them

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number_symbol = models.CharField(_("number and symbol"), max_length=50, help_text=_("e.g. 21-KL/TW"))
    issuing_body = models.CharField(_("issuing body"), max_length=200, help_text=_("e.g. Ban Chấp hành Trung ương"))
    conference = models.CharField(
        _("conference"), max_length=200, blank=True, help_text=_("e.g. Hội nghị Trung ương 4 khóa XIII")
    )
    issued_on = models.DateField(_("date issued"))
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_on", "number_symbol"]
        constraints = [models.UniqueConstraint(fields=["number_symbol", "issued_on"], name="unique_document")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number_symbol}"


class Campaign(models.Model):
    """A study campaign (đợt học tập, quán triệt) for one or more documents.

    A campaign created at the province can be cascaded: each directly-subordinate committee gets
    its own plan (a child campaign with ``parent`` set) and adapts dates and sessions.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    ACCESS_PATH = "organisation__path"

    title = models.CharField(_("title"), max_length=300)
    documents = models.ManyToManyField(Document, verbose_name=_("documents"), related_name="campaigns")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organising committee"), on_delete=models.PROTECT, related_name="campaigns"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("provincial campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="plans",
    )
    audience = models.ManyToManyField(
        Organisation,
        verbose_name=_("audience"),
        related_name="+",
        help_text=_("Everyone under these organisations is expected to study."),
    )
    include_official = models.BooleanField(_("official Party members"), default=True)
    include_probationary = models.BooleanField(_("probationary Party members"), default=True)
    include_non_party = models.BooleanField(_("non-party cadres"), default=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    essay_required = models.BooleanField(_("essay required"), default=True)
    essay_deadline = models.DateTimeField(_("essay deadline"), null=True, blank=True)
    essay_cutoff = models.DateTimeField(
        _("late submissions accepted until"),
        null=True,
        blank=True,
    )
    essay_min_words = models.PositiveIntegerField(_("minimum essay length (words)"), default=0)
    essay_outline = models.TextField(
        _("official outline"),
        blank=True,
        help_text=_("The official outline (đề cương) text; essays copying it closely are shown to graders."),
    )
    target_rate = models.DecimalField(
        _("target participation rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("study campaign")
        verbose_name_plural = _("study campaigns")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_ordered"),
            models.UniqueConstraint(fields=["parent", "organisation"], name="one_plan_per_committee"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def person_kinds(self) -> list[str]:
        kinds: list[str] = []
        if self.include_official:
            kinds.append(Person.Kind.OFFICIAL)
        if self.include_probationary:
            kinds.append(Person.Kind.PROBATIONARY)
        if self.include_non_party:
            kinds.append(Person.Kind.NON_PARTY)
        return kinds


class StudySession(models.Model):
    """A study session (hội nghị học tập, quán triệt): main, make-up (học bù) or re-study (học lại)."""

    class Kind(models.TextChoices):
        MAIN = "main", _("Main session")
        MAKEUP = "makeup", _("Make-up session")
        RESTUDY = "restudy", _("Re-study session")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    ACCESS_PATH = "organisation__path"

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="sessions"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organising organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MAIN)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("main venue"), max_length=300, blank=True)
    discussion_summary = models.TextField(_("summary of the discussion and local application"), blank=True)
    checkin_secret = models.CharField(max_length=64, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_times_ordered"),
        ]

    def __str__(self) -> str:
        return self.title


class Speaker(models.Model):
    """A speaker (báo cáo viên) of a session."""

    ACCESS_PATH = "session__organisation__path"

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self) -> str:
        return self.name


class ConnectionPoint(models.Model):
    """A connection point (điểm cầu) of an online or hybrid session, hosted by an organisation.

    Its expected roster is everyone of the campaign's audience under the host organisation.
    """

    ACCESS_PATH = "host__path"

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="points")
    host = models.ForeignKey(
        Organisation, verbose_name=_("host organisation"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.CharField(_("venue"), max_length=300)
    person_in_charge = models.CharField(_("person in charge"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("connection point")
        verbose_name_plural = _("connection points")
        constraints = [models.UniqueConstraint(fields=["session", "host"], name="one_point_per_host")]

    def __str__(self) -> str:
        return f"{self.host} – {self.venue}"


class AttendanceSheet(models.Model):
    """The attendance sheet of one cell for one session (điểm danh). ``version`` guards concurrent edits."""

    ACCESS_PATH = "cell__path"

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="sheets")
    cell = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attendance sheet")
        verbose_name_plural = _("attendance sheets")
        constraints = [models.UniqueConstraint(fields=["session", "cell"], name="one_sheet_per_cell")]

    def __str__(self) -> str:
        return f"{self.session} – {self.cell}"


class Attendance(models.Model):
    """Whether one person attended one session, and how it was recorded."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        ELSEWHERE = "elsewhere", _("Attended at another point")

    class Reason(models.TextChoices):
        SICK = "sick", _("Sick")
        WORK = "work", _("On duty")
        PRIVATE = "private", _("Private matters")
        NO_REASON = "no_reason", _("No reason")

    class Source(models.TextChoices):
        SHEET = "sheet", _("Attendance sheet")
        QR = "qr", _("QR check-in")
        IMPORT = "import", _("Imported list")

    ACCESS_PATH = "person__organisation__path"
    ACCESS_SELF = "person_id"

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attendances")
    point = models.ForeignKey(ConnectionPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.SHEET)
    minutes = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_attendance_per_person_session"),
            models.CheckConstraint(
                condition=Q(status="absent") | Q(reason=""),
                name="reason_only_when_absent",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="attendance_person_status")]

    def __str__(self) -> str:
        return f"{self.person} – {self.session}: {self.get_status_display()}"

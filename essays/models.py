"""Reflection essays (bài thu hoạch): attempts, exemptions, grading scales, grades, releases, similarity.

Essays belong to the *provincial* campaign of a family (``Campaign.parent is None``): a committee's plan
adapts sessions and dates, but one essay per person per attempt is asked for the whole family, with the
provincial campaign's deadline, cut-off, minimum length and grading scale. ``essays.rules`` holds the
definitions (who must write, the status of a person, when a new attempt opens); everything else asks it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from organisations.models import Organisation, Person

# The scale a campaign gets unless its organisers change it: (label, passing).
DEFAULT_SCALE = (
    (_("Excellent"), True),  # Xuất sắc
    (_("Good"), True),  # Tốt
    (_("Fair"), True),  # Khá
    (_("Pass"), True),  # Đạt
    (_("Fail"), False),  # Không đạt
)


def essay_upload_to(essay: Essay, filename: str) -> str:
    """Files are stored under an unguessable name; the original name is kept in ``file_name`` only."""
    suffix = ".pdf" if essay.file_type == Essay.FileType.PDF else ".docx"
    return f"essays/{essay.campaign_id}/{uuid.uuid4().hex}{suffix}"


class GradeLevel(models.Model):
    """One grade of a campaign's scale, best first (Xuất sắc, Tốt, Khá, Đạt, Không đạt)."""

    ACCESS_PATH = "campaign__organisation__path"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="grade_levels")
    label = models.CharField(_("grade"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    passing = models.BooleanField(_("passes"), default=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grading scale")
        ordering = ["campaign", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "label"], name="unique_grade_label")]

    def __str__(self) -> str:
        return self.label


class Criterion(models.Model):
    """An optional grading criterion of a campaign (e.g. "Liên hệ thực tiễn địa phương")."""

    ACCESS_PATH = "campaign__organisation__path"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="essay_criteria")
    title = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("grading criterion")
        verbose_name_plural = _("grading criteria")
        ordering = ["campaign", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Exemption(models.Model):
    """A confirmed exemption from the essay (miễn viết thu hoạch). Exempt people leave the denominators."""

    ACCESS_PATH = "person__organisation__path"
    ACCESS_SELF = "person_id"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="essay_exemptions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="essay_exemptions")
    reason = models.TextField(_("reason"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("essay exemption")
        verbose_name_plural = _("essay exemptions")
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="one_exemption_per_person")]

    def __str__(self) -> str:
        return f"{self.person} – {self.campaign}"


class Essay(models.Model):
    """One attempt of one person's essay for one (provincial) campaign.

    Written in the browser (``body``) or uploaded as PDF/DOCX (``file``; its text is extracted in the
    background into ``extracted_text``). ``version`` guards autosave against a stale tab overwriting a
    newer draft. A grade is visible to the member only once ``released_at`` is set.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        GRADED = "graded", _("Graded")

    class FileType(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"

    class Extraction(models.TextChoices):
        NONE = "none", _("No file")
        PENDING = "pending", _("Reading the file")
        DONE = "done", _("Text extracted")
        FAILED = "failed", _("Could not read the file")

    ACCESS_PATH = "person__organisation__path"
    ACCESS_SELF = "person_id"
    # A grader never gets the essays of their own organisation (their own cell): see access.visible.
    ACCESS_OWN_ORGANISATION = "person__organisation_id"

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="essays")
    person = models.ForeignKey(Person, verbose_name=_("author"), on_delete=models.CASCADE, related_name="essays")
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    body = models.TextField(_("text"), blank=True)
    word_count = models.PositiveIntegerField(_("words"), default=0)
    file = models.FileField(_("file"), upload_to=essay_upload_to, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_type = models.CharField(max_length=4, choices=FileType.choices, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    extracted_text = models.TextField(blank=True)
    extraction = models.CharField(max_length=10, choices=Extraction.choices, default=Extraction.NONE)
    extraction_error = models.TextField(blank=True)
    extraction_attempts = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    grade = models.ForeignKey(
        GradeLevel, verbose_name=_("grade"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grade_comment = models.TextField(_("comments"), blank=True)
    criteria_notes = models.JSONField(default=dict, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    similarity = models.FloatField(_("highest similarity"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("essay")
        verbose_name_plural = _("essays")
        ordering = ["campaign", "person", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person", "attempt"], name="one_essay_per_attempt"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="essay_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="graded") | Q(grade__isnull=False), name="essay_graded_has_grade"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="essay_campaign_status"),
            models.Index(fields=["person", "campaign"], name="essay_person_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.campaign} ({self.attempt})"

    @property
    def text(self) -> str:
        """The text graders read and similarity compares: what was written, or what the file held."""
        return self.body if not self.file else self.extracted_text


class GradeChange(models.Model):
    """Every grade given or changed, kept for history (a change after release shows to the member)."""

    ACCESS_PATH = "essay__person__organisation__path"
    ACCESS_SELF = "essay__person_id"

    essay = models.ForeignKey(Essay, on_delete=models.CASCADE, related_name="grade_changes")
    from_grade = models.ForeignKey(GradeLevel, null=True, on_delete=models.PROTECT, related_name="+")
    to_grade = models.ForeignKey(GradeLevel, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    after_release = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["essay", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.essay_id}: {self.from_grade_id} -> {self.to_grade_id}"


class GradeRelease(models.Model):
    """A committee released the grades of its organisation's essays (công bố kết quả), all at once."""

    ACCESS_PATH = "organisation__path"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="grade_releases")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    essays = models.PositiveIntegerField(default=0)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grade release")
        verbose_name_plural = _("grade releases")
        ordering = ["-released_at"]

    def __str__(self) -> str:
        return f"{self.campaign_id} – {self.organisation_id} ({self.essays})"


class SimilarityRun(models.Model):
    """One comparison of a campaign's submitted essays with each other (and the official outline)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACCESS_PATH = "campaign__organisation__path"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="similarity_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    threshold = models.FloatField(default=0.5)
    essays = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("similarity check")
        verbose_name_plural = _("similarity checks")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.campaign_id} – {self.get_status_display()}"


class SimilarPair(models.Model):
    """Two essays of a run (or an essay and the outline, ``b`` empty) that share much of their text.

    ``cluster`` numbers the groups of near-copies (connected pairs) within a run; ``passages`` holds
    the shared passages as character ranges of each text: [[a_start, a_end, b_start, b_end], ...].
    """

    ACCESS_PATH = "a__person__organisation__path"

    run = models.ForeignKey(SimilarityRun, on_delete=models.CASCADE, related_name="pair_rows")
    a = models.ForeignKey(Essay, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Essay, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    cluster = models.PositiveIntegerField(default=0)
    passages = models.JSONField(default=list)

    class Meta:
        verbose_name = _("similar pair")
        verbose_name_plural = _("similar pairs")
        ordering = ["run", "cluster", "-score"]
        indexes = [models.Index(fields=["run", "cluster"], name="similar_pair_cluster")]

    def __str__(self) -> str:
        return f"{self.a_id} ~ {self.b_id}: {self.score:.2f}"

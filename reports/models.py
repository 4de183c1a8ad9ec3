"""Participation and quality reports built by a Celery worker, their schedules and verification codes.

A ``Report`` row is the request and, once built, the result. The worker moves it queued -> running ->
done | failed, writing ``progress`` as it goes (the page polls it). ``key`` names what is asked (campaign,
organisation, as-of date, formats): a partial unique constraint allows one *active* (queued or running)
report per key, so asking twice while one is being built returns the one in progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from organisations.models import Organisation


class ReportSchedule(models.Model):
    """A report produced periodically for an organisation by the beat job."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    ACCESS_PATH = "organisation__path"

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="report_schedules"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="report_schedules"
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    want_pdf = models.BooleanField(_("PDF"), default=True)
    want_xlsx = models.BooleanField(_("Excel"), default=True)
    next_run_on = models.DateField(_("next report on"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["next_run_on"]

    def __str__(self) -> str:
        return f"{self.campaign} – {self.organisation} ({self.get_frequency_display()})"


class Report(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    ACCESS_PATH = "organisation__path"
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="reports")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="reports"
    )
    as_of = models.DateField(_("as of"))
    want_pdf = models.BooleanField(_("PDF"), default=True)
    want_xlsx = models.BooleanField(_("Excel"), default=True)
    key = models.CharField(max_length=120, editable=False)
    schedule = models.ForeignKey(
        ReportSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    verification_code = models.CharField(max_length=32, unique=True, editable=False)
    pdf = models.FileField(upload_to="reports/", blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    xlsx = models.FileField(upload_to="reports/", blank=True, max_length=200)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(status__in=["queued", "running"]), name="one_active_report_per_key"
            ),
            models.CheckConstraint(condition=Q(want_pdf=True) | Q(want_xlsx=True), name="report_has_a_format"),
        ]
        indexes = [models.Index(fields=["organisation", "-requested_at"], name="report_org_requested")]

    def __str__(self) -> str:
        return f"{self.campaign} – {self.organisation} ({self.as_of:%d/%m/%Y})"

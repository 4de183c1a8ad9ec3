"""Permission-matrix cases for the reports app.

Targets: a finished report (with a small PDF) and a stopped schedule on cell_a ("own": secretary_a's cell, inside
officer_a's committee), cell_a2 ("sibling") and cell_b ("outside"), for a provincial campaign.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from portal.testing.matrix import MANAGERS, OFFICER_ACTION, PUBLIC, REDIRECT, Case, table

ONLY = ("-",)
# A POST whose success is a redirect and changes nothing (retrying a finished report, stopping a stopped schedule).
OFFICER_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
)


def targets(cast: Any) -> dict[str, dict[str, Any]]:
    cached = getattr(cast, "_report_targets", None)
    if cached is not None:
        return cached
    from campaigns.tests.factories import make_campaign
    from reports.models import Report, ReportSchedule

    campaign = make_campaign(cast.province)
    built: dict[str, dict[str, Any]] = {}
    for key, org in {"own": cast.cell_a, "sibling": cast.cell_a2, "outside": cast.cell_b}.items():
        report = Report(
            campaign=campaign,
            organisation=org,
            as_of=timezone.localdate(),
            key=f"matrix:{key}",
            status=Report.Status.DONE,
            progress=100,
            number=f"1-BC/{key}",
            verification_code=f"matrix{key}",
        )
        report.pdf.save(f"matrix-{key}.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
        report.save()
        schedule = ReportSchedule.objects.create(
            campaign=campaign, organisation=org, frequency="monthly", next_run_on=timezone.localdate(), active=False
        )
        built[key] = {"report": report, "schedule": schedule}
    cast._report_targets = built
    return built


def _report(name: str, *args: str) -> Any:
    return lambda c, t: reverse(name, args=[targets(c)[t]["report"].pk, *args])


def cases() -> list[Case]:
    return [
        Case("reports:list", lambda c, t: reverse("reports:list"), MANAGERS, targets=ONLY),
        Case("reports:dashboard", lambda c, t: reverse("reports:dashboard"), MANAGERS, targets=ONLY),
        Case("reports:detail", _report("reports:detail"), OFFICER_ACTION),
        Case("reports:status", _report("reports:status"), OFFICER_ACTION),
        Case("reports:download", _report("reports:download", "pdf"), OFFICER_ACTION),
        Case(
            "reports:retry",
            _report("reports:retry"),
            OFFICER_POST,
            method="post",
            note="retrying a finished report changes nothing",
        ),
        Case(
            "reports:verify",
            lambda c, t: reverse("reports:verify", args=[targets(c)["own"]["report"].verification_code]),
            PUBLIC,
            targets=ONLY,
            note="public: shows only who issued the report, when, and its checksum",
        ),
        Case("reports:schedules", lambda c, t: reverse("reports:schedules"), MANAGERS, targets=ONLY),
        Case(
            "reports:schedule_stop",
            lambda c, t: reverse("reports:schedule_stop", args=[targets(c)[t]["schedule"].pk]),
            OFFICER_POST,
            method="post",
            note="stopping a stopped schedule changes nothing",
        ),
    ]

"""Builders for campaigns tests: documents, campaigns, sessions and attendance, written through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from campaigns import services
from campaigns.models import Attendance, Campaign, Document, StudySession
from organisations.models import Organisation, Person

KL21 = {
    "kind": Document.Kind.CONCLUSION,
    "number_symbol": "21-KL/TW",
    "issuing_body": "Ban Chấp hành Trung ương",
    "conference": "Hội nghị Trung ương 4 khóa XIII",
    "issued_on": dt.date(2021, 10, 25),
    "title": "Kết luận về đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ thống chính trị",
    "summary": "Kiên quyết ngăn chặn, đẩy lùi suy thoái về tư tưởng chính trị, đạo đức, lối sống.",
}


def make_document(**fields: Any) -> Document:
    return services.document_save(actor=None, **{**KL21, **fields})


def make_campaign(
    organisation: Organisation,
    *,
    audience: Sequence[Organisation] | None = None,
    documents: Sequence[Document] | None = None,
    status: str = Campaign.Status.OPEN,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    **fields: Any,
) -> Campaign:
    """A campaign organised by ``organisation`` for its whole subtree (unless ``audience``), open by default."""
    today = timezone.localdate()
    document = documents or [Document.objects.first() or make_document()]
    campaign = services.campaign_create(
        actor=None,
        documents=document,
        audience=audience or [organisation],
        title=fields.pop("title", "Học tập, quán triệt Kết luận 21-KL/TW"),
        organisation=organisation,
        starts_on=starts_on or today - dt.timedelta(days=30),
        ends_on=ends_on or today + dt.timedelta(days=30),
        **fields,
    )
    if status != Campaign.Status.DRAFT:
        services.campaign_open(actor=None, campaign=campaign)
    if status == Campaign.Status.CLOSED:
        services.campaign_close(actor=None, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def make_session(
    campaign: Campaign,
    organisation: Organisation | None = None,
    *,
    kind: str = StudySession.Kind.MAIN,
    days_ago: float = 5,
    hours: float = 4,
    points: Iterable[Organisation] = (),
    **fields: Any,
) -> StudySession:
    """A session that started ``days_ago`` days ago (negative: in the future), with points at ``points``."""
    start = timezone.now() - dt.timedelta(days=days_ago)
    point_rows = [services.ChildRow({"host": host, "venue": f"Hội trường {host.name}"}) for host in points]
    return services.session_save(
        actor=None,
        campaign=campaign,
        organisation=organisation or campaign.organisation,
        title=fields.pop("title", f"Hội nghị {kind}"),
        kind=kind,
        format=fields.pop("format", StudySession.Format.HYBRID if point_rows else StudySession.Format.IN_PERSON),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        points=point_rows,
        **fields,
    )


def attend(
    session: StudySession, people: Iterable[Person], status: str = Attendance.Status.PRESENT, **fields: Any
) -> list[Attendance]:
    """Record attendance rows directly (the attendance services are tested in test_attendance*)."""
    if status == Attendance.Status.ABSENT:
        fields.setdefault("reason", Attendance.Reason.SICK)
    return [Attendance.objects.create(session=session, person=p, status=status, **fields) for p in people]

"""Demo data of the campaigns app, called by ``manage.py seed_demo`` (see organisations.demo.run_hooks).

``seed(province, rng, stdout)`` creates, relative to today so that the pages always have something true
to show:

- the documents: Kết luận 21-KL/TW, Nghị quyết 57-NQ/TW, Quy định 144-QĐ/TW, Chỉ thị 05-CT/TW,
  Nghị quyết 27-NQ/TW;
- an OPEN provincial campaign for Kết luận 21-KL/TW, cascaded to the 13 committees:
  a provincial online/hybrid conference (connection points at every grassroots organisation of Thành ủy
  Tuy Hòa and Thị ủy Đông Hòa, the socio-political organisations in the hall), a main session per other
  committee (district committees hybrid with a point per commune, the bloc, army, police and border
  committees in person), make-up sessions for four committees (one still to come), speakers;
- attendance for ~95 % of the province (bulk-created, with the cells' sheets), a few cells below the
  target and a few cells with nothing entered (they are flagged on the dashboard; the demo secretary's
  cell is one of them, so that account has a sheet to fill in);
- a DRAFT provincial campaign for Nghị quyết 57-NQ/TW, cascaded, without sessions yet.

Campaigns and sessions go through campaigns.services (a few rows, audited); connection points,
attendance and sheets are bulk-created for speed (~46,500 attendance rows in a second or two).
"""

# ruff: noqa: S311 - demo data: random.Random(seed) is wanted for reproducibility, not secrecy
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from organisations.demo import PeopleMaker
from organisations.models import STEP, Organisation, Person, RoleGrant

from . import services
from .models import Attendance, AttendanceSheet, Campaign, ConnectionPoint, Document, StudySession

K = Organisation.Kind
BATCH = 5000

DOCUMENTS: list[dict[str, Any]] = [
    {
        "kind": Document.Kind.CONCLUSION,
        "number_symbol": "21-KL/TW",
        "issued_on": dt.date(2021, 10, 25),
        "issuing_body": "Ban Chấp hành Trung ương Đảng",
        "conference": "Hội nghị Trung ương 4 khóa XIII",
        "title": "Kết luận Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khóa XIII về đẩy mạnh xây dựng, "
        "chỉnh đốn Đảng và hệ thống chính trị; kiên quyết ngăn chặn, đẩy lùi, xử lý nghiêm cán bộ, "
        'đảng viên suy thoái về tư tưởng chính trị, đạo đức, lối sống, biểu hiện "tự diễn biến", '
        '"tự chuyển hóa"',
        "summary": "Tiếp tục thực hiện Nghị quyết Trung ương 4 khóa XI, XII gắn với Chỉ thị 05-CT/TW về đẩy mạnh "
        "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh; nêu cao trách nhiệm nêu gương "
        "của cán bộ, đảng viên, trước hết là người đứng đầu.",
    },
    {
        "kind": Document.Kind.RESOLUTION,
        "number_symbol": "57-NQ/TW",
        "issued_on": dt.date(2024, 12, 22),
        "issuing_body": "Bộ Chính trị",
        "conference": "",
        "title": "Nghị quyết về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
        "summary": "Phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số là đột phá quan trọng hàng "
        "đầu, là động lực chính để phát triển nhanh lực lượng sản xuất hiện đại.",
    },
    {
        "kind": Document.Kind.REGULATION,
        "number_symbol": "144-QĐ/TW",
        "issued_on": dt.date(2024, 5, 9),
        "issuing_body": "Bộ Chính trị",
        "conference": "",
        "title": "Quy định về chuẩn mực đạo đức cách mạng của cán bộ, đảng viên trong giai đoạn mới",
        "summary": "Trung thành, kiên định; nêu gương, đoàn kết; cần, kiệm, liêm, chính, chí công vô tư.",
    },
    {
        "kind": Document.Kind.DIRECTIVE,
        "number_symbol": "05-CT/TW",
        "issued_on": dt.date(2016, 5, 15),
        "issuing_body": "Bộ Chính trị",
        "conference": "",
        "title": "Chỉ thị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        "summary": "",
    },
    {
        "kind": Document.Kind.RESOLUTION,
        "number_symbol": "27-NQ/TW",
        "issued_on": dt.date(2022, 11, 9),
        "issuing_body": "Ban Chấp hành Trung ương Đảng",
        "conference": "Hội nghị Trung ương 6 khóa XIII",
        "title": "Nghị quyết về tiếp tục xây dựng và hoàn thiện Nhà nước pháp quyền xã hội chủ nghĩa Việt Nam "
        "trong giai đoạn mới",
        "summary": "",
    },
]

# Committees whose people follow the provincial conference at commune-level connection points.
ONLINE_AT_PROVINCE = ("Thành ủy Tuy Hòa", "Thị ủy Đông Hòa")
# Committees with a make-up session (the last one still to come).
MAKEUP = ("Huyện ủy Tuy An", "Huyện ủy Sơn Hòa", "Thị ủy Sông Cầu", "Huyện ủy Sông Hinh")
ATTENDANCE_FIELDS = ["session_id", "person_id", "point_id", "status", "reason", "source", "recorded_at"]
REASONS = [
    (Attendance.Reason.SICK, 35),
    (Attendance.Reason.WORK, 40),
    (Attendance.Reason.PRIVATE, 20),
    (Attendance.Reason.NO_REASON, 5),
]


def _insert(model: type[Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows: COPY on PostgreSQL (~10x faster than INSERT for 45,000 attendance rows),
    bulk_create elsewhere. ``fields`` are attribute names (``session_id``...), one value per field per row."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = ", ".join(model._meta.get_field(f.removesuffix("_id")).column for f in fields)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    model._default_manager.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=BATCH)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _hall(org: Organisation) -> str:
    name = org.name
    if name.startswith("Đảng bộ "):
        return "Hội trường Đảng ủy " + name.removeprefix("Đảng bộ ")
    if name.startswith("Chi bộ "):
        return "Phòng họp " + name
    return "Hội trường " + name


def _documents() -> dict[str, Document]:
    out = {}
    for fields in DOCUMENTS:
        existing = Document.objects.filter(number_symbol=fields["number_symbol"], issued_on=fields["issued_on"]).first()
        out[fields["number_symbol"]] = existing or services.document_save(actor=None, **fields)
    return out


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.maker = PeopleMaker(rng.randrange(10**9))
        self.rng = rng

    def __call__(self) -> str:
        return self.maker.name(female=self.rng.random() < 0.35)[0]


def _session(
    campaign: Campaign,
    org: Organisation,
    *,
    title: str,
    kind: str,
    fmt: str,
    day: dt.date,
    venue: str,
    speakers: list[dict[str, str]],
    discussion: str = "",
) -> StudySession:
    start = _at(day, 7, 30)
    return services.session_save(
        actor=None,
        campaign=campaign,
        organisation=org,
        title=title,
        kind=kind,
        format=fmt,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        venue=venue,
        discussion_summary=discussion,
        speakers=[services.ChildRow(s) for s in speakers],
    )


def seed(province: Organisation, rng: random.Random, stdout: Any) -> None:
    today = timezone.localdate()
    names = _Names(rng)
    docs = _documents()
    committees = list(Organisation.objects.filter(parent=province, kind=K.COMMITTEE).order_by("path"))
    mass_orgs = list(Organisation.objects.filter(parent=province, kind=K.MASS_ORG).order_by("path"))
    grassroots = list(Organisation.objects.filter(parent__in=committees, is_active=True).order_by("path"))
    by_committee: dict[int, list[Organisation]] = {}
    for org in grassroots:
        by_committee.setdefault(org.parent_id, []).append(org)

    # ---- Kết luận 21-KL/TW: open, cascaded, sessions and attendance -----------------------------
    kl21 = services.campaign_create(
        actor=None,
        documents=[docs["21-KL/TW"], docs["05-CT/TW"]],
        audience=[province],
        organisation=province,
        title="Học tập, quán triệt Kết luận số 21-KL/TW của Hội nghị Trung ương 4 khóa XIII về đẩy mạnh xây dựng, "
        "chỉnh đốn Đảng và hệ thống chính trị",
        starts_on=today - dt.timedelta(days=25),
        ends_on=today + dt.timedelta(days=35),
        essay_required=True,
        essay_deadline=_at(today + dt.timedelta(days=20), 17),
        essay_cutoff=_at(today + dt.timedelta(days=27), 17),
        essay_min_words=300,
    )
    plans = {p.organisation_id: p for p in services.campaign_cascade(actor=None, campaign=kl21).created}
    services.campaign_open(actor=None, campaign=kl21)

    head = names()
    provincial = _session(
        kl21,
        province,
        title="Hội nghị trực tuyến toàn tỉnh học tập, quán triệt Kết luận số 21-KL/TW",
        kind=StudySession.Kind.MAIN,
        fmt=StudySession.Format.HYBRID,
        day=today - dt.timedelta(days=20),
        venue="Hội trường Tỉnh ủy Phú Yên",
        speakers=[
            {
                "name": head,
                "title": "Trưởng Ban Tuyên giáo Tỉnh ủy",
                "unit": "Ban Tuyên giáo Tỉnh ủy",
                "topic": "Nội dung cơ bản, cốt lõi của Kết luận số 21-KL/TW",
            },
            {
                "name": names(),
                "title": "Báo cáo viên Tỉnh ủy",
                "unit": "Trường Chính trị tỉnh",
                "topic": "Liên hệ thực tiễn công tác xây dựng Đảng ở Phú Yên",
            },
        ],
        discussion="Các điểm cầu thống nhất đẩy mạnh tự phê bình và phê bình; rà soát, bổ sung kế hoạch thực "
        "hiện Kết luận 21-KL/TW gắn với Quy định 144-QĐ/TW về chuẩn mực đạo đức cách mạng.",
    )
    session_of: dict[int, StudySession] = {m.pk: provincial for m in mass_orgs}  # committee/org id -> session
    point_rows: list[ConnectionPoint] = []
    online_hosts: list[Organisation] = []
    makeups: dict[int, StudySession] = {}
    for index, committee in enumerate(committees):
        plan = plans[committee.pk]
        short = committee.short_name or committee.name
        if committee.name in ONLINE_AT_PROVINCE:
            session_of[committee.pk] = provincial
            online_hosts += by_committee.get(committee.pk, [])
        else:
            district = committee.name.startswith(("Huyện ủy", "Thị ủy", "Thành ủy"))
            session = _session(
                plan,
                committee,
                title=f"Hội nghị học tập, quán triệt Kết luận số 21-KL/TW – {short}",
                kind=StudySession.Kind.MAIN,
                fmt=StudySession.Format.HYBRID if district else StudySession.Format.IN_PERSON,
                day=today - dt.timedelta(days=16 - index % 6),
                venue=_hall(committee),
                speakers=[
                    {
                        "name": names(),
                        "title": f"Trưởng Ban Tuyên giáo {committee.name}",
                        "unit": committee.name,
                        "topic": "Quán triệt Kết luận số 21-KL/TW",
                    }
                ],
            )
            session_of[committee.pk] = session
            if district:
                point_rows += [
                    ConnectionPoint(session=session, host=g, venue=_hall(g), person_in_charge=names())
                    for g in by_committee.get(committee.pk, [])
                ]
        if committee.name in MAKEUP:
            upcoming = committee.name == MAKEUP[-1]
            makeups[committee.pk] = _session(
                plan,
                committee,
                title=f"Hội nghị học bù Kết luận số 21-KL/TW – {short}",
                kind=StudySession.Kind.MAKEUP,
                fmt=StudySession.Format.IN_PERSON,
                day=today + dt.timedelta(days=3) if upcoming else today - dt.timedelta(days=4),
                venue=_hall(committee),
                speakers=[{"name": names(), "title": "Báo cáo viên", "unit": committee.name}],
            )
    point_rows += [
        ConnectionPoint(session=provincial, host=g, venue=_hall(g), person_in_charge=names()) for g in online_hosts
    ]
    ConnectionPoint.objects.bulk_create(point_rows, batch_size=BATCH)
    points = {
        (p.session_id, p.host_id): p.pk
        for p in ConnectionPoint.objects.filter(session__campaign__in=[kl21, *plans.values()])
    }
    path_to_id = {o.path: o.pk for o in [*committees, *grassroots]}

    # Who attends what: every active participant, by their committee (or socio-political organisation).
    people = list(
        Person.objects.filter(organisation__path__startswith=province.path, status=Person.Status.ACTIVE).values_list(
            "pk", "organisation_id", "organisation__path", "organisation__kind"
        )
    )
    cells = sorted(
        {(org_id, path) for _pk, org_id, path, kind in people if kind in Organisation.CELL_KINDS}, key=lambda c: c[1]
    )
    secretary_cells = set(
        RoleGrant.objects.filter(
            role=RoleGrant.Role.SECRETARY, organisation__path__startswith=province.path
        ).values_list("organisation_id", flat=True)
    )
    # Flagged on the dashboard: a few cells with nothing entered (the demo secretaries' among them) and a few
    # below the target.
    empty_cells = set(secretary_cells) | {c for c, _p in rng.sample(cells, min(6, len(cells)))}
    weak_cells = {c for c, _p in rng.sample(cells, min(5, len(cells)))} - empty_cells
    width = len(province.path) + STEP
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []  # ATTENDANCE_FIELDS
    sheets: dict[tuple[int, int], StudySession] = {}
    absent_by_committee: dict[int, list[int]] = {}
    reasons, weights = zip(*REASONS, strict=True)
    for pk, org_id, path, kind in people:
        if org_id in empty_cells:
            continue
        top = path_to_id.get(path[:width], org_id)  # the committee, or the socio-political organisation itself
        session = session_of.get(top)
        if session is None or session.starts_at > now:
            continue
        point = None
        if session.format != StudySession.Format.IN_PERSON:
            point = points.get((session.pk, path_to_id.get(path[: width + STEP])))
        roll = rng.random()
        present = 0.62 if org_id in weak_cells else 0.944
        if roll < present:
            status, reason = Attendance.Status.PRESENT, ""
        elif roll < present + 0.004:
            status, reason = Attendance.Status.ELSEWHERE, ""
        else:
            status, reason = Attendance.Status.ABSENT, rng.choices(reasons, weights)[0]
            absent_by_committee.setdefault(top, []).append(pk)
        source = Attendance.Source.SHEET if kind in Organisation.CELL_KINDS else Attendance.Source.QR
        rows.append((session.pk, pk, point, status, reason, source, now))
        if kind in Organisation.CELL_KINDS:
            sheets[(session.pk, org_id)] = session
    org_of = {pk: org_id for pk, org_id, _path, _kind in people}
    for committee_id, session in makeups.items():
        if session.starts_at > now:
            continue
        absentees = absent_by_committee.get(committee_id, [])
        came = rng.sample(absentees, int(len(absentees) * 0.45))
        rows += [(session.pk, pk, None, Attendance.Status.PRESENT, "", Attendance.Source.SHEET, now) for pk in came]
        for pk in came:
            sheets[(session.pk, org_of[pk])] = session
    _insert(Attendance, ATTENDANCE_FIELDS, rows)
    secretaries = dict(
        RoleGrant.objects.filter(role=RoleGrant.Role.SECRETARY).values_list("organisation_id", "user_id")
    )
    _insert(
        AttendanceSheet,
        ["session_id", "cell_id", "version", "submitted_by_id", "submitted_at"],
        [
            (session.pk, cell_id, 1, secretaries.get(cell_id), session.ends_at + dt.timedelta(hours=rng.randint(2, 30)))
            for (_sid, cell_id), session in sheets.items()
        ],
    )

    # ---- Nghị quyết 57-NQ/TW: a draft, cascaded, sessions still to be planned ------------------------
    nq57 = services.campaign_create(
        actor=None,
        documents=[docs["57-NQ/TW"]],
        audience=[province],
        organisation=province,
        title="Học tập, quán triệt Nghị quyết số 57-NQ/TW của Bộ Chính trị về đột phá phát triển khoa học, công "
        "nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
        starts_on=today + dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=75),
        essay_required=True,
        essay_deadline=_at(today + dt.timedelta(days=60), 17),
    )
    services.campaign_cascade(actor=None, campaign=nq57)

    studied = len({r[1] for r in rows if r[3] != Attendance.Status.ABSENT})
    stdout.write(
        f"  campaigns: {Document.objects.count()} documents, 2 provincial campaigns with {len(plans) * 2} plans, "
        f"{StudySession.objects.filter(campaign__in=[kl21, *plans.values()]).count()} sessions, "
        f"{len(point_rows):,} connection points, {len(rows):,} attendance rows, {len(sheets):,} sheets; "
        f"{studied:,}/{len(people):,} active participants studied Kết luận 21\n"
    )

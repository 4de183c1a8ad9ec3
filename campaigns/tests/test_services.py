"""The campaigns services: documents, campaigns (rules, status, cascade), sessions with speakers and points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, ConnectionPoint, Document, Speaker, StudySession
from campaigns.services import ChildRow
from campaigns.tests.factories import make_campaign, make_document, make_session
from organisations.models import AuditEntry
from portal.lib.errors import DomainError

S = Campaign.Status


# Documents ----------------------------------------------------------------------------------


def test_a_document_is_searchable_without_diacritics(db):
    document = make_document(summary="Kiên quyết ngăn chặn suy thoái")
    assert "21-kl/tw" in document.search_text
    assert "hoi nghi trung uong 4 khoa xiii" in document.search_text
    assert "kien quyet ngan chan suy thoai" in document.search_text
    assert AuditEntry.objects.filter(target_type="campaigns.document", action="create").count() == 1


def test_the_same_document_cannot_be_recorded_twice(db):
    make_document()
    with pytest.raises(DomainError, match="đã có trong hệ thống"):
        make_document(number_symbol="21-kl/TW", title="Bản trùng")
    assert Document.objects.count() == 1


def test_changing_a_document_refreshes_its_search_text(db):
    document = make_document()
    services.document_save(actor=None, document=document, title="Về công tác cán bộ")
    document.refresh_from_db()
    assert "ve cong tac can bo" in document.search_text


# Campaign rules -----------------------------------------------------------------------------


def test_a_new_campaign_is_a_draft_with_its_documents_and_audience(cast):
    campaign = make_campaign(cast.province, audience=[cast.committee_a], status=S.DRAFT)
    assert campaign.status == S.DRAFT
    assert list(campaign.audience.all()) == [cast.committee_a]
    assert campaign.documents.count() == 1
    entry = AuditEntry.objects.get(target_type="campaigns.campaign", target_id=str(campaign.pk))
    assert entry.action == "create" and entry.changes["audience"] == [None, ["Huyện ủy Tuy An"]]


def test_the_audience_must_lie_under_the_organising_committee(cast):
    with pytest.raises(DomainError, match="không trực thuộc"):
        make_campaign(cast.committee_a, audience=[cast.cell_b])
    assert not Campaign.objects.exists()


def test_a_campaign_needs_documents_an_audience_kinds_and_ordered_dates(cast):
    today = timezone.localdate()
    base = {"actor": None, "title": "X", "organisation": cast.province, "starts_on": today, "ends_on": today}
    document = make_document()
    with pytest.raises(DomainError, match="Chọn ít nhất một văn bản"):
        services.campaign_create(documents=[], audience=[cast.province], **base)
    with pytest.raises(DomainError, match="Chọn ít nhất một tổ chức"):
        services.campaign_create(documents=[document], audience=[], **base)
    with pytest.raises(DomainError, match="Chọn ít nhất một đối tượng tham gia"):
        services.campaign_create(
            documents=[document],
            audience=[cast.province],
            include_official=False,
            include_probationary=False,
            include_non_party=False,
            **base,
        )
    with pytest.raises(DomainError, match="Ngày kết thúc đợt học tập không được trước ngày bắt đầu"):
        services.campaign_create(
            documents=[document], audience=[cast.province], **{**base, "ends_on": today - dt.timedelta(days=1)}
        )
    assert not Campaign.objects.exists()


def test_the_default_target_is_ninety_percent(cast):
    assert make_campaign(cast.province).target_rate == 90


# Status -------------------------------------------------------------------------------------


def test_draft_opens_closes_and_staff_may_reopen(cast):
    campaign = make_campaign(cast.province, status=S.DRAFT)
    services.campaign_open(actor=cast.staff, campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == S.OPEN
    services.campaign_close(actor=cast.staff, campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == S.CLOSED
    services.campaign_reopen(actor=cast.staff, campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == S.OPEN
    entries = AuditEntry.objects.filter(target_type="campaigns.campaign", target_id=str(campaign.pk))
    actions = list(entries.order_by("id").values_list("action", flat=True))
    assert actions == ["create", "open", "close", "reopen"]


@pytest.mark.parametrize(
    ("start", "service", "message"),
    [
        (S.OPEN, services.campaign_open, "Chỉ có thể mở đợt học tập đang ở trạng thái nháp"),
        (S.DRAFT, services.campaign_close, "Chỉ có thể đóng đợt học tập đang mở"),
        (S.CLOSED, services.campaign_close, "Chỉ có thể đóng đợt học tập đang mở"),
        (S.OPEN, services.campaign_reopen, "Chỉ có thể mở lại đợt học tập đã đóng"),
    ],
)
def test_impossible_transitions_are_refused(cast, start, service, message):
    campaign = make_campaign(cast.province, status=start)
    with pytest.raises(DomainError, match=message):
        service(actor=None, campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == start


def test_a_closed_campaign_cannot_be_changed(cast):
    campaign = make_campaign(cast.province, status=S.CLOSED)
    with pytest.raises(DomainError, match="Đợt học tập này đã đóng"):
        services.campaign_update(actor=None, campaign=campaign, title="Đổi tên")
    with pytest.raises(DomainError, match="Đợt học tập này đã đóng"):
        make_session(campaign)
    assert Campaign.objects.get(pk=campaign.pk).title != "Đổi tên"


# Cascade ------------------------------------------------------------------------------------


def test_cascade_gives_each_committee_in_the_audience_its_own_plan(cast):
    campaign = make_campaign(cast.province, audience=[cast.cell_a, cast.committee_b], status=S.DRAFT)
    result = services.campaign_cascade(actor=cast.staff, campaign=campaign)
    plans = {p.organisation: p for p in result.created}
    assert set(plans) == {cast.committee_a, cast.committee_b}
    # audience = the committee's subtree ∩ the provincial audience
    assert list(plans[cast.committee_a].audience.all()) == [cast.cell_a]
    assert list(plans[cast.committee_b].audience.all()) == [cast.committee_b]
    for plan in plans.values():
        assert plan.parent == campaign and plan.status == S.DRAFT
        assert list(plan.documents.all()) == list(campaign.documents.all())
        assert (plan.starts_on, plan.ends_on, plan.target_rate) == (campaign.starts_on, campaign.ends_on, 90)


def test_cascade_skips_committees_outside_the_audience_and_is_idempotent(cast):
    campaign = make_campaign(cast.province, audience=[cast.committee_a])
    first = services.campaign_cascade(actor=None, campaign=campaign)
    assert [p.organisation for p in first.created] == [cast.committee_a]
    again = services.campaign_cascade(actor=None, campaign=campaign)
    assert again.created == [] and again.existing == 1
    assert campaign.plans.count() == 1


def test_a_plan_cannot_be_cascaded_and_a_closed_campaign_neither(cast):
    campaign = make_campaign(cast.province)
    plan = services.campaign_cascade(actor=None, campaign=campaign).created[0]
    with pytest.raises(DomainError, match="Không thể triển khai tiếp một kế hoạch"):
        services.campaign_cascade(actor=None, campaign=plan)
    closed = make_campaign(cast.province, status=S.CLOSED, title="Đã đóng")
    with pytest.raises(DomainError, match="Đợt học tập này đã đóng"):
        services.campaign_cascade(actor=None, campaign=closed)
    assert not closed.plans.exists()


def test_opening_closing_and_reopening_a_campaign_carries_its_plans(cast):
    campaign = make_campaign(cast.province, status=S.DRAFT)
    services.campaign_cascade(actor=None, campaign=campaign)
    services.campaign_open(actor=None, campaign=campaign)
    assert set(campaign.plans.values_list("status", flat=True)) == {S.OPEN}
    services.campaign_close(actor=None, campaign=campaign)
    assert set(campaign.plans.values_list("status", flat=True)) == {S.CLOSED}
    services.campaign_reopen(actor=None, campaign=campaign)
    assert set(campaign.plans.values_list("status", flat=True)) == {S.OPEN}
    assert AuditEntry.objects.filter(action="reopen", target_type="campaigns.campaign").count() == 3


def test_a_plan_opens_or_reopens_only_under_an_open_campaign(cast):
    campaign = make_campaign(cast.province, status=S.DRAFT)
    plan = services.campaign_cascade(actor=None, campaign=campaign).created[0]
    with pytest.raises(DomainError, match="Đợt học tập của Tỉnh ủy chưa mở"):
        services.campaign_open(actor=None, campaign=plan)
    services.campaign_open(actor=None, campaign=campaign)
    services.campaign_close(actor=None, campaign=campaign)
    with pytest.raises(DomainError, match="Đợt học tập của Tỉnh ủy đã đóng: hãy mở lại trước"):
        services.campaign_reopen(actor=None, campaign=plan)


def test_a_plan_adapts_its_dates_within_the_provincial_period_only(cast):
    campaign = make_campaign(cast.province)
    plan = services.campaign_cascade(actor=None, campaign=campaign).created[0]
    later = campaign.starts_on + dt.timedelta(days=5)
    services.campaign_update(actor=cast.officer_a, campaign=plan, starts_on=later)
    assert Campaign.objects.get(pk=plan.pk).starts_on == later
    with pytest.raises(DomainError, match="Kế hoạch phải nằm trong thời gian của đợt học tập do Tỉnh ủy tổ chức"):
        services.campaign_update(actor=None, campaign=plan, ends_on=campaign.ends_on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="Các thông tin sau theo đợt học tập của Tỉnh ủy"):
        services.campaign_update(actor=None, campaign=plan, target_rate=50)
    with pytest.raises(DomainError, match="Các thông tin sau theo đợt học tập của Tỉnh ủy"):
        services.campaign_update(actor=None, campaign=plan, audience=[cast.cell_a])


def test_a_change_of_the_provincial_campaign_reaches_its_plans(cast):
    campaign = make_campaign(cast.province)
    services.campaign_cascade(actor=None, campaign=campaign)
    other = make_document(number_symbol="57-NQ/TW", issued_on=dt.date(2024, 12, 22))
    services.campaign_update(
        actor=None,
        campaign=campaign,
        include_non_party=False,
        target_rate=95,
        documents=[other],
        audience=[cast.grassroots_a, cast.committee_b],
    )
    plan_a = campaign.plans.get(organisation=cast.committee_a)
    assert (plan_a.include_non_party, plan_a.target_rate) == (False, 95)
    assert list(plan_a.documents.all()) == [other]
    assert list(plan_a.audience.all()) == [cast.grassroots_a]


def test_a_committee_with_a_plan_cannot_leave_the_audience(cast):
    campaign = make_campaign(cast.province)
    services.campaign_cascade(actor=None, campaign=campaign)
    with pytest.raises(DomainError, match="đã có kế hoạch riêng"):
        services.campaign_update(actor=None, campaign=campaign, audience=[cast.committee_a])
    assert set(campaign.audience.all()) == {cast.province}


# Sessions -----------------------------------------------------------------------------------


def _times(days: int = 1) -> dict:
    start = timezone.now() + dt.timedelta(days=days)
    return {"starts_at": start, "ends_at": start + dt.timedelta(hours=3)}


def test_a_hybrid_session_is_saved_with_speakers_and_points(cast):
    campaign = make_campaign(cast.province)
    session = services.session_save(
        actor=cast.staff,
        campaign=campaign,
        organisation=cast.province,
        title="Hội nghị trực tuyến",
        format=StudySession.Format.HYBRID,
        venue="Hội trường Tỉnh ủy",
        **_times(),
        speakers=[ChildRow({"name": "Nguyễn Văn Báo", "title": "Trưởng Ban Tuyên giáo"})],
        points=[
            ChildRow({"host": cast.committee_a, "venue": "Hội trường Huyện ủy Tuy An"}),
            ChildRow(
                {"host": cast.committee_b, "venue": "Hội trường Thị ủy Sông Cầu", "person_in_charge": "Trần Văn Cầu"}
            ),
        ],
    )
    assert session.checkin_secret
    assert list(session.speakers.values_list("name", flat=True)) == ["Nguyễn Văn Báo"]
    assert set(session.points.values_list("host__name", flat=True)) == {"Huyện ủy Tuy An", "Thị ủy Sông Cầu"}
    entry = AuditEntry.objects.get(target_type="campaigns.studysession", target_id=str(session.pk))
    assert len(entry.changes["connection points"]["added"]) == 2


def test_speakers_and_points_are_changed_and_removed_through_the_service(cast):
    campaign = make_campaign(cast.province)
    session = make_session(campaign, points=[cast.committee_a, cast.committee_b])
    point_a, point_b = session.points.order_by("host__path")
    speaker = Speaker.objects.create(session=session, name="Lê Văn Nói")
    services.session_save(
        actor=None,
        campaign=campaign,
        session=session,
        speakers=[ChildRow({"name": "Lê Văn Nói", "unit": "Trường Chính trị tỉnh"}, pk=speaker.pk)],
        points=[ChildRow({}, pk=point_b.pk, delete=True), ChildRow({"venue": "Phòng họp số 2"}, pk=point_a.pk)],
    )
    assert Speaker.objects.get(pk=speaker.pk).unit == "Trường Chính trị tỉnh"
    assert list(session.points.values_list("venue", flat=True)) == ["Phòng họp số 2"]


@pytest.mark.parametrize(
    ("fmt", "hosts", "message"),
    [
        (StudySession.Format.IN_PERSON, ["committee_a"], "Hội nghị trực tiếp không có điểm cầu"),
        (StudySession.Format.HYBRID, ["cell_b"], "không trực thuộc"),
    ],
)
def test_bad_points_leave_nothing_saved(cast, fmt, hosts, message):
    campaign = make_campaign(cast.province)
    with pytest.raises(DomainError, match=message):
        services.session_save(
            actor=None,
            campaign=campaign,
            organisation=cast.committee_a,
            title="Hội nghị",
            format=fmt,
            **_times(),
            points=[ChildRow({"host": getattr(cast, h), "venue": "Hội trường"}) for h in hosts],
        )
    assert not StudySession.objects.exists() and not ConnectionPoint.objects.exists()


def test_a_session_is_organised_under_the_campaigns_organiser_and_ends_after_it_starts(cast):
    campaign = make_campaign(cast.committee_a)
    with pytest.raises(DomainError, match="không trực thuộc"):
        services.session_save(actor=None, campaign=campaign, organisation=cast.committee_b, title="X", **_times())
    start = timezone.now()
    with pytest.raises(DomainError, match="Thời gian kết thúc hội nghị phải sau thời gian bắt đầu"):
        services.session_save(
            actor=None, campaign=campaign, organisation=cast.committee_a, title="X", starts_at=start, ends_at=start
        )
    assert not StudySession.objects.exists()


def test_a_host_may_have_only_one_point_per_session(cast):
    campaign = make_campaign(cast.province)
    with pytest.raises(DomainError, match="chỉ đăng cai tối đa một điểm cầu"):
        make_session(campaign, points=[cast.committee_a, cast.committee_a])
    assert not StudySession.objects.exists()

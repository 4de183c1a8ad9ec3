"""A member's own study (/campaigns/mine/): the campaigns covering them, their sessions and attendance, make-up
sessions when they missed, and the managers' pages sending a member there instead of showing others' figures."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Attendance, Campaign, Speaker, StudySession
from campaigns.tests.factories import attend, make_campaign, make_document, make_session
from organisations.models import Person, RoleGrant
from organisations.tests.factories import PersonFactory, grant

S = Campaign.Status
K = StudySession.Kind
MINE = "/campaigns/mine/"


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def card(page: str, campaign: Campaign) -> str:
    """The HTML of one campaign's card on the page ("" when it is not there)."""
    found = re.search(rf'<article [^>]*id="campaign-{campaign.pk}".*?</article>', page)
    return found.group(0) if found else ""


def block(page: str, session: StudySession) -> str:
    """The HTML of one session's block on the page ("" when it is not there)."""
    found = re.search(rf'<section [^>]*id="session-{session.pk}".*?</section>', page)
    return found.group(0) if found else ""


@pytest.fixture
def provincial(cast):
    """An open provincial campaign cascaded to both committees: {"campaign", "plan_a", "plan_b"}."""
    campaign = make_campaign(cast.province, title="Học tập, quán triệt Kết luận 21-KL/TW")
    plans = {p.organisation_id: p for p in services.campaign_cascade(actor=None, campaign=campaign).created}
    return {"campaign": campaign, "plan_a": plans[cast.committee_a.pk], "plan_b": plans[cast.committee_b.pk]}


def test_member_sees_the_campaign_its_documents_their_session_point_speakers_and_attendance(cast, provincial, login):
    session = make_session(
        provincial["plan_a"], cast.committee_a, title="Hội nghị quán triệt – Tuy An", points=[cast.grassroots_a]
    )
    Speaker.objects.create(session=session, name="Lê Văn Báo", title="Trưởng Ban Tuyên giáo Huyện ủy")
    point = session.points.get()
    attend(session, [cast.person_a], point=point)
    plan_start = provincial["campaign"].starts_on + dt.timedelta(days=7)  # the committee adapted its dates
    Campaign.objects.filter(pk=provincial["plan_a"].pk).update(starts_on=plan_start)

    page = text(login(cast.member_a).get(reverse("campaigns:mine")))
    assert "Việc học tập của tôi" in page and "Nguyễn Văn An" in page
    mine = card(page, provincial["campaign"])
    assert "Học tập, quán triệt Kết luận 21-KL/TW" in mine
    assert "21-KL/TW" in mine and "ngày 25/10/2021" in mine  # the document studied
    assert provincial["campaign"].starts_on.strftime("%d/%m/%Y") in mine
    assert f"Kế hoạch của Huyện ủy Tuy An: {plan_start:%d/%m/%Y}" in mine  # the plan's own dates
    assert card(page, provincial["plan_a"]) == ""  # one card per campaign family
    mine_session = block(page, session)
    assert "Hội nghị quán triệt – Tuy An" in mine_session
    assert "Kết hợp" in mine_session  # the format
    assert "Điểm cầu của đồng chí" in mine_session and "Hội trường Đảng bộ xã An Dân" in mine_session
    assert "Lê Văn Báo, Trưởng Ban Tuyên giáo Huyện ủy" in mine_session
    assert "Có mặt" in mine_session
    assert "Đã học tập" in mine


def test_member_sees_no_draft_no_other_committees_campaign_and_none_for_another_kind(cast, provincial, login):
    draft = make_campaign(cast.province, title="Nghị quyết 57 (dự thảo)", status=S.DRAFT)
    other = make_campaign(cast.committee_b, title="Chuyên đề riêng của Sông Cầu")
    non_party = make_campaign(
        cast.province, title="Dành cho quần chúng", include_official=False, include_probationary=False
    )
    last_year = timezone.localdate() - dt.timedelta(days=365)
    closed = make_campaign(
        cast.committee_a,
        title="Chuyên đề năm trước",
        status=S.CLOSED,
        starts_on=last_year,
        ends_on=last_year + dt.timedelta(days=30),
    )

    page = text(login(cast.member_a).get(reverse("campaigns:mine")))
    assert card(page, provincial["campaign"]) and card(page, closed)
    for hidden in (draft, other, non_party):
        assert hidden.title not in page
    assert "Đã đóng" in card(page, closed)
    # newest first
    assert page.index(f'id="campaign-{provincial["campaign"].pk}"') < page.index(f'id="campaign-{closed.pk}"')


def test_only_the_sessions_relevant_to_the_member_are_listed(cast, provincial, login):
    plan_a, plan_b = provincial["plan_a"], provincial["plan_b"]
    at_province = make_session(provincial["campaign"], cast.province, title="Hội nghị toàn tỉnh")
    at_committee = make_session(plan_a, cast.committee_a, title="Hội nghị Huyện ủy Tuy An")
    elsewhere = make_session(provincial["campaign"], cast.grassroots_b, title="Hội nghị phường Xuân Phú")
    hosted_here = make_session(
        plan_a, cast.committee_a, title="Hội nghị có điểm cầu ở xã", points=[cast.grassroots_a], days_ago=3
    )
    other_committee = make_session(plan_b, cast.committee_b, title="Hội nghị Thị ủy Sông Cầu")

    page = text(login(cast.member_a).get(reverse("campaigns:mine")))
    for shown in (at_province, at_committee, hosted_here):
        assert block(page, shown), shown.title
    for hidden in (elsewhere, other_committee):
        assert hidden.title not in page
    # in time order, without a record: the cell has not entered them yet
    assert page.index(at_committee.title) < page.index(hosted_here.title)
    assert "Chưa ghi nhận điểm danh" in block(page, at_committee)
    assert "Chi bộ chưa nhập kết quả điểm danh" in page


def test_an_absent_member_sees_the_reason_and_the_make_up_sessions_still_to_come(cast, provincial, login):
    plan_a = provincial["plan_a"]
    main = make_session(plan_a, cast.committee_a, title="Hội nghị chính")
    attend(main, [cast.person_a], Attendance.Status.ABSENT, reason=Attendance.Reason.WORK)
    past = make_session(plan_a, cast.committee_a, kind=K.MAKEUP, title="Học bù đợt 1", days_ago=2)
    coming = make_session(plan_a, cast.committee_a, kind=K.MAKEUP, title="Học bù đợt 2", days_ago=-3)

    client = login(cast.member_a)
    page = text(client.get(reverse("campaigns:mine")))
    assert "Vắng" in block(page, main) and "lý do: Công tác" in block(page, main)
    assert "Chưa học tập" in page
    assert "Hội nghị học bù đồng chí có thể tham dự" in page
    assert "Sắp diễn ra" in block(page, coming)
    assert past.title not in page  # gone by, and nothing recorded there for them

    attend(coming, [cast.person_a])
    page = text(client.get(reverse("campaigns:mine")))
    assert "Đã học tập" in page
    assert "Hội nghị học bù đồng chí có thể tham dự" not in page
    assert "Có mặt" in block(page, coming)  # the make-up they attended stays listed, with its record


def test_attended_elsewhere_counts_as_studied_and_a_restudy_session_does_not(cast, provincial, login):
    plan_a = provincial["plan_a"]
    restudy = make_session(plan_a, cast.committee_a, kind=K.RESTUDY, title="Học lại")
    attend(restudy, [cast.person_a])
    client = login(cast.member_a)
    page = text(client.get(reverse("campaigns:mine")))
    assert "Học lại" in page and "Chưa học tập" in page

    main = make_session(plan_a, cast.committee_a, title="Hội nghị chính", points=[cast.grassroots_a])
    attend(main, [cast.person_a], Attendance.Status.ELSEWHERE, point=main.points.get())
    page = text(client.get(reverse("campaigns:mine")))
    assert "Dự ở điểm cầu khác" in block(page, main)
    assert "Đã học tập" in page


def test_the_page_shows_nothing_of_other_people(cast, provincial, login):
    session = make_session(provincial["plan_a"], cast.committee_a)
    attend(session, Person.objects.filter(organisation=cast.cell_a))
    attend(session, [cast.person_a2], Attendance.Status.ABSENT)
    page = text(login(cast.member_a).get(reverse("campaigns:mine")))
    for name in ("Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"):
        assert name not in page
    assert "%" not in re.sub(r"<[^>]+>", "", page)  # no rate


def test_an_excused_member_sees_their_campaigns_marked_excused(cast, provincial, login):
    Person.objects.filter(pk=cast.person_a.pk).update(status=Person.Status.EXCUSED)
    page = text(login(cast.member_a).get(reverse("campaigns:mine")))
    assert "được miễn sinh hoạt đảng" in page
    assert "Được miễn" in card(page, provincial["campaign"])


def test_an_account_without_a_participant_record_gets_403(cast, login):
    assert login(cast.officer_a).get(reverse("campaigns:mine")).status_code == 403
    assert login(cast.outsider).get(reverse("campaigns:mine")).status_code == 403


def test_a_member_without_campaigns_sees_a_friendly_empty_page(cast, login):
    page = text(login(cast.member_b).get(reverse("campaigns:mine")))
    assert "Hiện chưa có đợt học tập nào dành cho đồng chí" in page


def test_the_home_page_links_a_member_to_their_study(cast, login):
    page = text(login(cast.member_a).get("/"))
    assert f'href="{reverse("campaigns:mine")}"' in page


# The managers' pages ---------------------------------------------------------------------------


def test_a_member_opening_the_managers_pages_lands_on_their_own(cast, provincial, login):
    session = make_session(provincial["plan_a"], cast.committee_a)
    client = login(cast.member_a)
    root = provincial["campaign"]
    for campaign in (root, provincial["plan_a"]):
        response = client.get(reverse("campaigns:detail", args=[campaign.pk]))
        assert response.status_code == 302 and response["Location"] == f"{MINE}#campaign-{root.pk}"
    response = client.get(reverse("campaigns:session_detail", args=[session.pk]))
    assert response.status_code == 302 and response["Location"] == f"{MINE}#session-{session.pk}"
    assert client.get(reverse("campaigns:detail", args=[provincial["plan_b"].pk])).status_code == 404


def test_a_draft_does_not_exist_for_a_member(cast, login):
    draft = make_campaign(cast.committee_a, title="Dự thảo", status=S.DRAFT)
    assert login(cast.member_a).get(reverse("campaigns:detail", args=[draft.pk])).status_code == 404


def test_an_officer_who_is_also_a_member_keeps_the_managers_page(cast, provincial, login):
    PersonFactory(full_name="Đỗ Văn Quản", organisation=cast.cell_a, user=cast.officer_a)
    page = text(login(cast.officer_a).get(reverse("campaigns:detail", args=[provincial["campaign"].pk])))
    assert "plans-table" in page  # the managers' page, with each plan's progress
    assert login(cast.officer_a).get(reverse("campaigns:mine")).status_code == 200


def test_a_secretary_still_sees_the_campaign_page_and_their_own_study(cast, provincial, login):
    client = login(cast.secretary_a)
    assert client.get(reverse("campaigns:detail", args=[provincial["campaign"].pk])).status_code == 200
    page = text(client.get(reverse("campaigns:mine")))
    assert "Trần Thị Bình" in page and card(page, provincial["campaign"])


def test_a_member_made_secretary_elsewhere_is_still_redirected_from_a_campaign_only_covering_them(cast, login):
    own = make_campaign(cast.committee_a, audience=[cast.cell_a], title="Chỉ chi bộ Phú Tân 1")
    grant(cast.member_a, cast.cell_a2, RoleGrant.Role.SECRETARY)
    response = login(cast.member_a).get(reverse("campaigns:detail", args=[own.pk]))
    assert response.status_code == 302


# Query count ----------------------------------------------------------------------------------


def _grow(cast: Any, campaigns: int, sessions: int) -> None:
    """``campaigns`` provincial campaigns cascaded, each with ``sessions`` sessions (points, speakers, records)."""
    document = make_document(number_symbol="57-NQ/TW", issued_on=dt.date(2024, 12, 22))
    for i in range(campaigns):
        root = make_campaign(cast.province, title=f"Đợt {i}", documents=[document])
        plan = services.campaign_cascade(actor=None, campaign=root).created[0]
        for j in range(sessions):
            kind = K.MAKEUP if j % 3 == 2 else K.MAIN
            session = make_session(
                plan,
                cast.committee_a,
                kind=kind,
                title=f"Hội nghị {i}.{j}",
                points=[cast.grassroots_a],
                days_ago=5 - j,
            )
            Speaker.objects.create(session=session, name=f"Báo cáo viên {j}")
            if j % 2:
                attend(session, [cast.person_a], point=session.points.get())


@pytest.mark.parametrize("size", [(1, 1), (4, 6)])
def test_my_study_runs_a_constant_number_of_queries(cast, login, django_assert_max_num_queries, size):
    _grow(cast, *size)
    client = login(cast.member_a)
    client.get(reverse("campaigns:mine"))  # warm the session
    # 5 are the session (read, then saved in a savepoint: 3), the user; 2 the scope; 8 the page: the person, the
    # campaigns and their documents, the sessions with their speakers and nearby points, the records, "studied".
    with django_assert_max_num_queries(15):
        page = text(client.get(reverse("campaigns:mine")))
    assert page.count('class="card mb-3 my-campaign"') == size[0]


def test_visible_as_a_participant_or_through_roles_only(cast, provincial):
    from organisations import access

    campaigns = Campaign.objects.filter(pk=provincial["campaign"].pk)
    session = make_session(provincial["plan_a"], cast.committee_a)
    record = attend(session, [cast.person_a])[0]
    assert access.visible(campaigns, cast.member_a).exists()
    assert not access.visible(campaigns, cast.member_a, as_participant=False).exists()
    assert access.visible(Attendance.objects.all(), cast.member_a).get() == record
    assert not access.visible(Attendance.objects.all(), cast.member_a, as_participant=False).exists()
    assert access.visible(campaigns, cast.secretary_a, as_participant=False).exists()  # their cell's role
    assert not access.can_view_by_role(cast.member_a, provincial["campaign"])
    assert access.can_view_by_role(cast.secretary_a, provincial["campaign"])
    assert access.can_view_by_role(cast.officer_a, session)
    assert not access.can_view_by_role(cast.officer_b, provincial["plan_a"])

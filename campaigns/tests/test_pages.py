"""The campaigns pages: who sees which campaign, forms through the services, the participation drill-down,
the dashboard, and constant query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Attendance, Campaign, ConnectionPoint, Document, Speaker, StudySession
from campaigns.tests.factories import attend, make_campaign, make_document, make_session
from organisations.models import AuditEntry, Person
from organisations.tests.factories import PersonFactory, make_org
from portal.testing.matrix import fingerprint

S = Campaign.Status


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def campaigns(cast):
    """A provincial campaign cascaded to both committees, and a campaign of committee_b of its own."""
    provincial = make_campaign(cast.province, title="Học tập Kết luận 21-KL/TW")
    plans = {p.organisation_id: p for p in services.campaign_cascade(actor=None, campaign=provincial).created}
    own_b = make_campaign(cast.committee_b, title="Chuyên đề riêng của Sông Cầu")
    return {
        "provincial": provincial,
        "plan_a": plans[cast.committee_a.pk],
        "plan_b": plans[cast.committee_b.pk],
        "own_b": own_b,
    }


# Lists and detail ---------------------------------------------------------------------------


def test_officer_sees_the_provincial_campaign_but_not_a_sibling_committees_own(cast, campaigns, login):
    page = text(login(cast.officer_a).get(reverse("campaigns:list")))
    assert "Học tập Kết luận 21-KL/TW" in page
    assert "Chuyên đề riêng của Sông Cầu" not in page
    page_b = text(login(cast.officer_b).get(reverse("campaigns:list")))
    assert "Chuyên đề riêng của Sông Cầu" in page_b


def test_secretaries_and_members_have_no_campaign_list(cast, campaigns, login):
    assert login(cast.secretary_a).get(reverse("campaigns:list")).status_code == 403
    assert login(cast.member_a).get(reverse("campaigns:list")).status_code == 403


def test_campaign_detail_shows_the_progress_of_each_plan(cast, campaigns, login):
    session = make_session(campaigns["plan_a"], cast.committee_a)
    attend(session, Person.objects.filter(organisation=cast.cell_a))
    page = text(login(cast.staff).get(reverse("campaigns:detail", args=[campaigns["provincial"].pk])))
    assert "Huyện ủy Tuy An" in page and "Thị ủy Sông Cầu" in page
    assert "66,67%" in page  # Tuy An: 2 of its 3 people
    assert "0,00%" in page  # Sông Cầu
    assert "33,33%" in page  # the province: 2 of 6


def test_officer_sees_only_their_own_plans_figures_on_the_provincial_campaign(cast, campaigns, login):
    session = make_session(campaigns["plan_b"], cast.committee_b)
    attend(session, Person.objects.filter(organisation=cast.cell_b))
    page = text(login(cast.officer_a).get(reverse("campaigns:detail", args=[campaigns["provincial"].pk])))
    assert "Huyện ủy Tuy An" in page
    assert "Thị ủy Sông Cầu" not in page
    assert "100,00%" not in page  # Sông Cầu's figure is not shown to Tuy An


def test_officer_b_gets_404_for_committee_a_plan(cast, campaigns, login):
    response = login(cast.officer_b).get(reverse("campaigns:detail", args=[campaigns["plan_a"].pk]))
    assert response.status_code == 404


def test_documents_are_found_without_diacritics(cast, login):
    make_document()
    make_document(
        kind=Document.Kind.RESOLUTION,
        number_symbol="57-NQ/TW",
        issued_on=dt.date(2024, 12, 22),
        issuing_body="Bộ Chính trị",
        conference="",
        title="Về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
    )
    page = text(login(cast.member_a).get(reverse("campaigns:documents") + "?q=khoa+hoc+cong+nghe"))
    assert "57-NQ/TW" in page and "21-KL/TW" not in page
    page = text(login(cast.member_a).get(reverse("campaigns:documents") + "?q=chinh+don+dang"))
    assert "21-KL/TW" in page and "57-NQ/TW" not in page


# Forms --------------------------------------------------------------------------------------


def _campaign_post(document: Document, org: Any, audience: list[Any], **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": "Học tập, quán triệt Nghị quyết 57-NQ/TW",
        "organisation": org.pk,
        "documents": [document.pk],
        "audience": [o.pk for o in audience],
        "include_official": "on",
        "include_probationary": "on",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=60)).isoformat(),
        "target_rate": "90",
        "essay_required": "on",
        "essay_min_words": "0",
        **extra,
    }


def test_staff_create_a_campaign_in_draft(cast, login):
    document = make_document()
    response = login(cast.staff).post(
        reverse("campaigns:create"), _campaign_post(document, cast.province, [cast.committee_a, cast.committee_b])
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.status == S.DRAFT and not campaign.include_non_party
    assert set(campaign.audience.all()) == {cast.committee_a, cast.committee_b}
    assert campaign.created_by == cast.staff
    assert AuditEntry.objects.filter(target_type="campaigns.campaign", action="create", actor=cast.staff).exists()


def test_an_officer_cannot_create_a_campaign_for_the_province(cast, login):
    document = make_document()
    client = login(cast.officer_a)
    before = fingerprint()
    response = client.post(reverse("campaigns:create"), _campaign_post(document, cast.province, [cast.committee_a]))
    assert response.status_code == 200
    assert "Select a valid choice" in text(response) or "Hãy chọn" in text(response)
    assert fingerprint() == before


def test_a_domain_error_comes_back_as_a_form_error(cast, login):
    document = make_document()
    data = _campaign_post(document, cast.committee_a, [cast.committee_a])
    data["ends_on"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = login(cast.officer_a).post(reverse("campaigns:create"), data)
    assert response.status_code == 200 and not Campaign.objects.exists()


def test_an_officer_adapts_their_plans_dates(cast, campaigns, login):
    plan = campaigns["plan_a"]
    later = plan.starts_on + dt.timedelta(days=3)
    response = login(cast.officer_a).post(
        reverse("campaigns:edit", args=[plan.pk]),
        {
            "title": plan.title,
            "starts_on": later.isoformat(),
            "ends_on": plan.ends_on.isoformat(),
            "essay_deadline": "",
            "essay_cutoff": "",
        },
    )
    assert response.status_code == 302
    assert Campaign.objects.get(pk=plan.pk).starts_on == later


def test_an_officer_may_not_edit_the_provincial_campaign(cast, campaigns, login):
    client = login(cast.officer_a)
    assert client.get(reverse("campaigns:edit", args=[campaigns["provincial"].pk])).status_code == 403
    before = fingerprint()
    response = client.post(reverse("campaigns:action", args=[campaigns["provincial"].pk]), {"action": "close"})
    assert response.status_code == 403 and fingerprint() == before


def test_status_buttons_close_and_reopen(cast, campaigns, login):
    client = login(cast.staff)
    url = reverse("campaigns:action", args=[campaigns["provincial"].pk])
    client.post(url, {"action": "close"})
    assert Campaign.objects.get(pk=campaigns["provincial"].pk).status == S.CLOSED
    assert Campaign.objects.get(pk=campaigns["plan_a"].pk).status == S.CLOSED
    client.post(url, {"action": "reopen"})
    assert Campaign.objects.get(pk=campaigns["plan_a"].pk).status == S.OPEN
    response = client.post(url, {"action": "open"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    assert Campaign.objects.get(pk=campaigns["provincial"].pk).status == S.OPEN


def _session_post(org: Any, points: list[tuple[Any, str]], **extra: Any) -> dict[str, Any]:
    start = timezone.localtime() + dt.timedelta(days=2)
    data = {
        "title": "Hội nghị trực tuyến quán triệt Kết luận 21",
        "organisation": org.pk,
        "kind": "main",
        "format": "hybrid",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "venue": "Hội trường",
        "discussion_summary": "",
        "speakers-TOTAL_FORMS": "1",
        "speakers-INITIAL_FORMS": "0",
        "speakers-0-name": "Nguyễn Văn Báo",
        "speakers-0-title": "Phó Trưởng ban",
        "speakers-0-unit": "",
        "speakers-0-topic": "",
        "points-TOTAL_FORMS": str(len(points) + 1),
        "points-INITIAL_FORMS": "0",
        **extra,
    }
    for i, (host, venue) in enumerate(points):
        data |= {f"points-{i}-host": str(host.pk), f"points-{i}-venue": venue, f"points-{i}-person_in_charge": ""}
    return data


def test_staff_schedule_a_hybrid_session_with_two_connection_points(cast, campaigns, login):
    client = login(cast.staff)
    url = reverse("campaigns:session_create", args=[campaigns["provincial"].pk])
    page = text(client.get(url))
    assert "Huyện ủy Tuy An" in page  # offered as a host
    assert f'<option value="{cast.province.pk}" selected>' in page  # the organiser, preselected
    response = client.post(
        url,
        _session_post(
            cast.province, [(cast.committee_a, "Hội trường Huyện ủy"), (cast.committee_b, "Hội trường Thị ủy")]
        ),
    )
    session = StudySession.objects.get()
    assert response.status_code == 302 and response.url == reverse("campaigns:session_detail", args=[session.pk])
    assert session.points.count() == 2 and Speaker.objects.get().name == "Nguyễn Văn Báo"
    detail = text(client.get(response.url))
    assert "Hội trường Thị ủy" in detail and "Nguyễn Văn Báo" in detail


def test_an_in_person_session_with_points_is_refused_with_a_message(cast, campaigns, login):
    data = _session_post(cast.province, [(cast.committee_a, "Hội trường")], format="in_person")
    response = login(cast.staff).post(reverse("campaigns:session_create", args=[campaigns["provincial"].pk]), data)
    assert response.status_code == 200
    assert not StudySession.objects.exists() and not ConnectionPoint.objects.exists()


def test_an_officer_adds_a_session_to_their_plan_but_not_to_the_provincial_campaign(cast, campaigns, login):
    client = login(cast.officer_a)
    assert client.get(reverse("campaigns:session_create", args=[campaigns["provincial"].pk])).status_code == 403
    response = client.post(
        reverse("campaigns:session_create", args=[campaigns["plan_a"].pk]),
        _session_post(cast.committee_a, [(cast.grassroots_a, "Hội trường xã An Dân")]),
    )
    assert response.status_code == 302
    assert StudySession.objects.get().campaign == campaigns["plan_a"]


def test_editing_a_session_removes_a_point(cast, campaigns, login):
    session = make_session(
        campaigns["provincial"], cast.province, days_ago=-3, points=[cast.committee_a, cast.committee_b]
    )
    client = login(cast.staff)
    url = reverse("campaigns:session_edit", args=[session.pk])
    assert "Hội trường Thị ủy Sông Cầu" in text(client.get(url))
    point_a, point_b = session.points.order_by("host__path")
    data = _session_post(cast.province, [])
    data |= {
        "title": session.title,
        "points-TOTAL_FORMS": "2",
        "points-INITIAL_FORMS": "2",
        "points-0-id": point_a.pk,
        "points-0-host": cast.committee_a.pk,
        "points-0-venue": "Phòng 1",
        "points-1-id": point_b.pk,
        "points-1-host": cast.committee_b.pk,
        "points-1-venue": point_b.venue,
        "points-1-DELETE": "on",
    }
    assert client.post(url, data).status_code == 302
    assert list(session.points.values_list("venue", flat=True)) == ["Phòng 1"]


# Participation drill-down -------------------------------------------------------------------


@pytest.fixture
def studied(cast, campaigns):
    session = make_session(campaigns["plan_a"], cast.committee_a, days_ago=5)
    attend(session, [cast.person_a])
    attend(session, [cast.person_a2], Attendance.Status.ABSENT)
    PersonFactory(full_name="Đỗ Văn Giang", organisation=cast.cell_a, status=Person.Status.EXCUSED)
    return session


def test_staff_drill_down_from_province_to_names(cast, campaigns, studied, login):
    client = login(cast.staff)
    campaign = campaigns["provincial"]
    page = text(client.get(reverse("campaigns:participation", args=[campaign.pk])))
    assert "16,67%" in page  # 1 of 6
    assert "Huyện ủy Tuy An" in page and "Thị ủy Sông Cầu" in page
    assert "1/2" in page  # committees that held their session
    page = text(client.get(reverse("campaigns:participation_org", args=[campaign.pk, cast.committee_a.pk])))
    assert "33,33%" in page and "Đảng bộ xã An Dân" in page
    page = text(client.get(reverse("campaigns:participation_org", args=[campaign.pk, cast.cell_a.pk])))
    assert "Trần Thị Bình" in page and "Nguyễn Văn An" not in page  # An studied
    assert "Đỗ Văn Giang" in page  # excused, listed apart
    page = text(client.get(reverse("campaigns:participation_org", args=[campaign.pk, cast.cell_a2.pk])))
    assert "Lê Văn Cường" in page
    assert "Absent: Sick" in page or "Vắng: Ốm" in page


def test_officer_starts_at_their_committee_and_cannot_open_a_sibling(cast, campaigns, studied, login):
    client = login(cast.officer_a)
    campaign = campaigns["provincial"]
    response = client.get(reverse("campaigns:participation", args=[campaign.pk]))
    assert response.url == reverse("campaigns:participation_org", args=[campaign.pk, cast.committee_a.pk])
    assert client.get(reverse("campaigns:participation_org", args=[campaign.pk, cast.province.pk])).status_code == 404
    assert (
        login(cast.officer_b)
        .get(reverse("campaigns:participation_org", args=[campaign.pk, cast.committee_a.pk]))
        .status_code
        == 404
    )
    assert (
        login(cast.officer_b)
        .get(reverse("campaigns:participation_org", args=[campaign.pk, cast.cell_a.pk]))
        .status_code
        == 404
    )


def test_secretary_may_not_read_participation(cast, campaigns, login):
    client = login(cast.secretary_a)
    campaign = campaigns["provincial"]
    assert client.get(reverse("campaigns:participation", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("campaigns:participation_org", args=[campaign.pk, cast.cell_a.pk])).status_code == 403


def test_an_organisation_outside_a_plan_is_not_found_in_it(cast, campaigns, login):
    url = reverse("campaigns:participation_org", args=[campaigns["plan_a"].pk, cast.committee_b.pk])
    assert login(cast.staff).get(url).status_code == 404


def test_dashboard_flags_a_cell_without_attendance_to_the_committee_above(cast, campaigns, studied, login):
    page = text(login(cast.staff).get(reverse("campaigns:dashboard")))
    # cell_a2: 0 of 1 after entry -> below target; cell_a 1 of 2 -> below target. committee_b: no session.
    assert "Chi bộ thôn Phú Tân 1" in page and "Chi bộ thôn Phú Tân 2" in page
    assert "Chi bộ khu phố 1" not in page
    assert login(cast.officer_b).get(reverse("campaigns:dashboard")).status_code == 200
    assert "Chi bộ thôn Phú Tân 1" not in text(login(cast.officer_b).get(reverse("campaigns:dashboard")))
    assert login(cast.secretary_a).get(reverse("campaigns:dashboard")).status_code == 403


# Query counts at two sizes ------------------------------------------------------------------


def _grow(cast: Any, campaigns: dict, n: int) -> None:
    """n more cells under grassroots_a with 3 people each, attendance for some, n more documents and campaigns."""
    session = make_session(campaigns["plan_a"], cast.committee_a, days_ago=4, title="Hội nghị thêm")
    for i in range(n):
        cell = make_org(f"Chi bộ thêm {i}", "cell", cast.grassroots_a)
        people = [PersonFactory(full_name=f"Người Thêm {i} {j}", organisation=cell) for j in range(3)]
        attend(session, people[: i % 3])
        make_document(number_symbol=f"{i + 100}-NQ/TW")
        make_campaign(cast.committee_a, title=f"Chuyên đề {i}")
        make_session(campaigns["plan_a"], cast.grassroots_a, days_ago=2, points=[cell], title=f"Phiên {i}")


URLS = {
    "list": lambda c, cs: reverse("campaigns:list"),
    "documents": lambda c, cs: reverse("campaigns:documents"),
    "detail": lambda c, cs: reverse("campaigns:detail", args=[cs["provincial"].pk]),
    "plan": lambda c, cs: reverse("campaigns:detail", args=[cs["plan_a"].pk]),
    "province": lambda c, cs: reverse("campaigns:participation", args=[cs["provincial"].pk]),
    "committee": lambda c, cs: reverse("campaigns:participation_org", args=[cs["provincial"].pk, c.committee_a.pk]),
    "grassroots": lambda c, cs: (
        reverse("campaigns:participation_org", args=[cs["provincial"].pk, c.grassroots_a.pk]) + "?names=1"
    ),
    "cell": lambda c, cs: reverse("campaigns:participation_org", args=[cs["provincial"].pk, c.cell_a.pk]),
    "dashboard": lambda c, cs: reverse("campaigns:dashboard"),
}
# Measured (7 of them are the session, the user, the scope and the session save) and pinned.
BUDGET = {
    "list": 10,
    "documents": 9,
    "detail": 17,
    "plan": 14,
    "province": 20,
    "committee": 22,
    "grassroots": 24,
    "cell": 24,
    "dashboard": 20,
}


@pytest.mark.parametrize("size", [0, 8])
@pytest.mark.parametrize("page", list(URLS))
def test_pages_run_a_constant_number_of_queries(cast, campaigns, login, django_assert_max_num_queries, size, page):
    _grow(cast, campaigns, size)
    client = login(cast.staff)
    url = URLS[page](cast, campaigns)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(BUDGET[page]):
        response = client.get(url)
    assert response.status_code == 200

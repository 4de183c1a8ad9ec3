"""The campaigns admin: scoped for officers, every write through the services."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, ConnectionPoint, Document, Speaker, StudySession
from campaigns.tests.factories import make_campaign, make_document, make_session
from organisations.models import AuditEntry
from portal.testing.matrix import fingerprint

S = Campaign.Status


def test_officer_sees_the_provincial_campaign_read_only_and_their_plan_editable(cast, login):
    provincial = make_campaign(cast.province, title="Học tập Kết luận 21")
    plans = {p.organisation_id: p for p in services.campaign_cascade(actor=None, campaign=provincial).created}
    client = login(cast.officer_a)
    listing = client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert f"/admin/campaigns/campaign/{provincial.pk}/change/" in listing
    assert f"/admin/campaigns/campaign/{plans[cast.committee_a.pk].pk}/change/" in listing
    assert f"/admin/campaigns/campaign/{plans[cast.committee_b.pk].pk}/change/" not in listing
    page = client.get(reverse("admin:campaigns_campaign_change", args=[provincial.pk]))
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()  # read-only
    plan_page = client.get(reverse("admin:campaigns_campaign_change", args=[plans[cast.committee_a.pk].pk]))
    body = plan_page.content.decode()
    assert 'name="starts_on"' in body and 'name="target_rate"' not in body  # only the plan's own dates
    outside = client.get(reverse("admin:campaigns_campaign_change", args=[plans[cast.committee_b.pk].pk]))
    assert outside.status_code == 404


def test_a_refused_admin_change_leaves_the_database_unchanged(cast, login):
    provincial = make_campaign(cast.province)
    client = login(cast.officer_a)
    before = fingerprint()
    response = client.post(reverse("admin:campaigns_campaign_change", args=[provincial.pk]), {"title": "Đổi"})
    assert response.status_code == 403
    assert fingerprint() == before


def test_staff_add_a_campaign_in_the_admin_through_the_service(cast, login):
    document = make_document()
    today = timezone.localdate()
    response = login(cast.staff).post(
        reverse("admin:campaigns_campaign_add"),
        {
            "title": "Học tập Nghị quyết 57",
            "organisation": cast.province.pk,
            "documents": [document.pk],
            "audience": [cast.committee_a.pk],
            "include_official": "on",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=30)).isoformat(),
            "target_rate": "95",
            "essay_min_words": "0",
            "plans-TOTAL_FORMS": "0",
            "plans-INITIAL_FORMS": "0",
            "sessions-TOTAL_FORMS": "0",
            "sessions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.target_rate, campaign.created_by) == (S.DRAFT, 95, cast.staff)
    assert list(campaign.audience.all()) == [cast.committee_a]
    assert AuditEntry.objects.filter(target_type="campaigns.campaign", action="create", actor=cast.staff).exists()


def test_admin_actions_cascade_and_open_through_the_services(cast, login):
    campaign = make_campaign(cast.province, status=S.DRAFT)
    client = login(cast.staff)
    url = reverse("admin:campaigns_campaign_changelist")
    client.post(url, {"action": "cascade_selected", "_selected_action": [campaign.pk]})
    client.post(url, {"action": "open_selected", "_selected_action": [campaign.pk]})
    assert set(Campaign.objects.values_list("status", flat=True)) == {S.OPEN}
    assert campaign.plans.count() == 2


def test_an_officer_cannot_close_the_provincial_campaign_by_an_admin_action(cast, login):
    campaign = make_campaign(cast.province)
    login(cast.officer_a).post(
        reverse("admin:campaigns_campaign_changelist"), {"action": "close_selected", "_selected_action": [campaign.pk]}
    )
    assert Campaign.objects.get(pk=campaign.pk).status == S.OPEN


def test_staff_add_a_hybrid_session_with_inline_speakers_and_points(cast, login):
    campaign = make_campaign(cast.province)
    start = timezone.localtime() + dt.timedelta(days=2)
    response = login(cast.staff).post(
        reverse("admin:campaigns_studysession_add"),
        {
            "campaign": campaign.pk,
            "title": "Hội nghị trực tuyến",
            "organisation": cast.province.pk,
            "kind": "main",
            "format": "hybrid",
            "starts_at_0": start.strftime("%d/%m/%Y"),
            "starts_at_1": "07:30",
            "ends_at_0": start.strftime("%d/%m/%Y"),
            "ends_at_1": "11:30",
            "venue": "Hội trường Tỉnh ủy",
            "speakers-TOTAL_FORMS": "1",
            "speakers-INITIAL_FORMS": "0",
            "speakers-0-name": "Nguyễn Văn Báo",
            "points-TOTAL_FORMS": "2",
            "points-INITIAL_FORMS": "0",
            "points-0-host": cast.committee_a.pk,
            "points-0-venue": "Hội trường Huyện ủy Tuy An",
            "points-1-host": cast.committee_b.pk,
            "points-1-venue": "Hội trường Thị ủy Sông Cầu",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    session = StudySession.objects.get()
    assert session.checkin_secret and Speaker.objects.get().name == "Nguyễn Văn Báo"
    assert ConnectionPoint.objects.filter(session=session).count() == 2
    assert AuditEntry.objects.filter(target_type="campaigns.studysession", actor=cast.staff).exists()


def test_a_session_rule_broken_in_the_admin_is_a_message_and_nothing_saved(cast, login):
    campaign = make_campaign(cast.province)
    start = timezone.localtime() + dt.timedelta(days=2)
    response = login(cast.staff).post(
        reverse("admin:campaigns_studysession_add"),
        {
            "campaign": campaign.pk,
            "title": "Hội nghị",
            "organisation": cast.province.pk,
            "kind": "main",
            "format": "in_person",
            "starts_at_0": start.strftime("%d/%m/%Y"),
            "starts_at_1": "07:30",
            "ends_at_0": start.strftime("%d/%m/%Y"),
            "ends_at_1": "11:30",
            "speakers-TOTAL_FORMS": "0",
            "speakers-INITIAL_FORMS": "0",
            "points-TOTAL_FORMS": "1",
            "points-INITIAL_FORMS": "0",
            "points-0-host": cast.committee_a.pk,
            "points-0-venue": "Hội trường",
        },
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not StudySession.objects.exists() and not ConnectionPoint.objects.exists()


def test_officer_b_cannot_open_committee_a_sessions_in_the_admin(cast, login):
    campaign = make_campaign(cast.committee_a)
    session = make_session(campaign)
    assert (
        login(cast.officer_b).get(reverse("admin:campaigns_studysession_change", args=[session.pk])).status_code == 404
    )
    assert (
        login(cast.officer_a).get(reverse("admin:campaigns_studysession_change", args=[session.pk])).status_code == 200
    )


def test_documents_are_searched_without_diacritics_in_the_admin(cast, login):
    make_document()
    make_document(number_symbol="57-NQ/TW", issued_on=dt.date(2024, 12, 22), title="Về khoa học, công nghệ")
    page = login(cast.staff).get(reverse("admin:campaigns_document_changelist") + "?q=khoa+hoc").content.decode()
    assert "57-NQ/TW" in page and "21-KL/TW" not in page
    assert Document.objects.count() == 2

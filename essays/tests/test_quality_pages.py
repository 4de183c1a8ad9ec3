"""The quality pages: drill-down from the province to names, who may open them, constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import StudySession
from campaigns.tests.factories import attend, make_session
from essays.models import Essay
from essays.quality import Show
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.tests.factories import PersonFactory


@pytest.fixture
def campaign(cast):
    campaign = make_essay_campaign(cast.province, deadline=-dt.timedelta(days=2))
    make_essay(campaign, cast.person_a, passed=True, released=True)
    make_essay(campaign, cast.person_b, passed=False, released=True)
    make_essay(campaign, cast.person_a2, status=Essay.Status.SUBMITTED, is_late=True)
    return campaign


def test_staff_drill_down_from_the_province_to_names(cast, campaign, client):
    client.force_login(cast.staff)
    province = client.get(reverse("essays:quality", args=[campaign.pk]))
    assert province.status_code == 200
    assert province.context["total"].required == 6 and province.context["total"].submitted == 3
    rows = {row.organisation: row.figures for row in province.context["rows"]}
    assert rows[cast.committee_a].submitted == 2 and rows[cast.committee_b].must_restudy == 1
    assert "names" not in province.context  # names only at the bottom, or on request
    html = province.content.decode()
    assert reverse("essays:quality_org", args=[campaign.pk, cast.committee_a.pk]) in html

    cell = client.get(reverse("essays:quality_org", args=[campaign.pk, cast.cell_b.pk]))
    assert cell.context["show"] == Show.NOT_SUBMITTED
    assert [p.full_name for p in cell.context["names"]] == ["Hoàng Văn Em", "Võ Thị Hoa"]
    failed = client.get(reverse("essays:quality_org", args=[campaign.pk, cast.cell_b.pk]), {"show": "failed"})
    assert [p.full_name for p in failed.context["names"]] == ["Phạm Thị Dung"]
    late = client.get(
        reverse("essays:quality_org", args=[campaign.pk, cast.committee_a.pk]), {"names": "1", "show": "late"}
    )
    assert [p.full_name for p in late.context["names"]] == ["Lê Văn Cường"]


def test_officer_starts_at_their_committee_and_cannot_open_the_other(cast, campaign, client):
    client.force_login(cast.officer_a)
    response = client.get(reverse("essays:quality", args=[campaign.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("essays:quality_org", args=[campaign.pk, cast.committee_a.pk])
    assert client.get(reverse("essays:quality_org", args=[campaign.pk, cast.committee_b.pk])).status_code == 404
    assert client.get(reverse("essays:quality_org", args=[campaign.pk, cast.province.pk])).status_code == 404


def test_a_plan_answers_with_its_provincial_campaigns_page(cast, campaign, client):
    plan = campaign_services.campaign_cascade(actor=None, campaign=campaign).created[0]
    client.force_login(cast.staff)
    response = client.get(reverse("essays:quality", args=[plan.pk]))
    assert response["Location"] == reverse("essays:quality", args=[campaign.pk])


@pytest.mark.parametrize("user", ["secretary_a"])
def test_a_secretary_may_not_read_the_quality_figures(cast, campaign, client, user):
    client.force_login(getattr(cast, user))
    assert client.get(reverse("essays:quality", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("essays:quality_org", args=[campaign.pk, cast.cell_a.pk])).status_code == 403


def test_a_member_gets_not_found_even_for_a_campaign_that_concerns_them(cast, campaign, client):
    client.force_login(cast.member_a)
    assert client.get(reverse("essays:quality", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("essays:restudy", args=[campaign.pk])).status_code == 404


def test_the_page_shows_the_grade_distribution_and_participation(cast, campaign, client):
    session = make_session(campaign, days_ago=3)
    attend(session, [cast.person_a, cast.person_b])
    client.force_login(cast.staff)
    response = client.get(reverse("essays:quality", args=[campaign.pk]))
    distribution = response.context["distribution"]
    assert [d["count"] for d in distribution] == [1, 0, 0, 0, 1]
    assert response.context["result"].participation.studied == 2
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html


def grow(cast, campaign, size):
    """``size`` more people in each cell, with essays in every state, and a re-study session."""
    restudy = make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=1)
    week_ago = timezone.now() - dt.timedelta(days=7)
    for cell in (cast.cell_a, cast.cell_a2, cast.cell_b):
        for i in range(size):
            person = PersonFactory(organisation=cell)
            if i % 4 == 0:
                make_essay(campaign, person, passed=False, released=True, graded_at=week_ago)
                if i % 8 == 0:
                    attend(restudy, [person])
            elif i % 4 == 1:
                make_essay(campaign, person, passed=True, released=True)
            elif i % 4 == 2:
                make_essay(campaign, person, status=Essay.Status.SUBMITTED)


PAGES = {
    "province": (lambda c, k: reverse("essays:quality", args=[k.pk]), 16),
    "cell_names": (lambda c, k: reverse("essays:quality_org", args=[k.pk, c.cell_a.pk]) + "?show=all", 18),
    "restudy": (lambda c, k: reverse("essays:restudy", args=[k.pk]), 17),
    "restudy_names": (lambda c, k: reverse("essays:restudy_org", args=[k.pk, c.cell_a.pk]) + "?show=failed", 19),
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("size", [2, 24])
def test_pages_run_a_constant_number_of_queries(cast, campaign, client, page, size, django_assert_max_num_queries):
    grow(cast, campaign, size)
    url, budget = PAGES[page]
    client.force_login(cast.staff)
    with django_assert_max_num_queries(budget):
        response = client.get(url(cast, campaign))
    assert response.status_code == 200
    assert response.context["total"].required >= size + 2

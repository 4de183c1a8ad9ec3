"""Similarity pages: groups as each grader may see them, the run button and status, pairs side by side."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from campaigns import services as campaign_services
from essays.models import Essay, SimilarityRun, SimilarPair
from essays.tests.factories import essay_text, make_essay, make_essay_campaign
from organisations.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _essay(campaign: Any, org: Any, body: str | None = None, person: Any = None) -> Essay:
    return make_essay(campaign, person or PersonFactory(organisation=org), status=Essay.Status.SUBMITTED, body=body)


def _world(cast: Any, extra_groups: int = 0) -> dict[str, Any]:
    """A provincial campaign with a finished run: group 1 spans cell_a and cell_b, group 2 is in cell_b only,
    then ``extra_groups`` pairs in cell_a2; person_a's essay copies the outline."""
    campaign = make_essay_campaign(cast.province)
    campaign.essay_outline = "Câu 1. Nêu nội dung cơ bản của Kết luận."
    campaign.save(update_fields=["essay_outline"])
    run = SimilarityRun.objects.create(campaign=campaign, status=SimilarityRun.Status.DONE, essays=10, pairs=3)
    a1 = _essay(campaign, cast.cell_a, person=cast.person_a, body="Câu 1. Nêu nội dung cơ bản của Kết luận. Hết.")
    a2 = _essay(campaign, cast.cell_a2, person=cast.person_a2)
    b1 = _essay(campaign, cast.cell_b, person=cast.person_b)
    b2, b3 = _essay(campaign, cast.cell_b), _essay(campaign, cast.cell_b)
    pairs = [
        SimilarPair(run=run, a=a1, b=a2, score=0.91, cluster=1, passages=[[0, 10, 0, 10]]),
        SimilarPair(run=run, a=a2, b=b1, score=0.8, cluster=1, passages=[[0, 10, 0, 10]]),
        SimilarPair(run=run, a=b2, b=b3, score=0.7, cluster=2, passages=[[0, 10, 0, 10]]),
        SimilarPair(run=run, a=a1, b=None, score=0.95, cluster=0, passages=[[0, 20, 0, 20]]),
    ]
    for n in range(extra_groups):
        pairs.append(
            SimilarPair(
                run=run,
                a=_essay(campaign, cast.cell_a2),
                b=_essay(campaign, cast.cell_a2),
                score=0.6,
                cluster=3 + n,
                passages=[],
            )
        )
    SimilarPair.objects.bulk_create(pairs)
    return {
        "campaign": campaign,
        "run": run,
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "b2": b2,
        "url": reverse("essays:similarity", args=[campaign.pk]),
    }


def test_staff_see_every_group_with_names_organisations_and_scores(cast, login):
    world = _world(cast)
    page = login(cast.staff).get(world["url"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Đã xong" in html and "đã so sánh 10 bài, 3 cặp giống nhau" in html
    assert html.count('class="card mb-2 similarity-cluster"') == 2
    assert "Nguyễn Văn An" in html and "Phạm Thị Dung" in html and "Chi bộ khu phố 1" in html
    assert "91%" in html and "ngoài phạm vi" not in html
    assert reverse("essays:grade", args=[world["a1"].pk]) in html
    assert "Kiểm tra ngay" in html
    assert "Bài chép lại đề cương" in html and "95%" in html


def test_an_officer_sees_only_their_members_and_counts_the_others(cast, login):
    world = _world(cast)
    html = login(cast.officer_a).get(world["url"]).content.decode()
    assert html.count('class="card mb-2 similarity-cluster"') == 1  # group 2 lies wholly in committee_b
    assert "Nguyễn Văn An" in html and "Lê Văn Cường" in html
    assert "Phạm Thị Dung" not in html
    assert "1 bài ngoài phạm vi của đồng chí" in html
    pair_ab = SimilarPair.objects.get(a=world["a1"], b=world["a2"])
    pair_out = SimilarPair.objects.get(a=world["a2"], b=world["b1"])
    assert reverse("essays:similarity_pair", args=[pair_ab.pk]) in html
    assert reverse("essays:similarity_pair", args=[pair_out.pk]) not in html
    assert "Kiểm tra ngay" not in html  # the provincial committee runs the checks
    assert login(cast.officer_a).post(world["url"], {"action": "run"}).status_code == 403


def test_the_committee_starts_a_check_and_sees_its_result(cast, login, django_capture_on_commit_callbacks):
    campaign = make_essay_campaign(cast.province)
    for org in (cast.cell_a, cast.cell_a2, cast.cell_b):
        _essay(campaign, org, body=essay_text(200))
    client = login(cast.staff)
    url = reverse("essays:similarity", args=[campaign.pk])
    assert "chưa được so sánh" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "run"})
    assert response.status_code == 302
    run = SimilarityRun.objects.get(campaign=campaign)
    assert run.status == SimilarityRun.Status.DONE and run.requested_by == cast.staff
    html = client.get(url).content.decode()
    assert "Đã xong" in html and "đã so sánh 3 bài" in html
    assert "Nhóm 1" in html  # the factory's essays are the same text: one group of three
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "run"})
    assert SimilarityRun.objects.filter(campaign=campaign).count() == 2


def test_a_failed_run_shows_its_error_and_a_running_one_refreshes(cast, login):
    world = _world(cast)
    SimilarityRun.objects.create(
        campaign=world["campaign"], status=SimilarityRun.Status.FAILED, error="MemoryError: out of memory"
    )
    html = login(cast.staff).get(world["url"]).content.decode()
    assert "Kiểm tra không thành công: MemoryError: out of memory" in html
    assert "Dưới đây là kết quả của lần kiểm tra xong" in html and "Nhóm 1" in html
    SimilarityRun.objects.create(campaign=world["campaign"], status=SimilarityRun.Status.RUNNING)
    html = login(cast.staff).get(world["url"]).content.decode()
    assert 'http-equiv="refresh"' in html and "Đang chạy" in html
    assert 'value="run" disabled' in html


def test_a_plan_leads_to_its_provincial_campaign(cast, login):
    campaign = make_essay_campaign(cast.province)
    plan = campaign_services.campaign_cascade(actor=None, campaign=campaign).created[0]
    response = login(cast.staff).get(reverse("essays:similarity", args=[plan.pk]))
    assert response.status_code == 302 and response.url == reverse("essays:similarity", args=[campaign.pk])


def test_the_pair_page_marks_the_shared_passages_and_escapes_the_text(cast, login):
    campaign = make_essay_campaign(cast.province)
    text_a = "Mở đầu. <script>alert(1)</script> Đoạn chung của hai bài. Kết thúc A."
    text_b = "Khác hẳn. Đoạn chung của hai bài. Kết thúc B."
    a = _essay(campaign, cast.cell_a, body=text_a, person=cast.person_a)
    b = _essay(campaign, cast.cell_a2, body=text_b, person=cast.person_a2)
    run = SimilarityRun.objects.create(campaign=campaign, status=SimilarityRun.Status.DONE)
    start_a, start_b = text_a.index("Đoạn"), text_b.index("Đoạn")
    length = len("Đoạn chung của hai bài")
    pair = SimilarPair.objects.create(
        run=run, a=a, b=b, score=0.75, cluster=1, passages=[[start_a, start_a + length, start_b, start_b + length]]
    )
    html = login(cast.officer_a).get(reverse("essays:similarity_pair", args=[pair.pk])).content.decode()
    assert html.count('<mark><span class="passage-no">1</span>Đoạn chung của hai bài</mark>') == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Nguyễn Văn An" in html and "Lê Văn Cường" in html and "75%" in html
    assert reverse("essays:grade", args=[a.pk]) in html


def test_the_outline_pair_shows_the_outline(cast, login):
    world = _world(cast)
    pair = SimilarPair.objects.get(b=None)
    html = login(cast.staff).get(reverse("essays:similarity_pair", args=[pair.pk])).content.decode()
    assert "Đề cương chính thức" in html
    assert html.count("<mark>") == 2 and "Câu 1. Nêu nội dung" in html
    assert world["a1"].person.full_name in html


def test_a_pair_with_one_essay_outside_the_graders_scope_is_not_found(cast, login):
    world = _world(cast)
    pair_out = SimilarPair.objects.get(a=world["a2"], b=world["b1"])
    assert login(cast.officer_a).get(reverse("essays:similarity_pair", args=[pair_out.pk])).status_code == 404
    assert login(cast.staff).get(reverse("essays:similarity_pair", args=[pair_out.pk])).status_code == 200


@pytest.mark.parametrize("user", ["staff", "officer_a"])
def test_the_page_reads_a_fixed_number_of_queries(cast, login, django_assert_max_num_queries, user):
    small = _world(cast)
    client = login(getattr(cast, user))
    client.get(small["url"])  # warm the session and scope caches
    with django_assert_max_num_queries(14) as few:
        client.get(small["url"])
    SimilarPair.objects.all().delete()
    SimilarityRun.objects.all().delete()
    Essay.objects.all().delete()
    large = _world(cast, extra_groups=12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(large["url"]).content.decode()
    assert html.count('class="card mb-2 similarity-cluster"') >= 13

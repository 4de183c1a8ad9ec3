"""Grading pages: the queue with its filters, the grade page and its "next essay" flow, releasing, the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from essays import grading, rules
from essays.models import Criterion, Essay, GradeChange, GradeLevel, GradeRelease
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.models import AuditEntry
from organisations.tests.factories import PersonFactory

S = Essay.Status


@pytest.fixture
def campaign(cast):
    return make_essay_campaign(cast.province, title="Học tập Kết luận 21-KL/TW")


def submitted(campaign, person, minutes_ago: int = 60, **fields) -> Essay:
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return make_essay(campaign, person, status=S.SUBMITTED, submitted_at=when, **fields)


def people_in(org, count: int, prefix: str = "Người") -> list:
    return [PersonFactory(full_name=f"{prefix} Thứ {i}", organisation=org) for i in range(count)]


# --------------------------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------------------------


def test_the_queue_lists_the_graders_subtree_only_oldest_first(cast, campaign, login):
    late = submitted(campaign, cast.person_a2, minutes_ago=10, is_late=True)
    early = submitted(campaign, cast.person_a, minutes_ago=90)
    submitted(campaign, cast.person_b)
    make_essay(campaign, PersonFactory(full_name="Đỗ Văn Khoa", organisation=cast.cell_a))  # a draft
    body = login(cast.officer_a).get(reverse("essays:grading")).content.decode()
    assert body.index(early.person.full_name) < body.index(late.person.full_name)
    assert cast.person_b.full_name not in body and "Đỗ Văn Khoa" not in body
    assert reverse("essays:grade", args=[early.pk]) in body


def test_the_queue_filters_by_organisation_status_late_and_similarity(cast, campaign, login):
    a = submitted(campaign, cast.person_a, similarity=0.82)
    a2 = submitted(campaign, cast.person_a2, is_late=True)
    graded = make_essay(campaign, PersonFactory(full_name="Ngô Thị Lan", organisation=cast.cell_a2), passed=True)
    client = login(cast.officer_a)
    url = reverse("essays:grading")

    def names(**params) -> set[str]:
        rows = grading.queue(cast.officer_a, grading.QueueFilters())  # noqa: F841 - the page is what counts
        body = client.get(url, params).content.decode()
        return {e.person.full_name for e in (a, a2, graded) if f"{e.person.full_name}</a>" in body}

    assert names() == {a.person.full_name, a2.person.full_name}
    assert names(org=cast.cell_a2.pk) == {a2.person.full_name}
    assert names(late="1") == {a2.person.full_name}
    assert names(similarity="0.7") == {a.person.full_name}
    assert names(status="graded") == {graded.person.full_name}
    assert names(status="all") == {a.person.full_name, a2.person.full_name, graded.person.full_name}
    assert names(campaign=make_essay_campaign(cast.province, title="Khác").pk) == set()
    # The organisation picker offers the children of the chosen organisation with their counts.
    body = client.get(url, {"org": cast.grassroots_a.pk}).content.decode()
    assert f"org={cast.cell_a.pk}" in body and f"org={cast.cell_a2.pk}" in body


def test_an_organisation_outside_the_graders_scope_is_not_found(cast, campaign, login):
    response = login(cast.officer_a).get(reverse("essays:grading"), {"org": cast.cell_b.pk})
    assert response.status_code == 404


def test_the_queue_query_count_does_not_grow_with_the_essays(cast, campaign, login):
    """Measured at 3 and at 30 essays (two organisations, every filter on): the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.officer_a)
    url = reverse("essays:grading")
    views = [
        {},
        {"campaign": campaign.pk, "org": cast.grassroots_a.pk, "status": "all", "late": "1", "similarity": "0.5"},
    ]
    counted: dict[int, list[int]] = {}
    made = 0
    for size in (3, 30):
        while made < size:
            org = cast.cell_a if made % 3 else cast.cell_a2
            person = PersonFactory(full_name=f"Người Thứ {made}", organisation=org)
            submitted(campaign, person, minutes_ago=made + 1, similarity=0.6, is_late=True)
            made += 1
        client.get(url)  # the session and the language settle first
        counted[size] = []
        for params in views:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params)
            assert response.status_code == 200
            assert response.content.decode().count('class="stack-title"') == size
            counted[size].append(len(queries))
    assert counted[3] == counted[30], counted
    assert max(counted[30]) <= 16, counted


# --------------------------------------------------------------------------------------------
# The grade page
# --------------------------------------------------------------------------------------------


def test_the_grade_page_shows_the_essay_its_context_and_the_scale(cast, campaign, login):
    Criterion.objects.create(campaign=campaign, title="Liên hệ thực tiễn địa phương", order=1)
    first = make_essay(campaign, cast.person_a, passed=False, released=True, grade_comment="Thiếu liên hệ bản thân.")
    essay = make_essay(
        campaign,
        cast.person_a,
        attempt=2,
        status=S.SUBMITTED,
        is_late=True,
        similarity=0.91,
        body="Đoạn thứ nhất.\n\nĐoạn thứ hai.",
    )
    body = login(cast.officer_a).get(reverse("essays:grade", args=[essay.pk])).content.decode()
    assert "<p>Đoạn thứ nhất.</p>" in body and "<p>Đoạn thứ hai.</p>" in body
    assert cast.cell_a.name in body and cast.grassroots_a.name in body
    assert reverse("essays:detail", args=[first.pk]) in body and "Thiếu liên hệ bản thân." in body
    assert "91%" in body
    for level in rules.ensure_scale(campaign):
        assert f">{level.label}</label>" in body
    assert "Liên hệ thực tiễn địa phương" in body and f'name="note_{campaign.essay_criteria.get().pk}"' in body
    assert 'name="state"' in body


def test_an_uploaded_essay_links_its_file_and_shows_the_extraction_state(cast, campaign, login):
    essay = submitted(
        campaign,
        cast.person_a,
        body="",
        file="essays/x.pdf",
        file_name="bai-thu-hoach.pdf",
        file_type=Essay.FileType.PDF,
        file_size=1234,
        extraction=Essay.Extraction.FAILED,
        extraction_error="PdfReadError",
    )
    body = login(cast.officer_a).get(reverse("essays:grade", args=[essay.pk])).content.decode()
    assert reverse("essays:file", args=[essay.pk]) in body and "bai-thu-hoach.pdf" in body
    assert "PdfReadError" in body


def test_grading_goes_on_to_the_next_essay_of_the_same_list(cast, campaign, login):
    first = submitted(campaign, cast.person_a, minutes_ago=30)
    second = submitted(campaign, cast.person_a2, minutes_ago=20)
    other_cell = submitted(campaign, PersonFactory(full_name="Lý Văn Minh", organisation=cast.cell_a), minutes_ago=10)
    client = login(cast.officer_a)
    query = f"org={cast.cell_a.pk}"
    url = f"{reverse('essays:grade', args=[first.pk])}?{query}"
    page = client.get(url)
    level = rules.ensure_scale(campaign)[1]
    response = client.post(
        url, {"grade": level.pk, "comment": "Khá đầy đủ.", "state": page.context["form"]["state"].value()}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('essays:grade', args=[other_cell.pk])}?{query}"  # second is in cell_a2
    first.refresh_from_db()
    assert (first.grade, first.grade_comment) == (level, "Khá đầy đủ.")
    # The last essay of the list leads back to the list.
    url = f"{reverse('essays:grade', args=[other_cell.pk])}?{query}"
    response = client.post(url, {"grade": level.pk, "state": client.get(url).context["form"]["state"].value()})
    assert response["Location"] == f"{reverse('essays:grading')}?{query}"
    assert Essay.objects.get(pk=second.pk).status == S.SUBMITTED


def test_a_failing_grade_without_a_comment_is_refused_on_the_form(cast, campaign, login):
    essay = submitted(campaign, cast.person_a)
    fail = next(level for level in rules.ensure_scale(campaign) if not level.passing)
    response = login(cast.officer_a).post(reverse("essays:grade", args=[essay.pk]), {"grade": fail.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["comment"]
    assert Essay.objects.get(pk=essay.pk).status == S.SUBMITTED


def test_a_grader_who_saves_after_a_colleague_sees_the_colleagues_grade(cast, campaign, client):
    essay = submitted(campaign, cast.person_a)
    url = reverse("essays:grade", args=[essay.pk])
    scale = rules.ensure_scale(campaign)
    client.force_login(cast.staff)
    stale = client.get(url).context["form"]["state"].value()
    grading.grade(actor=cast.officer_a, essay=essay, grade=scale[0], comment="Bài viết sâu sắc, liên hệ tốt.")
    response = client.post(url, {"grade": scale[-1].pk, "comment": "Sơ sài.", "state": stale})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Bài viết sâu sắc, liên hệ tốt." in body and scale[0].label in body
    essay.refresh_from_db()
    assert (essay.grade, essay.graded_by) == (scale[0], cast.officer_a)
    # The form now carries the current state: saving again replaces the grade deliberately.
    fresh = response.context["form"]["state"].value()
    assert client.post(url, {"grade": scale[-1].pk, "comment": "Sơ sài.", "state": fresh}).status_code == 302
    assert Essay.objects.get(pk=essay.pk).grade == scale[-1]


def test_a_released_grade_can_be_changed_and_the_member_sees_the_current_one(cast, campaign, login, client):
    essay = make_essay(campaign, cast.person_a, passed=True, released=True)
    fail = next(level for level in rules.ensure_scale(campaign) if not level.passing)
    grader = login(cast.officer_a)
    url = reverse("essays:grade", args=[essay.pk])
    page = grader.get(url)
    assert "Kết quả này đã được công bố ngày" in page.content.decode()
    state = page.context["form"]["state"].value()
    grader.post(url, {"grade": fail.pk, "comment": "Phát hiện sao chép.", "state": state})
    assert GradeChange.objects.get(essay=essay).after_release
    client.force_login(cast.member_a)
    detail = client.get(reverse("essays:detail", args=[essay.pk])).content.decode()
    assert fail.label in detail


def test_a_draft_has_no_grading_form(cast, campaign, login):
    essay = make_essay(campaign, cast.person_a)
    client = login(cast.officer_a)
    response = client.get(reverse("essays:grade", args=[essay.pk]))
    assert response.status_code == 200 and 'name="grade"' not in response.content.decode()
    level = rules.ensure_scale(campaign)[0]
    assert client.post(reverse("essays:grade", args=[essay.pk]), {"grade": level.pk}).status_code == 409
    assert Essay.objects.get(pk=essay.pk).status == S.DRAFT


# --------------------------------------------------------------------------------------------
# Releasing
# --------------------------------------------------------------------------------------------


def test_the_release_page_counts_per_organisation_and_releases_after_confirmation(cast, campaign, login, client):
    graded = make_essay(campaign, cast.person_a, passed=True)
    make_essay(campaign, cast.person_a2, passed=True)
    submitted(campaign, PersonFactory(full_name="Trịnh Văn Nam", organisation=cast.cell_a2))
    make_essay(campaign, cast.person_b, passed=True)
    officer = login(cast.officer_a)
    url = reverse("essays:release", args=[campaign.pk])
    page = officer.get(url)
    assert page.status_code == 200
    assert page.context["organisation"] == cast.committee_a  # the officer's part of the province
    total = page.context["total"]
    assert (total.to_release, total.ungraded) == (2, 1)
    assert officer.post(url, {"org": cast.committee_a.pk}).status_code == 400  # not confirmed
    assert not Essay.objects.filter(released_at__isnull=False).exists()
    response = officer.post(url, {"org": cast.committee_a.pk, "confirm": "1"})
    assert response.status_code == 302
    assert Essay.objects.filter(released_at__isnull=False).count() == 2
    assert officer.post(url, {"org": cast.committee_a.pk, "confirm": "1"}).status_code == 302  # a double submit
    assert GradeRelease.objects.count() == 1
    client.force_login(cast.member_a)
    assert graded.grade.label in client.get(reverse("essays:detail", args=[graded.pk])).content.decode()


def test_staff_drill_down_from_the_province_and_release_one_committee(cast, campaign, login):
    make_essay(campaign, cast.person_a, passed=True)
    make_essay(campaign, cast.person_b, passed=True)
    client = login(cast.staff)
    url = reverse("essays:release", args=[campaign.pk])
    page = client.get(url)
    assert [row.organisation for row in page.context["rows"]] == [cast.committee_a, cast.committee_b]
    client.post(url, {"org": cast.committee_b.pk, "confirm": "1"})
    assert list(Essay.objects.filter(released_at__isnull=False).values_list("person", flat=True)) == [cast.person_b.pk]
    assert AuditEntry.objects.filter(action=grading.RELEASE_ACTION, organisation=cast.committee_b).exists()


def test_releasing_outside_ones_scope_is_not_found(cast, campaign, login):
    make_essay(campaign, cast.person_b, passed=True)
    response = login(cast.officer_a).post(
        reverse("essays:release", args=[campaign.pk]), {"org": cast.committee_b.pk, "confirm": "1"}
    )
    assert response.status_code == 404
    assert not Essay.objects.filter(released_at__isnull=False).exists()


# --------------------------------------------------------------------------------------------
# The admin
# --------------------------------------------------------------------------------------------


def _inline_data(prefix: str, rows: list[dict], initial: int) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def test_the_campaign_admin_page_shows_and_saves_the_grading_scale_and_criteria(cast, campaign, login):
    client = login(cast.staff)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(url)
    body = page.content.decode()
    scale = rules.ensure_scale(campaign)  # shown as the default scale, editable
    assert f'value="{scale[0].label}"' in body
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data["documents"] = [d.pk for d in campaign.documents.all()]
    data["audience"] = [o.pk for o in campaign.audience.all()]
    data["organisation"] = campaign.organisation_id
    for key in ("include_official", "include_probationary", "include_non_party", "essay_required"):
        if data.get(key):
            data[key] = "on"
        else:
            data.pop(key, None)
    for key in ("essay_deadline", "essay_cutoff"):
        value = getattr(campaign, key)
        if value is not None:
            local = timezone.localtime(value)
            data[f"{key}_0"], data[f"{key}_1"] = local.strftime("%d/%m/%Y"), local.strftime("%H:%M:%S")
        data.pop(key, None)
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        if formset.formset.model is GradeLevel:
            rows = [
                {
                    "id": lv.pk,
                    "campaign": campaign.pk,
                    "label": lv.label,
                    "order": lv.order,
                    "passing": "on" if lv.passing else "",
                }
                for lv in scale
            ]
            rows[3]["label"] = "Trung bình"
            rows.append({"campaign": campaign.pk, "label": "Kém", "order": 9, "passing": ""})
            data.update(_inline_data(prefix, rows, len(scale)))
        elif formset.formset.model is Criterion:
            data.update(_inline_data(prefix, [{"campaign": campaign.pk, "title": "Liên hệ bản thân", "order": 0}], 0))
        else:
            data.update(_inline_data(prefix, [], 0))
            data[f"{prefix}-INITIAL_FORMS"] = str(formset.formset.initial_form_count())
            data[f"{prefix}-TOTAL_FORMS"] = str(formset.formset.initial_form_count())
            for i, obj in enumerate(formset.formset.queryset):
                data[f"{prefix}-{i}-id"] = obj.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    labels = list(GradeLevel.objects.filter(campaign=campaign).values_list("label", "passing"))
    assert ("Trung bình", True) in labels and ("Kém", False) in labels
    assert list(campaign.essay_criteria.values_list("title", flat=True)) == ["Liên hệ bản thân"]
    assert AuditEntry.objects.filter(action=grading.SCALE_ACTION, actor=cast.staff).exists()


def test_the_essay_admin_lists_the_officers_subtree_read_only(cast, campaign, login):
    submitted(campaign, cast.person_a)
    outside = submitted(campaign, cast.person_b)
    client = login(cast.officer_a)
    body = client.get(reverse("admin:essays_essay_changelist")).content.decode()
    assert cast.person_a.full_name in body and cast.person_b.full_name not in body
    assert client.get(reverse("admin:essays_essay_change", args=[outside.pk])).status_code == 404
    own = Essay.objects.get(person=cast.person_a)
    page = client.get(reverse("admin:essays_essay_change", args=[own.pk])).content.decode()
    assert 'name="grade"' not in page and own.body[:40] not in page  # facts only, never the text


def test_the_essay_admin_names_the_grader_in_vietnamese(cast, campaign, login):
    essay = make_essay(campaign, cast.person_a, passed=True, graded_by=cast.officer_b)
    cast.officer_b.first_name, cast.officer_b.last_name = "Tấn", "Lê Văn"
    cast.officer_b.save()
    page = login(cast.staff).get(reverse("admin:essays_essay_change", args=[essay.pk])).content.decode()
    assert "Người chấm:" in page and "Graded by" not in page
    assert cast.officer_b.get_full_name() in page


def test_the_note_for_members_names_the_grade_before_a_change_after_release(cast, campaign):
    from django.template.loader import render_to_string

    essay = make_essay(campaign, cast.person_a, passed=True, released=True)
    fail = next(level for level in rules.ensure_scale(campaign) if not level.passing)
    grading.grade(actor=cast.officer_a, essay=essay, grade=fail, comment="Phát hiện sao chép.")
    change = grading.changed_after_release([essay.pk])[essay.pk]
    html = render_to_string("essays/grading_changed_note.html", {"change": change})
    assert "sau khi công bố" in html and f"trước đó: {essay.grade.label}" in html
    assert render_to_string("essays/grading_changed_note.html", {"change": None}).strip() == ""


def test_the_similarity_figure_links_the_closest_pair_of_the_latest_check(cast, campaign, login):
    from essays.models import SimilarityRun, SimilarPair

    essay = submitted(campaign, cast.person_a, similarity=0.88)
    copy = submitted(campaign, cast.person_a2, similarity=0.88)
    other = submitted(campaign, PersonFactory(full_name="Mai Văn Phúc", organisation=cast.cell_a2), similarity=0.6)
    old = SimilarityRun.objects.create(
        campaign=campaign, status=SimilarityRun.Status.DONE, finished_at=timezone.now() - dt.timedelta(days=2)
    )
    SimilarPair.objects.create(run=old, a=essay, b=other, score=0.95)
    run = SimilarityRun.objects.create(campaign=campaign, status=SimilarityRun.Status.DONE, finished_at=timezone.now())
    weaker = SimilarPair.objects.create(run=run, a=other, b=essay, score=0.6)
    closest = SimilarPair.objects.create(run=run, a=copy, b=essay, score=0.88)
    body = login(cast.officer_a).get(reverse("essays:grade", args=[essay.pk])).content.decode()
    assert reverse("essays:similarity_pair", args=[closest.pk]) in body
    assert reverse("essays:similarity_pair", args=[weaker.pk]) not in body

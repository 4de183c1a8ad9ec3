"""Similar essays: the algorithm (near-copies, diacritics, boilerplate, passages), runs, the task and the schedule."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from essays import similarity
from essays.demo import OUTLINE, Writer, strip_diacritics
from essays.models import Essay, SimilarityRun, SimilarPair
from essays.similarity import MemoryCorpus, compare
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.models import AuditEntry
from organisations.tests.factories import PersonFactory
from portal.lib.errors import DomainError

TODAY = dt.date(2025, 5, 20)


def essays(count: int, seed: int = 7) -> dict[int, tuple[int, str]]:
    """``count`` unrelated demo essays, {key: (owner, text)}: they share set phrases, as real ones do."""
    writer = Writer(random.Random(seed))
    return {
        key: (
            key,
            writer.text(
                writer.sections(),
                name=f"Người viết {key}",
                org=f"Chi bộ thôn {key}",
                unit="Đảng bộ xã An Dân",
                role="đảng viên",
                today=TODAY,
            ),
        )
        for key in range(1, count + 1)
    }


def pairs(result: similarity.Result) -> set[tuple[int, int | None]]:
    return {(m.a, m.b) for m in result.matches}


def test_unrelated_essays_are_not_paired():
    result = compare(MemoryCorpus(essays(40)))
    assert result.compared == 40
    assert pairs(result) == set()
    assert result.common > 0  # the set phrases every essay shares were dropped


def test_a_copy_with_small_changes_is_found_with_its_score():
    corpus = essays(40)
    writer = Writer(random.Random(3))
    sections = writer.sections()
    for key in (101, 102):  # the same essay, a few sentences rewritten in the copy
        text = writer.text(
            sections if key == 101 else writer.variant(sections, changes=2),
            name=f"Người {key}",
            org="Chi bộ khu phố 1",
            unit="Đảng bộ phường Xuân Phú",
            role="đảng viên",
            today=TODAY,
        )
        corpus[key] = (key, text)
    result = compare(MemoryCorpus(corpus))
    assert pairs(result) == {(101, 102)}
    match = result.matches[0]
    assert 0.6 <= match.score <= 1.0
    assert match.cluster == 1
    assert result.best == {101: match.score, 102: match.score}


def test_diacritics_do_not_hide_a_copy():
    corpus = essays(30)
    corpus[100] = (100, strip_diacritics(corpus[5][1]))  # the same essay typed without accents
    result = compare(MemoryCorpus(corpus))
    assert pairs(result) == {(5, 100)}
    assert result.matches[0].score > 0.95


def test_decomposed_text_is_the_same_text():
    import unicodedata

    corpus = essays(30)
    corpus[100] = (100, unicodedata.normalize("NFD", corpus[8][1]))
    result = compare(MemoryCorpus(corpus))
    assert pairs(result) == {(8, 100)}
    a_start, a_end, b_start, b_end = result.matches[0].passages[0]
    assert unicodedata.normalize("NFC", corpus[100][1][b_start:b_end]) == corpus[8][1][a_start:a_end]


def test_boilerplate_everyone_shares_does_not_make_everyone_alike():
    boilerplate = (
        "Thực hiện Kế hoạch của Ban Thường vụ Tỉnh ủy về việc tổ chức học tập, quán triệt Kết luận số 21-KL/TW "
        "của Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khóa XIII về đẩy mạnh xây dựng, chỉnh đốn Đảng và "
        "hệ thống chính trị; kiên quyết ngăn chặn, đẩy lùi, xử lý nghiêm cán bộ, đảng viên suy thoái về tư tưởng "
        "chính trị, đạo đức, lối sống, biểu hiện tự diễn biến, tự chuyển hóa, tôi xin trình bày bài thu hoạch như sau."
    )
    corpus = {key: (owner, boilerplate + "\n\n" + text) for key, (owner, text) in essays(30).items()}
    result = compare(MemoryCorpus(corpus))
    assert pairs(result) == set()


def test_passages_are_the_shared_text_in_both_originals():
    corpus = essays(30)
    shared = corpus[1][1].split("\n\n")[2]  # the first section, heading and sentences
    corpus[200] = (200, corpus[2][1].split("\n\n")[0] + "\n\n" + shared + "\n\n" + corpus[3][1].split("\n\n")[3])
    corpus[201] = (201, "Tôi viết lại như sau.\n\n" + shared + "\n\nHết.")
    result = compare(MemoryCorpus(corpus), threshold=0.3)
    match = next(m for m in result.matches if (m.a, m.b) == (200, 201))
    text_a, text_b = corpus[200][1], corpus[201][1]
    assert len(match.passages) == 1
    a_start, a_end, b_start, b_end = match.passages[0]
    assert text_a[a_start:a_end] == text_b[b_start:b_end]
    assert text_a[a_start:a_end] in shared  # from word to word: the final full stop is not part of it
    assert len(text_a[a_start:a_end]) > len(shared) / 2
    assert text_a[a_end:].lstrip(".").startswith("\n\n")


def test_essays_of_the_same_person_are_never_paired():
    corpus = essays(30)
    corpus[100] = (corpus[4][0], corpus[4][1])  # a second attempt by the author of essay 4
    assert pairs(compare(MemoryCorpus(corpus))) == set()


def test_copies_of_the_outline_are_matched_with_the_outline_not_with_each_other():
    corpus = essays(30)
    for key in (100, 101):
        corpus[key] = (key, f"BÀI THU HOẠCH\nHọ và tên: Người {key}\n\n" + OUTLINE)
    result = compare(MemoryCorpus(corpus), outline=OUTLINE)
    assert pairs(result) == {(100, None), (101, None)}
    outline_match = result.matches[0]
    assert outline_match.cluster == 0 and outline_match.score > 0.8
    a_start, a_end, o_start, o_end = outline_match.passages[0]
    assert corpus[100][1][a_start:a_end] == OUTLINE[o_start:o_end]


def test_groups_are_connected_pairs_numbered_by_size():
    corpus = essays(40)
    writer = Writer(random.Random(11))
    big, small = writer.sections(), writer.sections()
    for key, sections in ((300, big), (301, big), (302, big), (400, small), (401, small)):
        corpus[key] = (
            key,
            writer.text(sections, name=f"N{key}", org="Chi bộ", unit="Đảng bộ", role="đảng viên", today=TODAY),
        )
    result = compare(MemoryCorpus(corpus))
    clusters = {}
    for m in result.matches:
        clusters.setdefault(m.cluster, set()).update({m.a, m.b})
    assert clusters == {1: {300, 301, 302}, 2: {400, 401}}


# --------------------------------------------------------------------------------------------
# Runs in the database
# --------------------------------------------------------------------------------------------


def _campaign_with_essays(cast, *, copies: bool = True, deadline: dt.timedelta = dt.timedelta(days=-1)):
    campaign = make_essay_campaign(cast.province, deadline=deadline)
    texts = essays(14, seed=5)
    people = [cast.person_a, cast.person_a2, cast.person_b] + [
        PersonFactory(organisation=cast.cell_a2 if i % 2 else cast.cell_b) for i in range(11)
    ]
    out = []
    for person, (key, (_owner, text)) in zip(people, texts.items(), strict=True):
        if copies and key == 2:
            text = strip_diacritics(texts[1][1])  # person_a2 copied person_a's essay
        out.append(make_essay(campaign, person, status=Essay.Status.SUBMITTED, body=text))
    make_essay(campaign, PersonFactory(organisation=cast.cell_b), body=texts[1][1])  # a draft copy: not compared
    return campaign, out


@pytest.mark.django_db
def test_a_run_stores_pairs_scores_and_replaces_the_previous_result(cast, django_capture_on_commit_callbacks):
    campaign, written = _campaign_with_essays(cast)
    with django_capture_on_commit_callbacks(execute=True):
        run = similarity.similarity_request(actor=cast.staff, campaign=campaign)
    run.refresh_from_db()
    assert run.status == SimilarityRun.Status.DONE and run.error == ""
    assert (run.essays, run.pairs) == (14, 1)
    pair = SimilarPair.objects.get()
    assert (pair.a_id, pair.b_id, pair.cluster) == (written[0].pk, written[1].pk, 1)
    assert pair.score > 0.95 and pair.passages
    scores = dict(Essay.objects.filter(campaign=campaign).values_list("pk", "similarity"))
    assert scores[written[0].pk] == scores[written[1].pk] == pair.score
    assert sum(1 for s in scores.values() if s is not None) == 2
    assert AuditEntry.objects.filter(action="similarity_request", target_id=str(campaign.pk)).exists()

    Essay.objects.filter(pk=written[1].pk).update(body=essays(1, seed=99)[1][1])  # the copy was replaced
    with django_capture_on_commit_callbacks(execute=True):
        second = similarity.similarity_request(actor=cast.staff, campaign=campaign)
    second.refresh_from_db()
    assert second.pairs == 0
    assert not SimilarPair.objects.exists()
    assert not Essay.objects.filter(campaign=campaign, similarity__isnull=False).exists()


@pytest.mark.django_db
def test_a_second_request_while_one_is_queued_is_refused_and_a_lost_run_expires(cast):
    campaign, _ = _campaign_with_essays(cast, copies=False)
    run = similarity.similarity_request(actor=cast.staff, campaign=campaign)  # on_commit never fires here
    with pytest.raises(DomainError):
        similarity.similarity_request(actor=cast.staff, campaign=campaign)
    SimilarityRun.objects.filter(pk=run.pk).update(requested_at=timezone.now() - dt.timedelta(hours=7))
    again = similarity.similarity_request(actor=cast.staff, campaign=campaign)
    run.refresh_from_db()
    assert run.status == SimilarityRun.Status.FAILED and "6" in run.error
    assert again.status == SimilarityRun.Status.QUEUED


@pytest.mark.django_db
def test_a_failed_run_shows_its_error_and_keeps_the_previous_pairs(cast, monkeypatch):
    campaign, _ = _campaign_with_essays(cast)
    first = SimilarityRun.objects.create(campaign=campaign)
    similarity.similarity_run_execute(run_id=first.pk)
    assert SimilarPair.objects.count() == 1

    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(similarity, "compare", broken)  # a failure inside the comparison, not a mock of the DB
    second = SimilarityRun.objects.create(campaign=campaign)
    result = similarity.similarity_run_execute(run_id=second.pk)
    assert result.status == SimilarityRun.Status.FAILED
    assert result.error == "MemoryError: out of memory"
    assert SimilarPair.objects.filter(run=first).count() == 1
    assert similarity.similarity_run_execute(run_id=second.pk).status == SimilarityRun.Status.FAILED  # idempotent


@pytest.mark.django_db
def test_runs_are_due_after_the_deadline_then_after_the_cutoff(cast, django_capture_on_commit_callbacks):
    now = timezone.now()
    campaign, _ = _campaign_with_essays(cast, copies=False)
    future = make_essay_campaign(cast.committee_a, deadline=dt.timedelta(days=3))
    make_essay(future, cast.person_a, status=Essay.Status.SUBMITTED)
    assert similarity.similarity_due(now) == [campaign]
    with django_capture_on_commit_callbacks(execute=True):
        assert similarity.similarity_after_deadline() == 1
    assert similarity.similarity_due(now) == []
    assert SimilarityRun.objects.get(campaign=campaign).requested_by is None

    # With a cut-off: due again once it has passed (late essays can no longer come).
    campaign.essay_cutoff = now - dt.timedelta(minutes=5)
    campaign.essay_deadline = now - dt.timedelta(days=2)
    campaign.save(update_fields=["essay_cutoff", "essay_deadline"])
    SimilarityRun.objects.update(requested_at=now - dt.timedelta(days=1))
    assert similarity.similarity_due(now) == [campaign]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_check(celery_worker, cast):
    campaign, written = _campaign_with_essays(cast)
    run = similarity.similarity_request(actor=cast.staff, campaign=campaign)
    done = celery_worker.wait_for(
        lambda: SimilarityRun.objects.filter(pk=run.pk, status=SimilarityRun.Status.DONE).first(), timeout=60
    )
    assert done.pairs == 1
    assert Essay.objects.get(pk=written[1].pk).similarity > 0.95

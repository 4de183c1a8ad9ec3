"""The demo's essays: realistic texts for most participants, states worth showing, near-copies the check finds."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command

from campaigns import demo as campaigns_demo
from campaigns.models import Campaign, StudySession
from essays import demo, rules
from essays.models import Essay, Exemption, GradeChange, GradeRelease
from essays.similarity import EssayCorpus, compare
from organisations.models import Organisation, Person

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_gets_essays_states_and_near_copies_the_check_finds():
    call_command("seed_demo", scale=0.05, no_hooks=True, verbosity=0)
    province = Organisation.objects.get(depth=0)
    campaigns_demo.seed(province, random.Random(1), io.StringIO())
    out = io.StringIO()
    demo.seed(province, random.Random(2), out)
    assert "near-copies in 14 groups, 8 outline copies" in out.getvalue()

    root = Campaign.objects.get(parent__isnull=True, documents__number_symbol="21-KL/TW")
    assert root.essay_outline.startswith("ĐỀ CƯƠNG BÀI THU HOẠCH")
    essays = Essay.objects.filter(campaign=root)
    active = Person.objects.filter(status=Person.Status.ACTIVE).count()
    submitted = essays.exclude(status=Essay.Status.DRAFT)
    assert submitted.count() > active * 0.6 and essays.filter(status=Essay.Status.DRAFT).exists()
    assert min(submitted.filter(attempt=1).values_list("word_count", flat=True)) >= root.essay_min_words
    body = submitted.first().body
    assert body.startswith("BÀI THU HOẠCH") and "Liên hệ bản thân".upper() in body.upper()
    assert Exemption.objects.filter(campaign=root).exists()
    graded = essays.filter(status=Essay.Status.GRADED)
    assert graded.count() == GradeChange.objects.filter(from_grade__isnull=True).count()
    assert graded.filter(grade__passing=False, released_at__isnull=False).exists()
    assert GradeRelease.objects.filter(campaign=root).exists()
    assert StudySession.objects.filter(kind=StudySession.Kind.RESTUDY, campaign__parent=root).exists()

    member = Person.objects.get(user__username="demo_member")
    member2 = Person.objects.get(user__username="demo_member2")
    assert rules.person_state(root, member).state == rules.State.SUBMITTED
    assert rules.person_state(root, member2).state == rules.State.MUST_RESTUDY

    result = compare(EssayCorpus(root), outline=root.essay_outline)
    groups = {m.cluster for m in result.matches if m.b is not None}
    outline_copies = [m for m in result.matches if m.b is None]
    assert len(groups) >= 10 and len(outline_copies) == 8
    assert len(result.matches) < 60  # unrelated essays are not paired

"""Exemptions (miễn viết thu hoạch): the services with their audit entries, and the committee's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import participation
from campaigns import services as campaign_services
from campaigns.tests.factories import make_campaign
from essays import exemptions, quality, rules
from essays.models import Exemption
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.models import AuditEntry, Person
from organisations.tests.factories import PersonFactory
from portal.lib.errors import DomainError


@pytest.fixture
def campaign(cast):
    return make_essay_campaign(cast.province)


# --- Services ------------------------------------------------------------------------------------


def test_confirming_records_who_when_and_why_with_an_audit_entry(cast, campaign):
    exemption = exemptions.exemption_confirm(
        actor=cast.officer_a, campaign=campaign, person=cast.person_a, reason="  Tuổi cao,\n sức yếu "
    )
    exemption.refresh_from_db()
    assert (exemption.reason, exemption.confirmed_by, exemption.campaign) == (
        "Tuổi cao, sức yếu",
        cast.officer_a,
        campaign,
    )
    assert exemption.confirmed_at is not None
    entry = AuditEntry.objects.get(action=exemptions.CONFIRM_ACTION)
    assert (entry.actor, entry.organisation, entry.target_id) == (cast.officer_a, cast.cell_a, str(exemption.pk))
    assert entry.changes["reason"] == [None, "Tuổi cao, sức yếu"]


def test_an_exempt_person_leaves_the_denominator_and_may_still_write(cast, campaign):
    frame = participation.frame_of(campaign)
    before = quality.figures(frame, cast.province, [])
    exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm dài ngày")
    assert cast.person_a not in rules.required_people(campaign, cast.province)
    assert rules.person_state(campaign, cast.person_a).state == rules.State.EXEMPT
    assert rules.person_state(campaign, cast.person_a).can_write
    make_essay(campaign, cast.person_a, status="submitted")
    after = quality.figures(frame, cast.province, [])
    assert (after.required, after.submitted, after.exempt, after.voluntary) == (before.required - 1, 0, 1, 1)


def test_a_plan_exempts_from_the_provincial_campaign(cast, campaign):
    plan = campaign_services.campaign_cascade(actor=None, campaign=campaign).created[0]
    exemption = exemptions.exemption_confirm(actor=cast.staff, campaign=plan, person=cast.person_a, reason="Ốm")
    assert exemption.campaign == campaign


def test_a_second_confirmation_is_refused_and_writes_nothing(cast, campaign):
    exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm")
    with pytest.raises(DomainError):
        exemptions.exemption_confirm(actor=cast.officer_a, campaign=campaign, person=cast.person_a, reason="Ốm")
    assert Exemption.objects.count() == 1
    assert AuditEntry.objects.filter(action=exemptions.CONFIRM_ACTION).count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(cast, campaign, reason):
    with pytest.raises(DomainError) as exc:
        exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason=reason)
    assert exc.value.field == "reason"
    assert not Exemption.objects.exists()


def test_only_the_campaigns_participants_can_be_exempted(cast):
    campaign = make_essay_campaign(cast.committee_a)
    with pytest.raises(DomainError):
        exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_b, reason="Ốm")
    gone = PersonFactory(full_name="Bùi Văn Khánh", organisation=cast.cell_a, status=Person.Status.TRANSFERRED_OUT)
    with pytest.raises(DomainError):
        exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=gone, reason="Ốm")
    assert not Exemption.objects.exists()


def test_a_campaign_without_essay_has_nothing_to_exempt_from(cast):
    campaign = make_campaign(cast.province, essay_required=False)
    with pytest.raises(DomainError):
        exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm")


def test_revoking_deletes_the_row_and_keeps_everything_in_the_audit(cast, campaign):
    exemption = exemptions.exemption_confirm(actor=cast.officer_a, campaign=campaign, person=cast.person_a, reason="Ốm")
    exemptions.exemption_revoke(actor=cast.staff, exemption=exemption, reason="Đã khỏe, tham gia sinh hoạt")
    assert not Exemption.objects.exists()
    entry = AuditEntry.objects.get(action=exemptions.REVOKE_ACTION)
    assert entry.actor == cast.staff and entry.organisation == cast.cell_a
    assert entry.changes["reason"] == ["Ốm", None]
    assert entry.changes["revoke_reason"] == "Đã khỏe, tham gia sinh hoạt"
    assert cast.person_a in rules.required_people(campaign, cast.province)
    # A second revoke (a double submit) changes nothing.
    exemptions.exemption_revoke(actor=cast.staff, exemption=exemption, reason="lần hai")
    assert AuditEntry.objects.filter(action=exemptions.REVOKE_ACTION).count() == 1


def test_revoking_needs_a_reason(cast, campaign):
    exemption = exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm")
    with pytest.raises(DomainError):
        exemptions.exemption_revoke(actor=cast.staff, exemption=exemption, reason=" ")
    assert Exemption.objects.exists()


# --- Selectors ------------------------------------------------------------------------------------


def test_people_are_found_without_diacritics_within_the_managers_scope(cast, campaign):
    found = exemptions.exemption_candidates(
        user=cast.officer_a, frame=participation.frame_of(campaign), query="nguyen van an"
    )
    assert [p.full_name for p in found] == ["Nguyễn Văn An"]
    assert not exemptions.exemption_candidates(
        user=cast.officer_a, frame=participation.frame_of(campaign), query="pham thi dung"
    )
    assert [
        p.full_name
        for p in exemptions.exemption_candidates(user=cast.staff, frame=participation.frame_of(campaign), query="dung")
    ] == ["Phạm Thị Dung"]


def test_suggestions_are_the_excused_people_not_yet_exempt(cast, campaign):
    old = PersonFactory(full_name="Đỗ Văn Giang", organisation=cast.cell_a2, status=Person.Status.EXCUSED)
    PersonFactory(full_name="Lý Văn Minh", organisation=cast.cell_b, status=Person.Status.EXCUSED)
    assert [
        p.full_name
        for p in exemptions.exemption_suggestions(user=cast.officer_a, frame=participation.frame_of(campaign))
    ] == ["Đỗ Văn Giang"]
    exemptions.exemption_confirm(actor=cast.officer_a, campaign=campaign, person=old, reason="Miễn sinh hoạt")
    assert not exemptions.exemption_suggestions(user=cast.officer_a, frame=participation.frame_of(campaign)).exists()


def test_managers_see_the_exemptions_of_their_scope_only(cast, campaign):
    exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm")
    exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_b, reason="Ốm")
    assert [e.person for e in exemptions.exemption_list(user=cast.officer_a, root=campaign)] == [cast.person_a]
    assert len(exemptions.exemption_list(user=cast.staff, root=campaign)) == 2
    assert not exemptions.exemption_list(user=cast.member_a, root=campaign).exists()


# --- Page -----------------------------------------------------------------------------------------


def url(campaign):
    return reverse("essays:exemptions", args=[campaign.pk])


def test_officer_finds_a_person_and_confirms_an_exemption(cast, campaign, client):
    client.force_login(cast.officer_a)
    found = client.get(url(campaign), {"q": "nguyen van an"})
    assert [p.full_name for p in found.context["candidates"]] == ["Nguyễn Văn An"]
    chosen = client.get(url(campaign), {"q": "nguyen van an", "person": cast.person_a.pk})
    assert chosen.context["selected"] == cast.person_a
    response = client.post(url(campaign), {"person": cast.person_a.pk, "reason": "Tuổi cao, sức yếu"})
    assert response.status_code == 302
    assert Exemption.objects.get().confirmed_by == cast.officer_a
    listed = client.get(url(campaign))
    assert [e.person for e in listed.context["page"]] == [cast.person_a]
    assert "Tuổi cao, sức yếu" in listed.content.decode()


def test_a_refused_confirmation_comes_back_as_a_form_error(cast, campaign, client):
    client.force_login(cast.officer_a)
    exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm")
    response = client.post(url(campaign), {"person": cast.person_a.pk, "reason": "Ốm lần hai"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Exemption.objects.count() == 1


def test_an_officer_cannot_exempt_a_person_of_another_committee(cast, campaign, client):
    client.force_login(cast.officer_a)
    response = client.post(url(campaign), {"person": cast.person_b.pk, "reason": "Ốm"})
    assert response.status_code == 404
    assert not Exemption.objects.exists()


def test_a_secretary_may_not_manage_exemptions(cast, campaign, client):
    client.force_login(cast.secretary_a)
    assert client.get(url(campaign)).status_code == 403
    assert client.post(url(campaign), {"person": cast.person_a.pk, "reason": "Ốm"}).status_code == 403
    assert not Exemption.objects.exists()


def test_revoking_from_the_page(cast, campaign, client):
    exemption = exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_a, reason="Ốm")
    client.force_login(cast.officer_a)
    revoke = reverse("essays:exemption_revoke", args=[campaign.pk, exemption.pk])
    assert client.post(revoke, {}).status_code == 302  # no reason: refused with a message
    assert Exemption.objects.exists()
    assert client.post(revoke, {"revoke_reason": "Đã khỏe"}).status_code == 302
    assert not Exemption.objects.exists()


def test_an_officer_cannot_revoke_outside_their_committee(cast, campaign, client):
    exemption = exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=cast.person_b, reason="Ốm")
    client.force_login(cast.officer_a)
    revoke = reverse("essays:exemption_revoke", args=[campaign.pk, exemption.pk])
    assert client.post(revoke, {"revoke_reason": "x"}).status_code == 404
    assert Exemption.objects.exists()


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_runs_a_constant_number_of_queries(cast, campaign, client, size, django_assert_max_num_queries):
    people = [PersonFactory(organisation=cast.cell_a) for _ in range(size)]
    for person in people:
        exemptions.exemption_confirm(actor=cast.staff, campaign=campaign, person=person, reason="Ốm")
    for _ in range(size):
        PersonFactory(organisation=cast.cell_a2, status=Person.Status.EXCUSED)
    client.force_login(cast.officer_a)
    with django_assert_max_num_queries(17):
        response = client.get(url(campaign), {"q": "a"})
    assert response.context["page"].paginator.count == size

"""The materials services: their rules, their audit entries, the secret gate as the user meets it, link codes."""

from __future__ import annotations

import re
import shutil

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.tests.factories import make_campaign, make_session
from materials import codes, services, thumbnails
from materials.models import Access, Material, ShareLink
from materials.tests.conftest import stored_files
from materials.tests.factories import general_link, make_material, pdf_bytes, png_bytes, upload, wav_bytes
from organisations.models import AuditEntry
from portal.lib.errors import DomainError

pytestmark = pytest.mark.django_db


def test_a_material_is_created_as_a_draft_with_its_checked_file_and_an_audit_entry(cast, media):
    campaign = make_campaign(cast.province)
    data = pdf_bytes(2)
    material = services.material_create(
        actor=cast.staff,
        upload=upload("Hướng dẫn học tập.pdf", data),
        title="  Tài liệu hướng dẫn  ",
        kind=Material.Kind.BOOK,
        issuing_unit=cast.province,
        campaign=campaign,
        classification="internal",
    )
    material.refresh_from_db()
    assert material.title == "Tài liệu hướng dẫn"
    assert not material.published
    assert material.file_name == "Hướng dẫn học tập.pdf"
    assert material.content_type == "application/pdf"
    assert material.file_size == len(data)
    assert re.fullmatch(r"materials/[0-9a-f]{32}\.pdf", material.file.name)
    assert material.file.read() == data
    assert stored_files(media) == [material.file.name]
    entry = AuditEntry.objects.get(target_type="materials.material", action="create")
    assert entry.actor == cast.staff and entry.organisation == cast.province


def test_publishing_gives_one_general_link_whose_code_is_recomputed_not_stored(cast):
    material = make_material(cast.province, publish=False)
    link = services.material_publish(actor=cast.staff, material=material)
    assert link is not None and Material.objects.get(pk=material.pk).published
    code = codes.code_of(link)
    assert code is not None and codes.is_well_formed(code)
    assert link.code_hash == codes.hash_code(code) and code not in (link.nonce, link.code_hash)
    assert len(code) == 22  # 128 bits, base64url
    assert services.material_publish(actor=cast.staff, material=material) is None  # already has a live one
    assert material.links.count() == 1
    assert AuditEntry.objects.filter(action="publish").count() == 1


def test_codes_are_distinct_and_survive_a_key_rotation(cast, settings):
    material = make_material(cast.province)
    link, code = general_link(material)
    others = {services.link_create(actor=None, material=material)[1] for _ in range(20)}
    assert len(others | {code}) == 21
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "y" * 50
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert codes.code_of(link) == code  # still shown right, from the fallback key
    settings.SECRET_KEY_FALLBACKS = []
    assert codes.code_of(link) is None  # without the old key the portal cannot show it...
    assert ShareLink.objects.get(code_hash=codes.hash_code(code)) == link  # ...but a printed code still works


def test_a_secret_material_cannot_be_published_nor_linked(cast):
    material = make_material(cast.province, classification="secret", file=None)
    with pytest.raises(DomainError, match="bản giấy"):
        services.material_publish(actor=cast.staff, material=material)
    with pytest.raises(DomainError, match="bản giấy"):
        services.link_create(actor=cast.staff, material=material)
    assert services.links_for_cells(actor=cast.staff, materials=[material], cells=[cast.cell_a]) == 0
    assert not material.links.exists()
    assert not Material.objects.get(pk=material.pk).published


def test_marking_a_material_secret_unpublishes_it_and_revokes_every_link_at_once(cast):
    material = make_material(cast.province)
    services.link_create(actor=cast.staff, material=material, label="Màn chiếu")
    services.links_for_cells(actor=cast.staff, materials=[material], cells=[cast.cell_a, cast.cell_b])
    assert material.links.filter(revoked_at__isnull=True).count() == 4
    revoked = services.material_classify(actor=cast.staff, material=material, classification="secret")
    assert revoked == 4
    material.refresh_from_db()
    assert material.is_secret and not material.published
    assert not material.links.filter(revoked_at__isnull=True).exists()
    assert set(material.links.values_list("material_classification", flat=True)) == {"secret"}
    entry = AuditEntry.objects.get(action="classify")
    assert entry.changes["links_revoked"] == [0, 4]
    # Back to public: the old links stay revoked; publishing again makes a new one.
    services.material_classify(actor=cast.staff, material=material, classification="public")
    assert not material.links.filter(revoked_at__isnull=True).exists()
    services.material_publish(actor=cast.staff, material=material)
    assert material.links.filter(revoked_at__isnull=True).count() == 1


def test_the_edit_form_route_to_secret_goes_through_the_same_rule(cast):
    material = make_material(cast.province)
    saved = services.material_update(actor=cast.staff, material=material, classification="secret")
    assert saved.is_secret and not saved.published
    assert not material.links.filter(revoked_at__isnull=True).exists()


def test_a_secret_material_may_not_point_to_the_internet(cast):
    with pytest.raises(DomainError, match="Internet"):
        make_material(cast.province, classification="secret", external_url="https://example.vn/mat", file=None)
    material = make_material(cast.province, external_url="https://tulieuvankien.dangcongsan.vn/", file=None)
    with pytest.raises(DomainError, match="Internet"):
        services.material_classify(actor=cast.staff, material=material, classification="secret")


def test_the_database_refuses_a_link_to_a_secret_material_even_past_the_services(cast):
    material = make_material(cast.province, classification="secret", file=None)
    nonce = codes.new_nonce()
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareLink.objects.create(material=material, nonce=nonce, code_hash=codes.hash_code(codes.code_for(nonce)))


def test_a_campaign_outside_the_issuing_units_subtree_is_refused(cast):
    province_campaign = make_campaign(cast.province)
    with pytest.raises(DomainError, match="phạm vi"):
        make_material(cast.committee_a, campaign=province_campaign)
    plan = make_campaign(cast.committee_a)
    assert make_material(cast.province, campaign=plan).campaign == plan  # from above: fine


def test_a_session_sets_the_campaign_and_must_belong_to_it(cast):
    campaign = make_campaign(cast.province)
    other = make_campaign(cast.province, title="Khác")
    session = make_session(campaign)
    material = make_material(cast.province, session=session)
    assert material.campaign == campaign
    with pytest.raises(DomainError, match="đợt học tập khác"):
        make_material(cast.province, session=session, campaign=other)


def test_recordings_and_their_kinds_must_agree(cast):
    with pytest.raises(DomainError, match="âm thanh"):
        make_material(cast.province, kind=Material.Kind.AUDIO, file=("a.pdf", pdf_bytes()))
    with pytest.raises(DomainError, match="Ghi âm"):
        make_material(cast.province, kind=Material.Kind.BOOK, file=("a.wav", wav_bytes()))
    assert (
        make_material(cast.province, kind=Material.Kind.AUDIO, file=("a.wav", wav_bytes())).content_type == "audio/wav"
    )


def test_replacing_a_file_deletes_the_old_one_after_the_commit(cast, media, django_capture_on_commit_callbacks):
    material = make_material(cast.province)
    old = material.file.name
    with django_capture_on_commit_callbacks(execute=True):
        saved = services.material_update(actor=cast.staff, material=material, upload=upload("moi.png", png_bytes()))
    assert saved.content_type == "image/png" and saved.file.name != old
    assert old not in stored_files(media)
    assert saved.file.name in stored_files(media)
    saved.refresh_from_db()
    assert saved.thumbnail.name == f"materials/thumbs/{saved.pk}.jpg"  # the task ran after the commit


def test_a_published_material_keeps_some_content(cast):
    material = make_material(cast.province)
    with pytest.raises(DomainError, match="tệp hoặc đường link"):
        services.material_update(actor=cast.staff, material=material, remove_file=True)
    assert Material.objects.get(pk=material.pk).file


def test_a_link_validity_window_is_checked(cast):
    material = make_material(cast.province)
    now = timezone.now()
    with pytest.raises(DomainError, match="sau thời điểm bắt đầu"):
        services.link_create(
            actor=None,
            material=material,
            valid_from=now + timezone.timedelta(hours=2),
            valid_until=now + timezone.timedelta(hours=1),
        )
    with pytest.raises(DomainError, match="đã qua"):
        services.link_create(actor=None, material=material, valid_until=now - timezone.timedelta(minutes=1))
    with pytest.raises(DomainError, match="chi bộ"):
        services.link_create(actor=None, material=material, cell=cast.committee_a)
    unpublished = make_material(cast.province, publish=False)
    with pytest.raises(DomainError, match="công bố"):
        services.link_create(actor=None, material=unpublished)


def test_revoking_is_immediate_audited_and_idempotent(cast):
    material = make_material(cast.province)
    link, _code = general_link(material)
    assert services.link_revoke(actor=cast.staff, link=link) is True
    assert services.link_revoke(actor=cast.staff, link=link) is False
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == cast.staff
    assert AuditEntry.objects.filter(action="link_revoke").count() == 1


def test_cell_links_are_made_once_per_cell_and_material(cast):
    first = make_material(cast.province)
    second = make_material(cast.province, title="Infographic")
    draft = make_material(cast.province, title="Nháp", publish=False)
    made = services.links_for_cells(
        actor=cast.staff, materials=[first, second, draft], cells=[cast.cell_a, cast.cell_a2, cast.grassroots_a]
    )
    assert made == 4  # two cells x two published materials; not the draft, not a grassroots organisation
    assert services.links_for_cells(actor=cast.staff, materials=[first, second], cells=[cast.cell_a]) == 0
    links = ShareLink.objects.filter(cell__isnull=False)
    assert {link.material_classification for link in links} == {"public"}
    assert all(codes.code_of(link) for link in links)
    assert AuditEntry.objects.filter(action="links_for_cells").count() == 1


def test_deleting_a_material_removes_its_links_and_files_after_the_commit(
    cast, media, django_capture_on_commit_callbacks
):
    material = make_material(cast.province)
    thumbnails.make(material)
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.material_delete(actor=cast.staff, material=material)
    assert not Material.objects.exists() and not ShareLink.objects.exists()
    assert stored_files(media) == []
    assert AuditEntry.objects.filter(action="delete", target_type="materials.material").exists()


def test_an_access_is_one_appended_row(cast):
    material = make_material(cast.province)
    link, _code = general_link(material)
    for _ in range(3):
        services.access_record(material_id=material.pk, link_id=link.pk, cell_id=cast.cell_a.pk, kind="view")
    assert Access.objects.filter(material=material, cell=cast.cell_a).count() == 3


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) renders PDF previews")
def test_previews_show_the_top_of_a_pdf_an_image_or_a_title_card(cast):
    from PIL import Image

    for material in (
        make_material(cast.province),
        make_material(cast.province, file=("a.png", png_bytes(400, 300))),
        make_material(cast.province, kind=Material.Kind.AUDIO, file=("a.wav", wav_bytes())),
    ):
        name = thumbnails.make(material)
        with material.thumbnail.storage.open(name) as stored, Image.open(stored) as image:
            assert image.format == "JPEG" and image.size == thumbnails.SIZE

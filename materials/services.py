"""Writes of the materials app: materials and their files, publishing, classification, share links, accesses.

Each service takes keyword-only arguments, runs in one transaction with its audit entry, enforces the
domain rules and raises DomainError with a translated message. Who may call it is decided by the caller
through organisations.access. The secret gate is also held by the database (see materials/models.py):
the checks here give the user a clear message first; the database refuses whatever slips past them.

Files: an upload is checked by content (materials/uploads.py), then moved into the storage BEFORE the
transaction; if the transaction fails the stored file is deleted again, so nothing is half-stored.
A replaced or deleted file is removed only after the commit. Thumbnails are made by a task after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, StudySession
from organisations import audit
from organisations.models import Organisation
from portal.lib.errors import DomainError

from . import codes, uploads
from .models import Access, Classification, Material, ShareLink

MATERIAL_FIELDS = (
    "title",
    "description",
    "kind",
    "document",
    "campaign",
    "session",
    "issuing_unit",
    "classification",
    "external_url",
    "order",
)
AUDIT_FIELDS = (*MATERIAL_FIELDS, "published", "file_name")
K = Material.Kind
SECRET = Classification.SECRET


def _secret_message() -> str:
    return _("A secret material is never published and never gets a link or a QR code: it is handed out on paper only.")


def _clean(material: Material) -> None:
    try:
        material.full_clean(
            exclude=["file", "thumbnail", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(str(messages[0]), field=None if field == "__all__" else field) from None


def _check(material: Material) -> None:
    """The domain rules of one material (the database holds the secret ones as well)."""
    material.title = material.title.strip()
    _clean(material)
    if material.file and material.external_url:
        raise DomainError(_("Give either a file or an external link, not both."), field="external_url")
    if material.is_secret:
        if material.external_url:
            raise DomainError(
                _("A secret material may not point to a page on the Internet: remove the external link."),
                field="external_url",
            )
        material.published = False
    file_type = uploads.BY_CONTENT_TYPE.get(material.content_type) if material.file else None
    family = file_type.family if file_type else ""
    if material.kind == K.AUDIO and family and family != "audio":
        raise DomainError(_("An audio recording needs an audio file (MP3, M4A or WAV)."), field="file")
    if material.kind == K.VIDEO and family and family != "video":
        raise DomainError(_("A video recording needs a video file (MP4)."), field="file")
    if family in ("audio", "video") and material.kind not in (K.AUDIO, K.VIDEO):
        raise DomainError(_("A recording must be of kind “audio recording” or “video recording”."), field="kind")
    session: StudySession | None = material.session
    if session is not None:
        campaign: Campaign = session.campaign
        if material.campaign_id is None:
            material.campaign = campaign
        elif material.campaign_id not in (campaign.pk, campaign.parent_id):
            raise DomainError(_("The session does not belong to the chosen campaign."), field="session")
    if material.campaign_id and material.issuing_unit_id:
        organiser = material.campaign.organisation
        if not organiser.path.startswith(material.issuing_unit.path):
            raise DomainError(
                _(
                    "The campaign is organised outside the issuing unit's subtree: its audience would receive a "
                    "material the issuing unit does not answer for."
                ),
                field="campaign",
            )


def _store(upload: Any) -> tuple[str, uploads.Checked]:
    """Check ``upload`` by its content and move it into the storage; returns the stored name."""
    checked = uploads.check_upload(upload)
    field = Material._meta.get_field("file")
    name = field.generate_filename(None, f"upload.{checked.type.extensions[0]}")  # type: ignore[attr-defined]
    upload.seek(0)
    stored = default_storage.save(name, upload, max_length=field.max_length)
    return stored, checked


def _apply_file(material: Material, stored: str, checked: uploads.Checked) -> None:
    material.file.name = stored
    material.file_name = checked.name
    material.content_type = checked.type.content_type
    material.file_size = checked.size
    material.sha256 = checked.sha256
    material.thumbnail.name = ""


def _delete_later(*names: str) -> None:
    for name in names:
        if name:
            transaction.on_commit(lambda n=name: default_storage.delete(n))  # type: ignore[misc]


def _thumbnail_later(material: Material) -> None:
    from .tasks import material_thumbnail

    material_thumbnail.delay_on_commit(material.pk)


def _integrity(exc: IntegrityError) -> DomainError:
    text = str(exc)
    if "secret" in text or "classification" in text:
        return DomainError(_secret_message())
    if "published_material_has_content" in text:
        return DomainError(_("A material needs a file or an external link before it is published."))
    raise exc


def material_create(*, actor: Any, upload: Any = None, **fields: Any) -> Material:
    """Create a material (a draft), with its file checked and stored. Nothing is stored if it fails."""
    stored, checked = _store(upload) if upload is not None else ("", None)
    try:
        with transaction.atomic():
            material = Material(
                **{k: v for k, v in fields.items() if k in MATERIAL_FIELDS},
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            material.published = False
            if checked is not None:
                _apply_file(material, stored, checked)
            _check(material)
            try:
                with transaction.atomic():
                    material.save()
            except IntegrityError as exc:
                raise _integrity(exc) from None
            audit.record(
                actor=actor,
                action="create",
                target=material,
                organisation=material.issuing_unit,
                changes=audit.diff({}, audit.snapshot(material, AUDIT_FIELDS)),
            )
    except BaseException:
        if stored:
            default_storage.delete(stored)
        raise
    _thumbnail_later(material)
    return material


def material_update(
    *, actor: Any, material: Material, upload: Any = None, remove_file: bool = False, **fields: Any
) -> Material:
    """Change a material's data (returns the row as saved); ``upload`` replaces its file, ``remove_file`` drops
    it. A change of classification goes through the same one-statement rule as ``material_classify`` (to secret:
    unpublished, links revoked). Replaced files are deleted after the commit."""
    stored, checked = _store(upload) if upload is not None else ("", None)
    try:
        with transaction.atomic():
            current = Material.objects.select_for_update().get(pk=material.pk)
            before = audit.snapshot(current, AUDIT_FIELDS)
            old_file, old_thumb = current.file.name, current.thumbnail.name
            stored_classification = current.classification
            for key, value in fields.items():
                if key in MATERIAL_FIELDS:
                    setattr(current, key, value)
            if checked is not None:
                _apply_file(current, stored, checked)
            elif remove_file and current.file:
                current.file.name, current.thumbnail.name = "", ""
                current.file_name, current.content_type, current.file_size, current.sha256 = "", "", None, ""
            _check(current)  # on the row as it will be, the new classification included
            if current.published and not (current.file or current.external_url):
                raise DomainError(_("A published material needs a file or an external link."), field="file")
            classification, current.classification = current.classification, stored_classification
            try:
                with transaction.atomic():
                    current.save()  # the classification itself changes in its own statement, below
                    revoked = _set_classification(current, classification)
            except IntegrityError as exc:
                raise _integrity(exc) from None
            changes = audit.diff(before, audit.snapshot(current, AUDIT_FIELDS))
            if revoked:
                changes["links_revoked"] = [0, revoked]
            if changes:
                audit.record(
                    actor=actor, action="update", target=current, organisation=current.issuing_unit, changes=changes
                )
            if old_file != current.file.name:
                _delete_later(old_file, old_thumb)
    except BaseException:
        if stored:
            default_storage.delete(stored)
        raise
    _thumbnail_later(current)  # the card shows the title and kind, the preview the file
    return current


def _set_classification(material: Material, classification: str) -> int:
    """Set the classification in ONE statement; to secret, also unpublish. The database trigger revokes every
    live link of the material in that same statement. Returns how many links were live before."""
    if material.classification == classification:
        return 0
    live = material.links.filter(revoked_at__isnull=True).count() if classification == SECRET else 0
    changes: dict[str, Any] = {"classification": classification, "updated_at": timezone.now()}
    if classification == SECRET:
        changes["published"] = False
    Material.objects.filter(pk=material.pk).update(**changes)
    material.classification = classification
    if classification == SECRET:
        material.published = False
    return live


@transaction.atomic
def material_classify(*, actor: Any, material: Material, classification: str) -> int:
    """Change the classification. Marking a material secret unpublishes it and revokes all its links at once
    (one statement; the database refuses any other order). Returns the number of links revoked."""
    if classification not in Classification.values:
        raise DomainError(_("Unknown classification."))
    current = Material.objects.select_for_update().get(pk=material.pk)
    if current.classification == classification:
        return 0
    if classification == SECRET and current.external_url:
        raise DomainError(
            _("A secret material may not point to a page on the Internet: remove the external link first.")
        )
    before = audit.snapshot(current, ("classification", "published"))
    revoked = _set_classification(current, classification)
    changes = audit.diff(before, audit.snapshot(current, ("classification", "published")))
    if revoked:
        changes["links_revoked"] = [0, revoked]
    audit.record(actor=actor, action="classify", target=current, organisation=current.issuing_unit, changes=changes)
    material.classification, material.published = current.classification, current.published
    return revoked


@transaction.atomic
def material_publish(*, actor: Any, material: Material) -> ShareLink | None:
    """Publish a material: members of its audience see it, and it gets a general share link (and QR) unless it
    has a live one. Returns that link (None when internal material already had one)."""
    current = Material.objects.select_for_update().get(pk=material.pk)
    if current.is_secret:
        raise DomainError(_secret_message())
    if not (current.file or current.external_url):
        raise DomainError(_("A material needs a file or an external link before it is published."))
    if not current.published:
        Material.objects.filter(pk=current.pk).update(published=True, updated_at=timezone.now())
        current.published = True
        audit.record(actor=actor, action="publish", target=current, organisation=current.issuing_unit)
    material.published = True
    if live_links(current).filter(cell__isnull=True).exists():
        return None
    link, _code = link_create(actor=actor, material=current)
    return link


@transaction.atomic
def material_unpublish(*, actor: Any, material: Material) -> None:
    """Withdraw a material: its links answer "withdrawn" (410) until it is published again."""
    current = Material.objects.select_for_update().get(pk=material.pk)
    if current.published:
        Material.objects.filter(pk=current.pk).update(published=False, updated_at=timezone.now())
        audit.record(actor=actor, action="unpublish", target=current, organisation=current.issuing_unit)
    material.published = False


@transaction.atomic
def material_delete(*, actor: Any, material: Material) -> None:
    """Delete a material with its links and access records; its files go after the commit. Its printed codes
    then answer "no such material" (404)."""
    current = Material.objects.select_for_update().get(pk=material.pk)
    audit.record(
        actor=actor,
        action="delete",
        target=current,
        organisation=current.issuing_unit,
        changes=audit.diff(audit.snapshot(current, AUDIT_FIELDS), {}),
    )
    names = (current.file.name, current.thumbnail.name)
    current.delete()
    _delete_later(*names)


# --------------------------------------------------------------------------------------------
# Share links
# --------------------------------------------------------------------------------------------


def live_links(material: Material) -> Any:
    now = timezone.now()
    return material.links.filter(revoked_at__isnull=True).exclude(valid_until__lte=now)


def _locked_shareable(material: Material) -> Material:
    """The material, locked against a concurrent classification change, if it may be shared."""
    current = Material.objects.select_for_update().get(pk=material.pk)
    if current.is_secret:
        raise DomainError(_secret_message())
    if not current.published:
        raise DomainError(_("Publish the material before making links to it."))
    return current


def _new_link(
    material: Material,
    *,
    actor: Any,
    cell: Organisation | None = None,
    label: str = "",
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> tuple[ShareLink, str]:
    nonce = codes.new_nonce()
    code = codes.code_for(nonce)
    link = ShareLink(
        material=material,
        material_classification=material.classification,
        nonce=nonce,
        code_hash=codes.hash_code(code),
        cell=cell,
        label=label.strip()[:200],
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return link, code


@transaction.atomic
def link_create(
    *,
    actor: Any,
    material: Material,
    cell: Organisation | None = None,
    label: str = "",
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> tuple[ShareLink, str]:
    """A new share link (and so QR code) for a published, non-secret material; returns it and its code."""
    if valid_from and valid_until and valid_until <= valid_from:
        raise DomainError(_("The end of the validity must come after its start."), field="valid_until")
    if valid_until and valid_until <= timezone.now():
        raise DomainError(_("The end of the validity is already past."), field="valid_until")
    if cell is not None and not cell.is_cell:
        raise DomainError(_("A link for a cell must name a party cell."), field="cell")
    current = _locked_shareable(material)
    link, code = _new_link(current, actor=actor, cell=cell, label=label, valid_from=valid_from, valid_until=valid_until)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        raise _integrity(exc) from None
    audit.record(
        actor=actor,
        action="link_create",
        target=current,
        organisation=current.issuing_unit,
        changes={
            "link": [None, link.pk],
            "cell": [None, cell.name if cell else None],
            "valid_until": [None, valid_until.isoformat() if valid_until else None],
        },
    )
    return link, code


@transaction.atomic
def link_revoke(*, actor: Any, link: ShareLink) -> bool:
    """Revoke a link at once: its code answers "revoked" (410) and serves no file. False if it already was."""
    changed = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "pk", None) else None
    )
    if changed:
        link.refresh_from_db(fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="link_revoke",
            target=link.material,
            organisation=link.material.issuing_unit,
            changes={"link": [link.pk, None]},
        )
    return bool(changed)


@transaction.atomic
def links_for_cells(
    *, actor: Any, materials: Sequence[Material], cells: Iterable[Organisation], about: Any = None
) -> int:
    """Give each cell a link of its own to each material (to post in the cell's chat group), where it has no live
    one yet; scans of those links count for the cell. Secret and unpublished materials are skipped. Returns the
    number of links made (bulk-inserted; one audit entry)."""
    shareable = list(
        Material.objects.select_for_update(of=("self",))
        .filter(pk__in=[m.pk for m in materials], published=True)
        .exclude(classification=SECRET)
        .select_related("issuing_unit")
        .order_by("pk")
    )
    cell_list = [c for c in cells if c.is_cell]
    if not shareable or not cell_list:
        return 0
    now = timezone.now()
    existing = set(
        ShareLink.objects.filter(material__in=shareable, cell__in=cell_list, revoked_at__isnull=True)
        .exclude(valid_until__lte=now)
        .values_list("material_id", "cell_id")
    )
    new = [
        _new_link(material, actor=actor, cell=cell, label=cell.name)[0]
        for cell in cell_list
        for material in shareable
        if (material.pk, cell.pk) not in existing
    ]
    try:
        with transaction.atomic():
            ShareLink.objects.bulk_create(new, batch_size=1000)
    except IntegrityError as exc:
        raise _integrity(exc) from None
    if new:
        target = about if about is not None else shareable[0]
        audit.record(
            actor=actor,
            action="links_for_cells",
            target=target,
            organisation=getattr(target, "organisation", None) or shareable[0].issuing_unit,
            changes={"links": [0, len(new)], "cells": [0, len(cell_list)]},
        )
    return len(new)


# --------------------------------------------------------------------------------------------
# Accesses
# --------------------------------------------------------------------------------------------


_ACCESS_INSERT_PG = (
    "INSERT INTO {table} (material_id, link_id, person_id, cell_id, kind, {at}) SELECT %s, %s, %s, %s, %s, %s "
    # set_config(..., true) lasts for this statement's own transaction: its commit does not wait for the WAL
    # to reach the disk. A crash may lose the last fraction of a second of counts, never a change of data.
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
)


def access_record(
    *,
    material_id: int,
    kind: str,
    link_id: int | None = None,
    person_id: int | None = None,
    cell_id: int | None = None,
) -> None:
    """Count one opening or download: ONE appended row (no counter row to lock, so concurrent scans never wait
    on each other). Not audited: it is a statistic, not a change. On PostgreSQL one statement whose commit
    does not wait for the disk (the busiest write of the portal: every scan of a printed code)."""
    if connection.vendor != "postgresql":
        Access.objects.create(material_id=material_id, link_id=link_id, person_id=person_id, cell_id=cell_id, kind=kind)
        return
    sql = _ACCESS_INSERT_PG.format(table=Access._meta.db_table, at=Access._meta.get_field("at").column)
    with connection.cursor() as cursor:
        cursor.execute(sql, [material_id, link_id, person_id, cell_id, kind, timezone.now()])

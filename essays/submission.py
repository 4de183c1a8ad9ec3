"""Writing and submitting one's essay: draft saves (autosave), file uploads, submission, text extraction.

Every write locks the author's Person row first, so the writes of one person are serialised (two tabs,
a double click, a retried request): the creation of an attempt, a version check and a submission never
interleave. The state and the window come from ``essays.rules``; nothing here re-defines them.

- A draft carries ``version``. A save names the version it started from; a different stored version
  means another tab or device saved meanwhile: ``Conflict`` (nothing written). Saving the text already
  stored writes nothing and is no conflict, whatever the version (a page that sent its text by beacon
  when it was left never learnt the new version).
- A new attempt (``attempt`` + 1) is created by the first save after the rules say RESTUDIED; the first
  attempt by the first save at all. GET requests never create rows.
- Submitting names the essay and the version the member confirmed. Submitting an essay that is already
  submitted returns it unchanged (``repeated``): a double submit makes one submission.
- Windows: ``rules.attempt_window``. Late (after the deadline, before the cut-off) is accepted and marked
  late; after the cut-off, and in a closed campaign, drafts and submissions are refused.

Autosaves are not written to the audit trail one by one (the essay's ``saved_at`` and ``version`` tell the
last one); starting an attempt, uploading or removing a file and submitting are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from organisations import audit
from organisations.models import Person
from portal.lib.errors import DomainError

from . import rules
from .models import Essay
from .rules import State, Window
from .uploads import CheckedFile, extract_text

MAX_BODY_CHARS = 200_000  # about 30,000 words: far beyond any reflection essay


def count_words(text: str) -> int:
    """Words as the page counts them: runs of non-space characters."""
    return len(text.split())


class Conflict(DomainError):
    """The draft changed since the version the request started from; ``essay`` is what is stored now."""

    def __init__(self, message: str, essay: Essay | None) -> None:
        super().__init__(message)
        self.essay = essay


class Closed(DomainError):
    """Nothing is accepted now: the campaign is closed or its cut-off has passed."""


class NotWritable(DomainError):
    """The person's state does not allow writing (submitted, graded, waiting for re-study)."""


@dataclass(frozen=True)
class Writing:
    """What a write found under the lock: the campaign row (annotated by rules), the state, the current attempt."""

    root: Campaign
    state: State
    current: Essay | None
    required: bool


@dataclass(frozen=True)
class SaveResult:
    essay: Essay
    changed: bool


@dataclass(frozen=True)
class SubmitResult:
    essay: Essay
    repeated: bool


def _when(value: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y") if value else ""


def closed_message(root: Campaign, attempt: int = 1) -> str:
    """Why nothing is accepted now, for the member."""
    if root.status != Campaign.Status.OPEN or attempt > 1:
        return _("This campaign is closed; essays are no longer accepted.")
    if root.essay_cutoff:
        return _(
            "The deadline was %(deadline)s and late essays were accepted until %(cutoff)s. Essays are no longer "
            "accepted."
        ) % {"deadline": _when(root.essay_deadline), "cutoff": _when(root.essay_cutoff)}
    return _("The deadline was %(deadline)s. Essays are no longer accepted.") % {"deadline": _when(root.essay_deadline)}


def not_writable_message(state: State, essay: Essay | None) -> str:
    if state == State.MUST_RESTUDY:
        return _(
            "Your essay did not pass. Attend a re-study session first; a new attempt opens once your attendance "
            "is recorded."
        )
    if essay is not None and essay.submitted_at:
        return _("Your essay was submitted on %(time)s and can no longer be changed.") % {
            "time": _when(essay.submitted_at)
        }
    return _("Your essay can no longer be changed.")


def _lock(person: Person, campaign: Campaign) -> Writing:
    """Lock the person, then read their state for the campaign's family (inside the caller's transaction)."""
    root = rules.root_of(campaign)
    Person.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
    row = rules.person_campaigns(person).filter(pk=root.pk).first()
    if row is None:
        raise NotWritable(_("No essay is asked of you for this campaign."))
    current = Essay.objects.select_for_update().filter(pk=row.essay_id).first() if row.essay_id else None
    return Writing(root=row, state=rules.state_of(row), current=current, required=row.required)


def _check_window(root: Campaign, attempt: int, now: dt.datetime) -> Window:
    if root.status != Campaign.Status.OPEN:
        raise Closed(closed_message(root, attempt))
    window = rules.attempt_window(root, attempt, now)
    if window == Window.CLOSED:
        raise Closed(closed_message(root, attempt))
    return window


def _draft(*, actor: Any, person: Person, writing: Writing, version: int | None, now: dt.datetime) -> Essay:
    """The draft a write goes to: the current one (version checked), or a new attempt (not saved yet: pk None)."""
    current, state = writing.current, writing.state
    if state not in (State.NOT_STARTED, State.DRAFT, State.RESTUDIED, State.EXEMPT):
        raise NotWritable(not_writable_message(state, current))
    opens_attempt = current is None or state == State.RESTUDIED
    attempt = (current.attempt + 1 if current else 1) if opens_attempt else current.attempt  # type: ignore[union-attr]
    _check_window(writing.root, attempt, now)
    if opens_attempt:
        if version not in (None, 0):
            raise Conflict(_("This page is out of date: reload it."), current)
        return Essay(campaign=writing.root, person=person, attempt=attempt, status=Essay.Status.DRAFT, version=0)
    assert current is not None
    if version is not None and version != current.version:
        raise Conflict(
            _("Your essay was changed in another window or device (saved at %(time)s).")
            % {"time": _when(current.saved_at)},
            current,
        )
    return current


def _record_start(actor: Any, essay: Essay) -> None:
    audit.record(
        actor=actor,
        action="essay_start",
        target=essay,
        organisation=essay.person.organisation,
        changes={"attempt": [None, essay.attempt]},
    )


@transaction.atomic
def essay_draft_save(
    *, actor: Any, person: Person, campaign: Campaign, version: int, body: str, now: dt.datetime | None = None
) -> SaveResult:
    """Save the text of the person's draft (autosave or the page's save button).

    Raises Conflict (the stored version is not ``version``), NotWritable, Closed, DomainError (too long).
    Saving the text already stored writes nothing (``changed`` False).
    """
    now = now or timezone.now()
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if len(body) > MAX_BODY_CHARS:
        raise DomainError(_("The essay is too long."))
    writing = _lock(person, campaign)
    current = writing.current
    if writing.state == State.DRAFT and current is not None and current.body == body:
        # Already stored (e.g. sent by a beacon whose answer the page never read): nothing to write, no conflict.
        return SaveResult(essay=current, changed=False)
    essay = _draft(actor=actor, person=person, writing=writing, version=version, now=now)
    created = essay.pk is None
    essay.body = body
    if not essay.file:
        essay.word_count = count_words(body)
    essay.version += 1
    essay.saved_at = now
    if created:
        essay.save()
        _record_start(actor, essay)
    else:
        essay.save(update_fields=["body", "word_count", "version", "saved_at"])
    return SaveResult(essay=essay, changed=True)


def _delete_later(name: str) -> None:
    """Delete a stored file once the transaction that stopped using it has committed."""
    if name:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def _attach(
    *,
    actor: Any,
    person: Person,
    campaign: Campaign,
    checked: CheckedFile,
    version: int | None,
    now: dt.datetime,
    stored: list[str],
) -> Essay:
    writing = _lock(person, campaign)
    essay = _draft(actor=actor, person=person, writing=writing, version=version, now=now)
    created = essay.pk is None
    previous = essay.file.name if essay.file else ""
    essay.file_name, essay.file_type, essay.file_size = checked.name, checked.kind, checked.size
    essay.file.save(checked.name, ContentFile(checked.data), save=False)  # the stored name follows file_type
    stored.append(essay.file.name)
    essay.extracted_text, essay.extraction_error, essay.extraction_attempts = "", "", 0
    essay.extraction = Essay.Extraction.PENDING
    essay.word_count = 0
    essay.version += 1
    essay.saved_at = now
    essay.save()
    if created:
        _record_start(actor, essay)
    audit.record(
        actor=actor,
        action="essay_upload",
        target=essay,
        organisation=person.organisation,
        changes={"file": [None, checked.name], "size": [None, checked.size], "type": [None, checked.kind]},
    )
    _delete_later(previous)
    from .tasks import extract_essay_text

    essay_id = essay.pk
    transaction.on_commit(lambda: extract_essay_text.delay(essay_id))
    return essay


def essay_upload(
    *,
    actor: Any,
    person: Person,
    campaign: Campaign,
    checked: CheckedFile,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Essay:
    """Make an already checked file (``uploads.check_upload``) the person's draft; its text is read in the background.

    The file replaces any earlier one; the typed text is kept but the file is what graders read. If
    anything fails, the stored file is removed again: a refused upload leaves nothing behind.
    """
    stored: list[str] = []
    try:
        return _attach(
            actor=actor,
            person=person,
            campaign=campaign,
            checked=checked,
            version=version,
            now=now or timezone.now(),
            stored=stored,
        )
    except BaseException:
        from django.core.files.storage import default_storage

        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def essay_file_remove(
    *, actor: Any, person: Person, campaign: Campaign, version: int | None = None, now: dt.datetime | None = None
) -> Essay:
    """Remove the uploaded file of the person's draft: the typed text becomes the essay again."""
    now = now or timezone.now()
    writing = _lock(person, campaign)
    essay = _draft(actor=actor, person=person, writing=writing, version=version, now=now)
    if essay.pk is None or not essay.file:
        return essay
    name = essay.file.name
    essay.file = ""
    essay.file_name, essay.file_type, essay.file_size = "", "", None
    essay.extracted_text, essay.extraction_error, essay.extraction_attempts = "", "", 0
    essay.extraction = Essay.Extraction.NONE
    essay.word_count = count_words(essay.body)
    essay.version += 1
    essay.saved_at = now
    essay.save()
    audit.record(
        actor=actor,
        action="essay_file_remove",
        target=essay,
        organisation=person.organisation,
        changes={"file": [name.rsplit("/", 1)[-1], None]},
    )
    _delete_later(name)
    return essay


@transaction.atomic
def essay_submit(
    *, actor: Any, person: Person, campaign: Campaign, essay_id: int, version: int, now: dt.datetime | None = None
) -> SubmitResult:
    """Submit the draft the member confirmed (``essay_id`` at ``version``).

    Idempotent: an essay already submitted is returned with ``repeated`` True and nothing changes.
    Raises Conflict (the draft changed after the confirmation page was shown), Closed (after the cut-off),
    NotWritable, DomainError (empty, shorter than the campaign's minimum).
    """
    now = now or timezone.now()
    writing = _lock(person, campaign)
    essay = Essay.objects.select_for_update().filter(pk=essay_id, person=person, campaign=writing.root).first()
    if essay is None:
        raise DomainError(_("There is no draft to submit."))
    if essay.status != Essay.Status.DRAFT:
        return SubmitResult(essay=essay, repeated=True)
    if writing.current is None or essay.pk != writing.current.pk:
        raise NotWritable(not_writable_message(writing.state, writing.current))
    if essay.version != version:
        raise Conflict(
            _(
                "Your essay was changed after you opened the confirmation (saved at %(time)s). Check it and submit "
                "again."
            )
            % {"time": _when(essay.saved_at)},
            essay,
        )
    window = _check_window(writing.root, essay.attempt, now)
    minimum = writing.root.essay_min_words
    if essay.file:
        words = essay.word_count if essay.extraction == Essay.Extraction.DONE else None
    else:
        words = count_words(essay.body)
        if words == 0:
            raise DomainError(_("The essay is empty: write it or upload a file first."))
    if words is not None and words < minimum:
        raise DomainError(
            _("The essay has %(words)s words; this campaign asks for at least %(minimum)s.")
            % {
                "words": formats.number_format(words, force_grouping=True),
                "minimum": formats.number_format(minimum, force_grouping=True),
            }
        )
    essay.status = Essay.Status.SUBMITTED
    essay.submitted_at = now
    essay.is_late = window == Window.LATE
    if words is not None:
        essay.word_count = words
    essay.save(update_fields=["status", "submitted_at", "is_late", "word_count"])
    audit.record(
        actor=actor,
        action="essay_submit",
        target=essay,
        organisation=person.organisation,
        changes={
            "status": [str(Essay.Status.DRAFT.label), str(Essay.Status.SUBMITTED.label)],
            "attempt": [None, essay.attempt],
            "late": [None, essay.is_late],
            "words": [None, essay.word_count],
        },
    )
    return SubmitResult(essay=essay, repeated=False)


# --------------------------------------------------------------------------------------------
# Text extraction (called by essays.tasks.extract_essay_text)
# --------------------------------------------------------------------------------------------


def essay_extract(*, essay_id: int) -> Essay | None:
    """Read the text of the essay's file into ``extracted_text``. Idempotent; raises when the file cannot be read.

    Reads the file outside any transaction; writes only if the essay still holds the same file.
    """
    essay = Essay.objects.filter(pk=essay_id).first()
    if essay is None or not essay.file or essay.extraction == Essay.Extraction.DONE:
        return essay
    name = essay.file.name
    with essay.file.open("rb") as handle:
        data = handle.read()
    text = extract_text(essay.file_type, data)
    with transaction.atomic():
        locked = Essay.objects.select_for_update().filter(pk=essay_id).first()
        if locked is None or locked.file.name != name:
            return locked  # removed or replaced meanwhile: the new file has its own task
        locked.extracted_text = text
        locked.extraction = Essay.Extraction.DONE
        locked.extraction_error = ""
        locked.extraction_attempts += 1
        locked.word_count = count_words(text)
        locked.save(
            update_fields=["extracted_text", "extraction", "extraction_error", "extraction_attempts", "word_count"]
        )
        return locked


def essay_extraction_failed(*, essay_id: int, file_name: str, error: str, final: bool) -> None:
    """Record a failed extraction attempt; after the last retry the essay shows FAILED with the error."""
    with transaction.atomic():
        essay = Essay.objects.select_for_update().filter(pk=essay_id).first()
        if essay is None or essay.file.name != file_name or essay.extraction == Essay.Extraction.DONE:
            return
        essay.extraction_attempts += 1
        essay.extraction_error = error[:2000]
        if final:
            essay.extraction = Essay.Extraction.FAILED
        essay.save(update_fields=["extraction_attempts", "extraction_error", "extraction"])
        if final:
            audit.record(
                actor=None,
                action="essay_extraction_failed",
                target=essay,
                organisation=essay.person.organisation,
                changes={"error": [None, error[:500]]},
            )

"""Background tasks of the essays app.

``extract_essay_text`` reads the text of an uploaded essay file (enqueued on commit by
``submission.essay_upload``). It is retried with exponential backoff; every failed attempt is recorded
on the essay (attempts, error) and after the last retry the essay shows "could not read the file" to the
member and the graders: a failure is never silent.
"""

from __future__ import annotations

import random

from celery import shared_task

from . import submission
from .models import Essay

EXTRACTION_RETRIES = 3
RETRY_BASE_SECONDS = 10  # 10 s, 20 s, 40 s (+ jitter)


def retry_delay(retries: int) -> float:
    return RETRY_BASE_SECONDS * 2**retries + random.uniform(0, RETRY_BASE_SECONDS / 2)  # noqa: S311 - jitter


@shared_task(bind=True, max_retries=EXTRACTION_RETRIES, acks_late=True)
def extract_essay_text(self, essay_id: int) -> str:  # type: ignore[no-untyped-def]
    """Extract the text of essay ``essay_id``'s file; returns its extraction state."""
    file_name = Essay.objects.filter(pk=essay_id).values_list("file", flat=True).first()
    if not file_name:
        return "gone"
    try:
        essay = submission.essay_extract(essay_id=essay_id)
    except Exception as exc:
        final = self.request.retries >= self.max_retries
        submission.essay_extraction_failed(
            essay_id=essay_id, file_name=file_name, error=f"{type(exc).__name__}: {exc}", final=final
        )
        if final:
            return Essay.Extraction.FAILED
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    return essay.extraction if essay else "gone"


from .similarity import similarity_after_deadline, similarity_run_task  # noqa: E402, F401 - registers them

"""Similar essays (bài thu hoạch giống nhau): near-copies within a campaign, and copies of the official outline.

The algorithm (``compare``), for N essays of a campaign, in roughly linear time:

1. *Words*: each essay's text is split into words with their character offsets; a word is compared in its
   folded form (``portal.lib.text.fold``: lower case, no diacritics, đ -> d), so "Nghị quyết" = "nghi quyet".
2. *Shingles*: the set of its runs of ``SHINGLE`` consecutive words (Vietnamese words are syllables:
   six of them are three or four words), each hashed to an integer.
3. *Boilerplate*: shingles found in a large share of the essays (``COMMON_SHARE``, counted on a sample
   of ``SAMPLE`` essays) — the resolution's title, set phrases, the questions of the outline — and every
   shingle of the outline itself are dropped before essays are compared with each other, so that what
   everyone writes never makes everyone look alike. Essays left with fewer than ``MIN_SHINGLES`` shingles
   of their own are compared with the outline only.
4. *Candidates*: a MinHash signature per essay (one-permutation hashing: ``BINS`` bins, the smallest hash
   per bin; an empty bin takes a classic MinHash value), cut into bands of ``ROWS`` values; essays sharing
   a band are candidates (locality-sensitive hashing). With 32 bands of 3, two essays sharing half of their
   shingles (Jaccard 0.5; an overlap score of about 0.67) share a band with probability 98.6 %, at 0.4
   (overlap about 0.57) with 88 %, at 0.3 with 58 %; unrelated essays (Jaccard 0.01-0.05) with 0.003-0.4 %.
5. *Check*: each candidate pair gets its exact score, the share of the shorter essay's shingles found in
   the other (overlap coefficient on the filtered sets). Pairs at or above the run's threshold are kept, with
   their shared passages as character ranges of both original texts ([a_start, a_end, b_start, b_end]).
6. *Clusters*: connected components of the kept pairs, numbered 1.. by size. Essays of the same person
   (two attempts) are never paired. Outline matches (``b`` empty, cluster 0) score the share of the essay's
   shingles (unfiltered) that are in the outline.

Runs (``SimilarityRun``) are requested by the committee (``similarity_request``) or by Celery beat after the
deadline (``similarity_after_deadline``, see settings.CELERY_BEAT_SCHEDULE); ``similarity_run_task`` executes
one, replacing the campaign's previous pairs and essays' ``similarity`` in one transaction.
bench/bench_similarity.py times it on the demo's essays.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import re
import time
import unicodedata
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from organisations import audit
from portal.lib.errors import DomainError
from portal.lib.text import fold

from .models import Essay, SimilarityRun, SimilarPair

log = logging.getLogger(__name__)

SHINGLE = 6  # words per shingle
BINS = 96  # MinHash values per essay
ROWS = 3  # values per LSH band (BINS // ROWS = 32 bands)
BANDS = BINS // ROWS
COMMON_SHARE = 0.05  # a shingle in at least this share of the essays is boilerplate ...
COMMON_MIN = 10  # ... and in at least this many essays (small campaigns)
SAMPLE = 5000  # essays read to find the boilerplate
MIN_SHINGLES = 20  # essays with fewer shingles of their own are compared with the outline only
BUCKET_CAP = 200  # a band bucket larger than this is checked as a star around its first essay
MAX_WORDS = 20000  # words of one essay taken into account (a 60-page upload is not a reflection essay)
CHUNK = 2000  # essays per query
DEFAULT_THRESHOLD = 0.5
STALE_AFTER = dt.timedelta(hours=6)  # a run queued or running longer than this was lost (worker killed)

# A word: letters and digits. Texts are compared in composed form (NFC); a decomposed (NFD) text keeps its
# combining marks inside words when offsets into the original are needed (DECOMPOSED_WORD, slower).
WORD = re.compile(r"[^\W_]+")
DECOMPOSED_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_EMPTY = 1 << 80  # above any hash: tags the values of empty bins (see signature)
_SHIFT = 24  # the second bin assignment of an empty bin: (hash >> _SHIFT) mod BINS
_unique = itertools.count()  # values of bins empty under both assignments: they match nothing


# --------------------------------------------------------------------------------------------
# Words and shingles
# --------------------------------------------------------------------------------------------


class Shingler:
    """Turns texts into folded word ids and shingle hashes; remembers the words it has folded."""

    def __init__(self, size: int = SHINGLE) -> None:
        self.size = size
        self._ids: dict[str, int] = {}

    def _learn(self, words: Iterable[str]) -> None:
        ids = self._ids
        for word in set(words) - ids.keys():
            ids[word] = zlib.crc32(fold(word).encode())

    def word_ids(self, text: str) -> list[int]:
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        words = WORD.findall(text)[:MAX_WORDS]
        self._learn(words)
        return list(map(self._ids.__getitem__, words))

    def positioned(self, text: str) -> tuple[list[tuple[int, int]], list[int]]:
        """Word spans (start, end) in ``text`` and the hash of the shingle starting at each word."""
        pattern = WORD if unicodedata.is_normalized("NFC", text) else DECOMPOSED_WORD
        matches = list(pattern.finditer(text))[:MAX_WORDS]
        words = [m.group() for m in matches]
        self._learn(words)
        ids = list(map(self._ids.__getitem__, words))
        return [m.span() for m in matches], self._hashes(ids)

    def _hashes(self, ids: list[int]) -> list[int]:
        # hash() of a tuple of ints is deterministic (no per-process salt, unlike str).
        if len(ids) < self.size:
            return [hash(tuple(ids))] if ids else []
        return list(map(hash, zip(*(ids[i:] for i in range(self.size)), strict=False)))

    def shingles(self, text: str) -> set[int]:
        return set(self._hashes(self.word_ids(text)))


def signature(hashes: set[int]) -> list[int]:
    """One-permutation MinHash: the smallest hash in each of BINS bins (bin = hash mod BINS).

    A bin no shingle fell in takes the smallest hash of that bin under a second assignment (higher bits of
    the hash), tagged so that it only ever equals another essay's value for the same empty bin, else a value
    that matches nothing. Unlike filling an empty bin from its neighbour (rotation), this keeps the bins
    independent, so unrelated essays do not collide in runs of adjacent bins. Everything is C-level
    (sorted, dict, map): about 0.1 ms per essay.
    """
    descending = sorted(hashes, reverse=True)
    smallest = dict(zip(map(BINS.__rmod__, descending), descending, strict=True))  # the last write wins
    if len(smallest) == BINS:
        return [smallest[b] for b in range(BINS)]
    second = dict(zip(map(BINS.__rmod__, map(_SHIFT.__rrshift__, descending)), descending, strict=True))
    return [
        value
        if (value := smallest.get(b)) is not None
        else _EMPTY + second[b]
        if b in second
        else _EMPTY * 2 + next(_unique)
        for b in range(BINS)
    ]


def band_keys(sig: list[int]) -> list[int]:
    return list(map(hash, zip(*(sig[i::ROWS] for i in range(ROWS)), strict=True)))


# --------------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------------


class Corpus:
    """The essays to compare: ``keys()`` in a fixed order, then texts fetched by key, a chunk at a time."""

    def keys(self) -> list[int]:
        raise NotImplementedError

    def texts(self, keys: Sequence[int]) -> Iterator[tuple[int, int, str]]:
        """(key, owner, text) for the given keys; owner = the person (their essays are never paired)."""
        raise NotImplementedError


class MemoryCorpus(Corpus):
    """Essays held in memory: {key: (owner, text)} (tests, benches)."""

    def __init__(self, essays: dict[int, tuple[int, str]]) -> None:
        self.essays = essays

    def keys(self) -> list[int]:
        return sorted(self.essays)

    def texts(self, keys: Sequence[int]) -> Iterator[tuple[int, int, str]]:
        for key in keys:
            owner, text = self.essays[key]
            yield key, owner, text


@dataclass
class Match:
    a: int
    b: int | None  # None: the outline
    score: float
    passages: list[list[int]] = field(default_factory=list)
    cluster: int = 0


@dataclass
class Result:
    compared: int = 0  # essays with text
    matches: list[Match] = field(default_factory=list)
    best: dict[int, float] = field(default_factory=dict)  # essay -> highest score
    candidates: int = 0  # pairs checked exactly
    common: int = 0  # boilerplate shingles dropped
    timings: dict[str, float] = field(default_factory=dict)


def common_shingles(corpus: Corpus, keys: list[int], shingler: Shingler) -> set[int]:
    """Shingles found in at least COMMON_SHARE of the essays (and COMMON_MIN of them), on a regular sample."""
    step = max(1, math.ceil(len(keys) / SAMPLE))
    sample = keys[::step]
    counts: Counter[int] = Counter()
    seen = 0
    for _key, _owner, text in corpus.texts(sample):
        if text.strip():
            counts.update(shingler.shingles(text))
            seen += 1
    floor = max(COMMON_MIN, math.ceil(COMMON_SHARE * seen))
    return {h for h, n in counts.items() if n >= floor}


def passages(
    a: tuple[list[tuple[int, int]], list[int]],
    b: tuple[list[tuple[int, int]], list[int]],
    shared: set[int],
    size: int = SHINGLE,
) -> list[list[int]]:
    """The shared passages of two texts as [a_start, a_end, b_start, b_end] character ranges, in A's order.

    Greedy alignment: from each shared shingle of A not yet covered, follow the longest run of equal
    shingles at one of its places in B; runs that touch in both texts are merged.
    """
    spans_a, hashes_a = a
    spans_b, hashes_b = b
    where: dict[int, list[int]] = {}
    for j, h in enumerate(hashes_b):
        if h in shared:
            where.setdefault(h, []).append(j)
    runs: list[list[int]] = []
    i = 0
    while i < len(hashes_a):
        places = where.get(hashes_a[i])
        if not places:
            i += 1
            continue
        best_j, best_len = places[0], 0
        for j in places[:8]:
            length = 0
            while (
                i + length < len(hashes_a)
                and j + length < len(hashes_b)
                and hashes_a[i + length] == hashes_b[j + length]
            ):
                length += 1
            if length > best_len:
                best_j, best_len = j, length
        last = min(size, len(spans_a)) - 1  # a shingle covers `size` words (fewer in a very short text)
        a_end = spans_a[min(i + best_len - 1 + last, len(spans_a) - 1)][1]
        b_end = spans_b[min(best_j + best_len - 1 + last, len(spans_b) - 1)][1]
        run = [spans_a[i][0], a_end, spans_b[best_j][0], b_end]
        if runs and run[0] <= runs[-1][1] and runs[-1][2] <= run[2] <= runs[-1][3]:
            runs[-1][1] = max(runs[-1][1], run[1])
            runs[-1][3] = max(runs[-1][3], run[3])
        else:
            runs.append(run)
        i += best_len
    return runs


def compare(
    corpus: Corpus,
    *,
    outline: str = "",
    threshold: float = DEFAULT_THRESHOLD,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Find the near-copies among the corpus's essays and the essays copying the outline (see the module doc)."""
    result = Result()
    clock = time.perf_counter()

    def lap(label: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.timings[label] = now - clock
        clock = now
        if progress:
            progress(f"{label}: {result.timings[label]:.2f} s")

    shingler = Shingler()
    keys = corpus.keys()
    outline_set = shingler.shingles(outline) if outline.strip() else set()
    excluded = common_shingles(corpus, keys, shingler) | outline_set
    result.common = len(excluded)
    lap("boilerplate")

    # Pass 1: signatures (their band keys), each essay's own shingles (a compact array), outline matches.
    index: list[int] = []  # position -> key
    owners: list[int] = []
    arrays: list[array[int]] = []  # position -> the essay's shingles less the boilerplate
    flat: list[int] = []  # band keys, BANDS per compared essay
    outline_hits: dict[int, float] = {}
    for key, owner, text in corpus.texts(keys):
        full = shingler.shingles(text)
        if not full:
            continue
        result.compared += 1
        if outline_set:
            share = len(full & outline_set) / len(full)
            if share >= threshold:
                outline_hits[key] = share
        own = full - excluded
        if len(own) < MIN_SHINGLES:
            continue
        index.append(key)
        owners.append(owner)
        arrays.append(array("q", own))
        flat.extend(band_keys(signature(own)))
    lap("signatures")

    # Candidates: essays sharing a band bucket (a pair is the int x * count + y, positions x < y).
    count = len(index)
    hits: set[int] = set()
    for band in range(BANDS):
        column = flat[band::BANDS]
        repeated = {k for k, n in Counter(column).items() if n > 1}
        if not repeated:
            continue
        buckets: dict[int, list[int]] = {}
        for position, k in enumerate(column):
            if k in repeated:
                buckets.setdefault(k, []).append(position)
        for members in buckets.values():
            if len(members) > BUCKET_CAP:  # a huge bucket: link everyone to its first essay, not all pairs
                hits.update(members[0] * count + m for m in members[1:])
            else:
                hits.update(x * count + y for n, x in enumerate(members) for y in members[n + 1 :])
    candidates = sorted(divmod(pair, count) for pair in hits)
    candidates = [(x, y) for x, y in candidates if owners[x] != owners[y]]
    result.candidates = len(candidates)
    del flat, hits
    lap(f"candidates ({count} essays)")

    # Exact check of the candidates (sorted by x: one set per x, intersected with each y's array).
    kept: list[tuple[int, int, float]] = []
    current, current_set = -1, set()
    for x, y in candidates:
        if x != current:
            current, current_set = x, set(arrays[x])
        score = len(current_set.intersection(arrays[y])) / min(len(arrays[x]), len(arrays[y]))
        if score >= threshold:
            kept.append((x, y, score))
    lap(f"check ({len(candidates)} pairs)")

    # Passages, clusters, best scores.
    needed = sorted({index[p] for x, y, _s in kept for p in (x, y)} | outline_hits.keys())
    texts = {key: text for key, _owner, text in corpus.texts(needed)}
    placed = {key: shingler.positioned(text) for key, text in texts.items()}
    outline_placed = shingler.positioned(outline) if outline_hits else ([], [])
    parent: dict[int, int] = {}

    def root(k: int) -> int:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for x, y, score in kept:
        a, b = sorted((index[x], index[y]))
        shared = set(arrays[x]).intersection(arrays[y])
        result.matches.append(Match(a, b, round(score, 4), passages(placed[a], placed[b], shared)))
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for k in list(parent):
        groups.setdefault(root(k), []).append(k)
    best: dict[int, float] = {}
    for m in result.matches:
        best[m.a] = max(best.get(m.a, 0.0), m.score)
        best[m.b] = max(best.get(m.b, 0.0), m.score)  # type: ignore[index]
    ordered = sorted(groups.values(), key=lambda g: (-len(g), -max(best[k] for k in g), min(g)))
    number = {k: n for n, group in enumerate(ordered, start=1) for k in group}
    for m in result.matches:
        m.cluster = number[m.a]
    for key, share in sorted(outline_hits.items()):
        shared = set(placed[key][1]) & outline_set
        result.matches.append(Match(key, None, round(share, 4), passages(placed[key], outline_placed, shared)))
        best[key] = max(best.get(key, 0.0), round(share, 4))
    result.best = best
    result.matches.sort(key=lambda m: (m.cluster == 0, m.cluster, -m.score, m.a))
    lap("passages and clusters")
    return result


# --------------------------------------------------------------------------------------------
# Runs: request, execute, schedule
# --------------------------------------------------------------------------------------------


def _root(campaign: Campaign) -> Campaign:
    return campaign.parent if campaign.parent_id else campaign


def compared_essays(campaign: Campaign) -> Any:
    """The essays a run compares: every submitted (or graded) attempt of the provincial campaign."""
    return Essay.objects.filter(campaign=_root(campaign)).exclude(status=Essay.Status.DRAFT)


class EssayCorpus(Corpus):
    """A campaign's submitted essays, read from the database a chunk at a time."""

    def __init__(self, campaign: Campaign) -> None:
        self.qs = compared_essays(campaign)

    def keys(self) -> list[int]:
        return list(self.qs.order_by("pk").values_list("pk", flat=True))

    def texts(self, keys: Sequence[int]) -> Iterator[tuple[int, int, str]]:
        for start in range(0, len(keys), CHUNK):
            rows = (
                self.qs.filter(pk__in=keys[start : start + CHUNK])
                .order_by("pk")
                .values_list("pk", "person_id", "file", "body", "extracted_text")
            )
            for pk, person_id, file, body, extracted in rows:
                yield pk, person_id, (extracted if file else body) or ""


def _expire_stale(root: Campaign, now: dt.datetime) -> None:
    SimilarityRun.objects.filter(
        campaign=root,
        status__in=[SimilarityRun.Status.QUEUED, SimilarityRun.Status.RUNNING],
        requested_at__lt=now - STALE_AFTER,
    ).update(status=SimilarityRun.Status.FAILED, finished_at=now, error=_("Interrupted: no result after 6 hours."))


@transaction.atomic
def similarity_request(*, actor: Any, campaign: Campaign, threshold: float = DEFAULT_THRESHOLD) -> SimilarityRun:
    """Queue a similarity run of the (provincial) campaign's essays; audited; the task starts on commit.

    Raises DomainError when a run of the campaign is already queued or running (runs lost for more than
    STALE_AFTER are marked failed first, so a killed worker never blocks the campaign).
    """
    root = Campaign.objects.select_for_update().select_related("organisation").get(pk=_root(campaign).pk)
    now = timezone.now()
    _expire_stale(root, now)
    if SimilarityRun.objects.filter(
        campaign=root, status__in=[SimilarityRun.Status.QUEUED, SimilarityRun.Status.RUNNING]
    ).exists():
        raise DomainError(_("A similarity check of this campaign is already queued or running."))
    run = SimilarityRun.objects.create(
        campaign=root, requested_by=actor if getattr(actor, "pk", None) else None, threshold=threshold
    )
    audit.record(
        actor=actor,
        action="similarity_request",
        target=root,
        organisation=root.organisation,
        changes={"run": run.pk, "threshold": threshold},
    )
    similarity_run_task.delay_on_commit(run.pk)
    return run


def similarity_run_execute(*, run_id: int, progress: Callable[[str], None] | None = None) -> SimilarityRun:
    """Compare the campaign's essays and store the result; idempotent (a finished run is left alone).

    The result replaces the campaign's previous pairs and every essay's ``similarity`` in one transaction;
    a failure marks the run failed with its error and leaves the previous result in place.
    """
    with transaction.atomic():
        run = SimilarityRun.objects.select_for_update().select_related("campaign").get(pk=run_id)
        if run.status in (SimilarityRun.Status.DONE, SimilarityRun.Status.FAILED):
            return run
        run.status, run.started_at, run.error = SimilarityRun.Status.RUNNING, timezone.now(), ""
        run.save(update_fields=["status", "started_at", "error"])
    try:
        result = compare(
            EssayCorpus(run.campaign),
            outline=run.campaign.essay_outline or "",
            threshold=run.threshold,
            progress=progress,
        )
        with transaction.atomic():
            current = SimilarityRun.objects.select_for_update().get(pk=run_id)
            if current.status != SimilarityRun.Status.RUNNING:  # finished by a duplicate delivery meanwhile
                return current
            _store(current, result)
            return current
    except Exception as exc:
        log.exception("Similarity run %s failed", run_id)
        SimilarityRun.objects.filter(pk=run_id, status=SimilarityRun.Status.RUNNING).update(
            status=SimilarityRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return SimilarityRun.objects.get(pk=run_id)


def _store(run: SimilarityRun, result: Result) -> None:
    campaign_id = run.campaign_id
    SimilarPair.objects.filter(run__campaign_id=campaign_id).delete()
    SimilarPair.objects.bulk_create(
        (
            SimilarPair(run=run, a_id=m.a, b_id=m.b, score=m.score, cluster=m.cluster, passages=m.passages)
            for m in result.matches
        ),
        batch_size=1000,
    )
    Essay.objects.filter(campaign_id=campaign_id, similarity__isnull=False).update(similarity=None)
    Essay.objects.bulk_update(
        [Essay(pk=key, similarity=score) for key, score in result.best.items()], ["similarity"], batch_size=500
    )
    run.status, run.finished_at = SimilarityRun.Status.DONE, timezone.now()
    run.essays, run.pairs = result.compared, len(result.matches)
    run.save(update_fields=["status", "finished_at", "essays", "pairs"])


def similarity_due(now: dt.datetime | None = None) -> list[Campaign]:
    """Provincial campaigns whose essay deadline (or, later, cut-off) passed with no run requested since.

    Only campaigns with submitted essays; one query for the list.
    """
    now = now or timezone.now()
    rows = (
        Campaign.objects.filter(parent__isnull=True, essay_required=True, essay_deadline__lte=now)
        .exclude(status=Campaign.Status.DRAFT)
        .annotate(
            last_run=Max("similarity_runs__requested_at"),
            has_essays=Exists(compared_essays_of(OuterRef("pk"))),
        )
        .filter(has_essays=True)
        .select_related("organisation")
    )
    due = []
    for campaign in rows:
        moment = campaign.essay_deadline
        if campaign.essay_cutoff and moment and moment < campaign.essay_cutoff <= now:
            moment = campaign.essay_cutoff  # run again once late essays can no longer come
        if campaign.last_run is None or campaign.last_run < moment:
            due.append(campaign)
    return due


def compared_essays_of(campaign_ref: Any) -> Any:
    return Essay.objects.filter(campaign_id=campaign_ref).exclude(status=Essay.Status.DRAFT)


@shared_task
def similarity_run_task(run_id: int) -> str:
    """Execute one similarity run (queued by similarity_request)."""
    return similarity_run_execute(run_id=run_id).status


@shared_task
def similarity_after_deadline() -> int:
    """Celery beat, hourly: queue a run for every campaign due (see similarity_due). Returns how many."""
    queued = 0
    for campaign in similarity_due():
        try:
            similarity_request(actor=None, campaign=campaign)
        except DomainError:  # a run is already queued or running
            continue
        queued += 1
    return queued

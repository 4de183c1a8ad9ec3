"""Benchmark: the similarity check (essays.similarity) on the demo's essays, and how it grows with their number.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h6 .venv/bin/python bench/bench_similarity.py

Intended for PostgreSQL with the demo province loaded (``manage.py seed_demo``): its Kết luận 21 campaign has
~33,000 submitted essays with a few planted groups of near-copies and outline copies (essays.demo). The
script runs ``similarity.compare`` on evenly spread subsets of the campaign's submitted essays (--sizes,
default 5000 10000 20000 and all) and prints, per size, the time of each phase (boilerplate sample,
signatures, candidates, exact check, passages), the candidate pairs checked, the pairs and groups found,
and the time per 1,000 essays (flat when the growth is linear). Texts are read from the database as a run
reads them (chunks of 2,000), so the times include the queries.

Then (unless --no-store) it executes one whole run through ``similarity_run_execute`` — compare, then
replace the campaign's pairs and essays' scores in one transaction — inside an outer transaction that is
rolled back: nothing is left behind.

DEBUG is off (as in production). Run it on a quiet machine: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from campaigns.models import Campaign  # noqa: E402
from essays import similarity  # noqa: E402
from essays.models import SimilarityRun, SimilarPair  # noqa: E402


class Subset(similarity.EssayCorpus):
    """The campaign's essays, restricted to ``size`` of them spread evenly over the key order."""

    def __init__(self, campaign: Campaign, size: int | None) -> None:
        super().__init__(campaign)
        self.size = size

    def keys(self) -> list[int]:
        keys = super().keys()
        if self.size is None or self.size >= len(keys):
            return keys
        step = len(keys) / self.size
        return [keys[int(i * step)] for i in range(self.size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        nargs="*",
        type=int,
        default=[5000, 10000, 20000, 0],
        help="subset sizes; 0 means every submitted essay (default 5000 10000 20000 0)",
    )
    parser.add_argument("--no-store", action="store_true", help="skip the whole run with its writes")
    parser.add_argument("--debug", action="store_true", help="keep DEBUG as configured")
    args = parser.parse_args()
    if not args.debug:
        settings.DEBUG = False
    campaign = (
        Campaign.objects.filter(parent__isnull=True, essay_outline__gt="").order_by("pk").first()
        or Campaign.objects.filter(parent__isnull=True, essays__isnull=False).order_by("pk").first()
    )
    if campaign is None:
        sys.exit("No campaign with essays: load the demo first (manage.py seed_demo).")
    total = similarity.compared_essays(campaign).count()
    print(f"Database: {connection.vendor}; campaign: {campaign.title[:70]}...")
    print(f"Submitted essays: {total:,}; load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"Parameters: {similarity.SHINGLE}-word shingles, {similarity.BINS} MinHash bins in "
        f"{similarity.BANDS} bands of {similarity.ROWS}, boilerplate >= {similarity.COMMON_SHARE:.0%} of "
        f"a {similarity.SAMPLE:,}-essay sample, threshold {similarity.DEFAULT_THRESHOLD}\n"
    )
    header = (
        f"{'essays':>7} {'boiler':>7} {'sign':>7} {'cand':>7} {'check':>7} {'pass':>7} {'total s':>8} "
        f"{'s/1000':>7} {'candidates':>10} {'pairs':>6} {'groups':>6} {'outline':>7}"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        corpus = Subset(campaign, size or None)
        started = time.perf_counter()
        result = similarity.compare(corpus, outline=campaign.essay_outline or "")
        elapsed = time.perf_counter() - started
        phases = list(result.timings.values())
        essay_pairs = [m for m in result.matches if m.b is not None]
        groups = len({m.cluster for m in essay_pairs})
        print(
            f"{result.compared:>7,} " + " ".join(f"{t:>7.2f}" for t in phases) + f" {elapsed:>8.2f} "
            f"{elapsed / result.compared * 1000:>7.2f} {result.candidates:>10,} {len(essay_pairs):>6} {groups:>6} "
            f"{len(result.matches) - len(essay_pairs):>7}"
        )
    print(f"\nLoad average after: {os.getloadavg()[0]:.2f}")
    if args.no_store:
        return
    with transaction.atomic():
        run = SimilarityRun.objects.create(campaign=campaign)
        started = time.perf_counter()
        run = similarity.similarity_run_execute(run_id=run.pk)
        elapsed = time.perf_counter() - started
        stored = SimilarPair.objects.filter(run=run).count()
        print(
            f"Whole run (compare + store, rolled back): {elapsed:.2f} s, status {run.status}, "
            f"{run.essays:,} essays, {stored} pairs stored"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

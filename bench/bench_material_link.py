"""Benchmark: a material's public link page (/q/<code>) under gunicorn on PostgreSQL, against a trivial view (/health/).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h8 .venv/bin/python bench/bench_material_link.py

The page a phone opens after scanning a QR code at a conference, when hundreds scan at once. The script:

1. takes a published public material with a live general link (the demo's guide to Kết luận 21-KL/TW); when
   there is none it creates a bench material with a PDF and publishes it, and deletes it at the end unless
   ``--keep``;
2. collects the static files into a temporary directory and starts gunicorn (sync workers, production
   settings: DEBUG off, cached templates, persistent connections) on 127.0.0.1 and a free port, with the
   same MEDIA_ROOT as this process;
3. checks that both pages answer 200 (the link page naming the issuing unit), then, for ``--rounds`` rounds,
   loads each URL in turn with ``--requests`` requests from ``--connections`` threads, each on one keep-alive
   connection (the load generator shares the machine: the ratio, not the absolute figure, is the result);
4. prints requests per second and latency of each, the median of the rounds' ratios link / health (target
   >= 0.5), and checks that every counted opening was appended as one row (no counter row: concurrent scans
   never wait on each other). The rows the bench appended are deleted at the end unless ``--keep``.

Anonymous requests, as from a phone that scanned a code; loopback only. Run it on a quiet machine: the load
average is printed with the results.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from materials import codes, services  # noqa: E402
from materials.models import Access, Material, ShareLink  # noqa: E402
from organisations.models import Organisation  # noqa: E402

BENCH_TITLE = "Bench: material link"


def find_or_make_link() -> tuple[ShareLink, str, bool]:
    """A live general link of a published public material (True if the material was made here)."""
    links = (
        ShareLink.objects.filter(
            cell__isnull=True,
            revoked_at__isnull=True,
            valid_until__isnull=True,
            valid_from__isnull=True,
            material__published=True,
            material__classification="public",
        )
        .exclude(material__file="")
        .select_related("material__issuing_unit")
        .order_by("material__order", "pk")
    )
    for link in links:
        code = codes.code_of(link)
        if code:
            return link, code, False
    province = Organisation.objects.filter(depth=0).order_by("path").first()
    if province is None:
        raise SystemExit("No organisation tree: load the demo first (manage.py seed_demo).")
    from materials.tests.factories import pdf_bytes

    material = services.material_create(
        actor=None,
        upload=SimpleUploadedFile("bench.pdf", pdf_bytes(2)),
        title=BENCH_TITLE,
        kind="book",
        classification="public",
        issuing_unit=province,
    )
    link = services.material_publish(actor=None, material=material)
    assert link is not None
    return link, str(codes.code_of(link)), True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, workers: int, static_root: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the link codes are HMACs under this key
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the files the material points at
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


HEADERS = {"Accept-Language": "vi", "User-Agent": "Mozilla/5.0 (Linux; Android 14) bench"}


def fetch(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=HEADERS)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


def run_pool(port: int, path: str, requests: int, connections: int) -> dict[str, float]:
    """``requests`` GETs from ``connections`` threads, each on one keep-alive connection."""
    per_thread = max(1, requests // connections)

    def worker(_: int) -> tuple[list[float], int]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors = [], 0
        for _ in range(per_thread):
            started = time.perf_counter()
            conn.request("GET", path, headers=HEADERS)
            response = conn.getresponse()
            response.read()
            errors += response.status != 200
            latencies.append((time.perf_counter() - started) * 1000)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        return latencies, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        results = list(pool.map(worker, range(connections)))
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "errors": float(sum(e for _, e in results)),
        "requests": float(len(latencies)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: CPUs)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one slice per URL in turn (default 5)")
    parser.add_argument("--requests", type=int, default=800, help="requests per URL and round (default 800)")
    parser.add_argument("--keep", action="store_true", help="keep the bench material and the appended rows")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("Warning: not PostgreSQL; the figures will not say much.", file=sys.stderr)
    link, code, created = find_or_make_link()
    material = link.material
    page = reverse("material_link", args=[code])
    health = reverse("health")
    targets = [("health", health), ("link", page)]
    first_access = (Access.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    process = start_gunicorn(port, args.workers, static_root)
    rounds: list[dict[str, dict[str, float]]] = []
    try:
        for _label, path in targets:
            status, body = fetch(port, path)
            if status != 200:
                print(f"{path} answered {status}", file=sys.stderr)
                return 1
        if material.issuing_unit.name not in body or material.title not in body:
            print("The link page does not show the material and its issuing unit.", file=sys.stderr)
            return 1
        for _label, path in targets:  # warm-up: every worker has its connection and cached templates
            run_pool(port, path, 200, args.connections)
        # Rounds of one slice per URL, in turn: a change in the machine's load weighs on every URL alike.
        for _ in range(args.rounds):
            rounds.append({label: run_pool(port, path, args.requests, args.connections) for label, path in targets})
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(static_root, ignore_errors=True)
        appended = Access.objects.filter(pk__gte=first_access, link=link, kind=Access.Kind.VIEW)
        counted = appended.count()
        if not args.keep:
            appended.delete()
            if created:
                services.material_delete(actor=None, material=Material.objects.get(pk=material.pk))

    tool = f"Python thread pool, {args.requests} requests per URL and round, {args.rounds} rounds"
    results = {
        label: {key: statistics.median(r[label][key] for r in rounds) for key in ("rps", "p50", "p99")}
        | {key: sum(r[label][key] for r in rounds) for key in ("requests", "errors")}
        for label, _ in targets
    }
    print(
        f"{connection.vendor} {connection.settings_dict['NAME']}; gunicorn {args.workers} sync workers; "
        f"{args.connections} connections; {tool}; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"link: {material.title} ({material.issuing_unit.name}){' (bench-made)' if created else ''}")
    for label, path in targets:
        r = results[label]
        print(
            f"  {label:<7} {path:<34} {r['rps']:8.1f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms"
            f"   {int(r['requests'])} requests, {int(r['errors'])} errors"
        )
    ratio = statistics.median(r["link"]["rps"] / r["health"]["rps"] for r in rounds)
    per_round = ", ".join(f"{r['link']['rps'] / r['health']['rps']:.2f}" for r in rounds)
    print(
        f"  ratio link / health: {ratio:.2f} (median of the rounds: {per_round}; target >= 0.50)"
        f"{'' if ratio >= 0.5 else '  BELOW TARGET'}"
    )
    # Every link request of the warm-up, the check and the rounds appended exactly one row.
    expected = 1 + 200 // args.connections * args.connections + int(results["link"]["requests"])
    print(
        f"  openings appended as rows: {counted:,} for {expected:,} link requests"
        f"{'' if counted == expected else '  MISMATCH'}"
    )
    return 0 if not any(r["errors"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

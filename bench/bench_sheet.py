"""Benchmark: the attendance sheet page under gunicorn on PostgreSQL, against a trivial view (/health/).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h7 .venv/bin/python bench/bench_sheet.py

Needs the demo province (``manage.py seed_demo``). The script:

1. takes the cell secretary ``--user`` (default demo_secretary) and their cell, and a session of an open
   campaign that expects the cell; when there is none it creates a bench campaign with one session and
   saves the cell's sheet once through the service (so the page shows stored rows), and deletes them at
   the end unless ``--keep``;
2. opens a login session for the secretary directly in the session store (no password needed);
3. collects the static files into a temporary directory and starts gunicorn (sync workers, production
   settings: DEBUG off, cached templates, persistent connections) on 127.0.0.1 and a free port;
4. checks that both pages answer 200 (the sheet page listing the cell's people), then, for ``--rounds``
   rounds, loads each URL in turn for ``--seconds`` with ``wrk`` (``--connections`` connections, the
   secretary's cookie) or, with ``--python`` or without wrk, sends ``--requests`` requests from a thread
   pool over keep-alive connections (a bounded number);
5. prints the median requests per second and latency of each, and the median of the rounds' ratios
   sheet / health (target >= 0.3); with ``--logged-in-baseline`` also what any logged-in page costs
   (/password/done/: session, user, session save).

Loopback only. Run it on a quiet machine: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns import attendance  # noqa: E402
from campaigns.models import Attendance, Campaign, Document, StudySession  # noqa: E402
from organisations.models import Organisation, RoleGrant  # noqa: E402
from portal.lib.sessions import LOGIN_AT_KEY  # noqa: E402

BENCH_TITLE = "Bench: attendance sheet"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_or_make_session(cell: Organisation, secretary: Any) -> tuple[StudySession, bool]:
    """An open campaign's session expecting ``cell`` (newest), or a bench one made here (True)."""
    for session in attendance.attendance_session_list(user=secretary):
        if attendance.sheet_session_get(session_id=session.pk, cell=cell) is not None:
            return session, False
    province = Organisation.objects.filter(depth=0).order_by("path").first()
    assert province is not None
    document, _ = Document.objects.get_or_create(
        number_symbol="21-KL/TW",
        issued_on=dt.date(2021, 10, 25),
        defaults={
            "kind": Document.Kind.CONCLUSION,
            "issuing_body": "Ban Chấp hành Trung ương",
            "title": "Kết luận về đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ thống chính trị",
        },
    )
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        title=BENCH_TITLE,
        organisation=province,
        starts_on=today,
        ends_on=today,
        status=Campaign.Status.OPEN,
    )
    campaign.documents.set([document])
    campaign.audience.set([province])
    start = timezone.now()
    session = StudySession.objects.create(
        campaign=campaign,
        organisation=province,
        title=BENCH_TITLE,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        venue="Hội trường",
    )
    found = attendance.sheet_session_get(session_id=session.pk, cell=cell)
    assert found is not None
    rows = attendance.sheet_rows(session=found, cell=cell)
    entries = {r.person_id: attendance.Entry(Attendance.Status.PRESENT) for r in rows}
    if rows:
        entries[rows[0].person_id] = attendance.Entry(Attendance.Status.ABSENT, "sick")
    attendance.attendance_sheet_save(actor=secretary, session=found, cell=cell, version=0, entries=entries, points=[])
    return session, True


def login_cookie(user: Any) -> str:
    """A session of ``user`` in the configured session store, as the login view would make it."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[LOGIN_AT_KEY] = time.time()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def start_gunicorn(port: int, workers: int, static_root: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        # The session made here is signed with this process's key: gunicorn must use the same one.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": static_root,
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


def fetch(port: int, path: str, cookie: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "vi"})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


def run_wrk(port: int, path: str, cookie: str, seconds: int, connections: int, threads: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept-Language: vi",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)

    def ms(match: re.Match[str] | None) -> float:
        if match is None:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    return {
        "rps": rps,
        "p50": ms(p50),
        "p99": ms(p99),
        "errors": float(errors.group(1)) if errors else 0.0,
        "requests": float(total.group(1)) if total else 0.0,
    }


def run_pool(port: int, path: str, cookie: str, requests: int, connections: int) -> dict[str, float]:
    """``requests`` GETs from ``connections`` threads, each on one keep-alive connection."""
    per_thread = max(1, requests // connections)

    def worker(_: int) -> tuple[list[float], int]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors = [], 0
        for _ in range(per_thread):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "vi"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
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
    parser.add_argument("--user", default="demo_secretary", help="a cell secretary (default demo_secretary)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: CPUs)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one slice per URL in turn (default 5)")
    parser.add_argument("--seconds", type=int, default=4, help="wrk: seconds per URL and round (default 4)")
    parser.add_argument("--requests", type=int, default=400, help="--python: requests per URL and round (default 400)")
    parser.add_argument("--python", action="store_true", help="use the Python thread pool even if wrk exists")
    parser.add_argument("--keep", action="store_true", help="keep the bench campaign if one was created")
    parser.add_argument(
        "--logged-in-baseline",
        action="store_true",
        help="also load /password/done/: what any logged-in page costs (session, user, session save)",
    )
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("Warning: not PostgreSQL; the figures will not say much.", file=sys.stderr)
    user = get_user_model().objects.filter(username=args.user).first()
    grant = RoleGrant.objects.filter(user=user, role=RoleGrant.Role.SECRETARY).select_related("organisation").first()
    if user is None or grant is None:
        print(f"No cell secretary {args.user!r}: load the demo first (manage.py seed_demo).", file=sys.stderr)
        return 2
    cell = grant.organisation
    session, created = find_or_make_session(cell, user)
    people = len(
        attendance.sheet_rows(session=attendance.sheet_session_get(session_id=session.pk, cell=cell), cell=cell)
    )
    cookie = login_cookie(user)
    sheet = reverse("campaigns:attendance_sheet", args=[session.pk, cell.pk])
    health = reverse("health")
    targets = [("health", health), ("sheet", sheet)]
    if args.logged_in_baseline:
        targets.insert(1, ("trivial", reverse("password_change_done")))
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    use_wrk = bool(shutil.which("wrk")) and not args.python
    process = start_gunicorn(port, args.workers, static_root)
    try:
        for path in (health, sheet):
            status, body = fetch(port, path, cookie)
            if status != 200:
                print(f"{path} answered {status}", file=sys.stderr)
                return 1
        status, body = fetch(port, sheet, cookie)
        shown = body.count('name="person"')
        if shown != people:
            print(f"The sheet page shows {shown} people, expected {people}.", file=sys.stderr)
            return 1
        for _, path in targets:  # warm-up: every worker has its connection and cached templates
            (
                run_wrk(port, path, cookie, 2, args.connections, 2)
                if use_wrk
                else run_pool(port, path, cookie, 200, args.connections)
            )
        # Rounds of one slice per URL, in turn: a change in the machine's load weighs on every URL alike.
        rounds: list[dict[str, dict[str, float]]] = []
        for _ in range(args.rounds):
            rounds.append(
                {
                    label: (
                        run_wrk(port, path, cookie, args.seconds, args.connections, 2)
                        if use_wrk
                        else run_pool(port, path, cookie, args.requests, args.connections)
                    )
                    for label, path in targets
                }
            )
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(static_root, ignore_errors=True)
        if created and not args.keep:
            Campaign.objects.filter(pk=session.campaign_id).delete()

    tool = (
        f"wrk, {args.seconds} s" if use_wrk else f"Python thread pool, {args.requests} requests"
    ) + f" per URL and round, {args.rounds} rounds"
    results = {
        label: {key: statistics.median(r[label][key] for r in rounds) for key in ("rps", "p50", "p99")}
        | {key: sum(r[label][key] for r in rounds) for key in ("requests", "errors")}
        for label, _ in targets
    }

    def ratio_of(a: str, b: str) -> float:
        return statistics.median(r[a]["rps"] / r[b]["rps"] for r in rounds)

    print(
        f"{connection.vendor} {connection.settings_dict['NAME']}; gunicorn {args.workers} sync workers; "
        f"{args.connections} connections; {tool}; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"sheet: {cell.name}, {people} people, session {session.pk}{' (bench-made)' if created else ''}")
    for label, path in targets:
        r = results[label]
        print(
            f"  {label:<7} {path:<40} {r['rps']:8.1f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms"
            f"   {int(r['requests'])} requests, {int(r['errors'])} errors"
        )
    ratio = ratio_of("sheet", "health")
    per_round = ", ".join(f"{r['sheet']['rps'] / r['health']['rps']:.2f}" for r in rounds)
    print(
        f"  ratio sheet / health: {ratio:.2f} (median of the rounds: {per_round}; target >= 0.30)"
        f"{'' if ratio >= 0.3 else '  BELOW TARGET'}"
    )
    if "trivial" in results:
        print(
            f"  ratio trivial logged-in page / health: {ratio_of('trivial', 'health'):.2f}; "
            f"sheet / trivial logged-in page: {ratio_of('sheet', 'trivial'):.2f}"
        )
    return 0 if not any(r["errors"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

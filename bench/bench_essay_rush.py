"""Benchmark: the deadline rush — N members write and submit their essays at the same moment through the real server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_h4 .venv/bin/python bench/bench_essay_rush.py

The script:

1. makes (or reuses) a bench cell "Chi bộ kiểm thử tải" under the root organisation with ``--members`` party
   members, each with a login account (password ``--password``), and a new open provincial campaign
   for that cell asking for an essay of at least ``--min-words`` words, deadline in one hour;
2. collects the static files into a temporary directory and starts gunicorn (sync workers, production
   settings: DEBUG off, cached templates, persistent connections) on 127.0.0.1 and a free port, unless
   ``--url`` names a running server;
3. logs every member in through the login form, each in its own thread (timed apart: password hashing
   is the cost there, not essays), or with ``--session-login`` opens the sessions directly in the store;
4. the rush: all threads wait at a barrier, then each member at once opens the write page, autosaves
   twice (the second save from the version the first returned), saves through the page's form with
   "Submit…", opens the confirmation page, confirms, confirms AGAIN (a double submit), and opens
   "Bài thu hoạch của tôi". Every request is timed;
5. verifies in the database that exactly ``--members`` essays exist for the campaign, one per member, all
   submitted, each holding exactly the text that member typed (nothing lost, nothing mixed up), that the
   double submit made no second submission (one ``essay_submit`` audit entry per essay), and that no
   request failed; prints latency percentiles per step, the rush's wall time and throughput;
6. deletes the campaign (and its essays) unless ``--keep``; the bench cell and accounts stay for the next run.

Exit status 1 when the verification fails. Loopback only; the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns import services as campaign_services  # noqa: E402
from campaigns.models import Campaign, Document  # noqa: E402
from essays.models import Essay  # noqa: E402
from organisations import services as org_services  # noqa: E402
from organisations.models import STEP, AuditEntry, Organisation, Person  # noqa: E402

CELL_NAME = "Chi bộ kiểm thử tải (bench)"
USER_PREFIX = "bench_rush_"
TITLE = "Bench: deadline rush"
SENTENCES = [
    "Qua học tập, quán triệt nghị quyết, bản thân tôi nhận thức sâu sắc hơn trách nhiệm của người đảng viên.",
    "Tôi tự nhận thấy cần nêu cao tinh thần tự phê bình và phê bình, giữ gìn phẩm chất đạo đức, lối sống.",
    "Liên hệ thực tiễn địa phương, tôi sẽ vận động gia đình và bà con thực hiện tốt chủ trương của Đảng.",
]


def essay_for(number: int, words: int) -> tuple[str, str]:
    """(first half, whole text) of member ``number``'s essay: unique to them, in paragraphs."""
    paragraphs = [f"Bài thu hoạch của đảng viên số {number:04d}."]
    count = 6
    i = number
    while count < words:
        sentence = SENTENCES[i % len(SENTENCES)]
        paragraphs.append(f"{sentence} (Ý {len(paragraphs)} của người viết {number:04d}.)")
        count += len(paragraphs[-1].split())
        i += 1
    whole = "\n\n".join(paragraphs)
    return "\n\n".join(paragraphs[: len(paragraphs) // 2]), whole


# --------------------------------------------------------------------------------------------
# Set-up in the database
# --------------------------------------------------------------------------------------------


def bench_members(members: int, password: str) -> list[Any]:
    """The bench cell's members with their accounts (created on first use)."""
    root = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        root = org_services.organisation_create(
            actor=None, parent=None, name="Tỉnh ủy (bench)", kind=Organisation.Kind.PROVINCE
        )
    cell = Organisation.objects.filter(name=CELL_NAME).first()
    if cell is None:
        cell = org_services.organisation_create(actor=None, parent=root, name=CELL_NAME, kind=Organisation.Kind.CELL)
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__startswith=USER_PREFIX)}
    probe = User(username="probe")
    probe.set_password(password)
    users = []
    for i in range(members):
        name = f"{USER_PREFIX}{i:04d}"
        user = existing.get(name)
        if user is None:
            user = User.objects.create(username=name, password=probe.password)
        elif not user.check_password(password):
            user.password = probe.password
            user.save(update_fields=["password"])
        users.append(user)
    people = {p.user_id: p for p in Person.objects.filter(user__in=users)}
    for i, user in enumerate(users):
        if user.pk not in people:
            people[user.pk] = org_services.person_create(
                actor=None,
                full_name=f"Nguyễn Văn Thử {i:04d}",
                organisation=cell,
                user=user,
                kind=Person.Kind.OFFICIAL,
                status=Person.Status.ACTIVE,
                card_number=f"B{i:07d}",
            )
    return [(user, people[user.pk]) for user in users]


def bench_campaign(cell: Organisation, min_words: int) -> Campaign:
    document = Document.objects.first() or campaign_services.document_save(
        actor=None,
        kind=Document.Kind.CONCLUSION,
        number_symbol="21-KL/TW",
        issuing_body="Ban Chấp hành Trung ương",
        issued_on=dt.date(2021, 10, 25),
        title="Kết luận về xây dựng, chỉnh đốn Đảng",
    )
    root = Organisation.objects.get(path=cell.path[:STEP])
    today = timezone.localdate()
    campaign = campaign_services.campaign_create(
        actor=None,
        documents=[document],
        audience=[cell],
        organisation=root,
        title=f"{TITLE} {timezone.localtime():%Y-%m-%d %H:%M:%S}",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=10),
        essay_required=True,
        essay_deadline=timezone.now() + dt.timedelta(hours=1),
        essay_min_words=min_words,
    )
    campaign_services.campaign_open(actor=None, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, workers: int, static_root: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY if len(settings.SECRET_KEY) >= 50 else "bench-" + "k" * 60,
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
        "--backlog",
        "2048",
        "--timeout",
        "120",
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


# --------------------------------------------------------------------------------------------
# One member's browser (cookies, CSRF, timings)
# --------------------------------------------------------------------------------------------


@dataclass
class Member:
    number: int
    username: str
    person_id: int
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timings: list[tuple[str, float, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, step: str, method: str, path: str, data: dict[str, Any] | None = None, expect: tuple[int, ...] = (200,)
    ) -> tuple[int, dict[str, str], str]:
        headers = {
            "Accept-Language": "vi",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Referer": f"http://{self.host}:{self.port}{path}",
        }
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=180)
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn = None
                if attempt:
                    raise
        elapsed = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.timings.append((step, elapsed, response.status))
        if response.status not in expect:
            self.errors.append(f"{step}: {method} {path} -> {response.status} {text[:200]!r}")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    @staticmethod
    def token(html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1) if match else ""

    def log_in(self, password: str) -> None:
        _, _, html = self.request("login page", "GET", "/login/")
        self.request(
            "login",
            "POST",
            "/login/",
            {"csrfmiddlewaretoken": self.token(html), "username": self.username, "password": password},
            expect=(302,),
        )

    def rush(self, campaign_id: int, first: str, whole: str) -> None:
        base = f"/essays/campaign/{campaign_id}"
        _, _, html = self.request("write page", "GET", f"{base}/write/")
        token = self.token(html)
        version = int(re.search(r'name="version" value="(\d+)"', html).group(1))  # type: ignore[union-attr]
        for step, text in (("autosave 1", first), ("autosave 2", whole)):
            status, _, reply = self.request(
                step, "POST", f"{base}/autosave/", {"csrfmiddlewaretoken": token, "version": version, "body": text}
            )
            if status == 200:
                version = json.loads(reply)["version"]
        status, headers, _ = self.request(
            "save + review",
            "POST",
            f"{base}/write/",
            {"csrfmiddlewaretoken": token, "version": version, "body": whole, "action": "review"},
            expect=(302,),
        )
        _, _, html = self.request("confirm page", "GET", urlsplit(headers.get("location", f"{base}/submit/")).path)
        essay = re.search(r'name="essay" value="(\d+)"', html)
        confirmed = re.search(r'name="version" value="(\d+)"', html)
        if not essay or not confirmed:
            self.errors.append("confirm page: no essay/version in the form")
            return
        form = {"csrfmiddlewaretoken": self.token(html), "essay": essay.group(1), "version": confirmed.group(1)}
        self.request("submit", "POST", f"{base}/submit/", form, expect=(302,))
        self.request("submit again", "POST", f"{base}/submit/", form, expect=(302,))
        _, _, html = self.request("my essays", "GET", "/essays/mine/")
        if "Đã nộp" not in html:
            self.errors.append("my essays: the campaign is not shown as submitted")


def session_cookie(user: Any) -> dict[str, str]:
    """A session opened directly in the store (``--session-login``)."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from portal.lib.sessions import LOGIN_AT_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[LOGIN_AT_KEY] = time.time()
    store.create()
    return {settings.SESSION_COOKIE_NAME: store.session_key}


def run_threads(members: list[Member], target: Any) -> float:
    """Run ``target(member)`` in one thread per member, all released at once; the wall time."""
    barrier = threading.Barrier(len(members) + 1)
    failures: list[str] = []

    def body(member: Member) -> None:
        barrier.wait()
        try:
            target(member)
        except Exception as exc:  # a crashed thread is a failed member, reported below
            member.errors.append(f"{type(exc).__name__}: {exc}")
            failures.append(member.username)

    threads = [threading.Thread(target=body, args=(m,), daemon=True) for m in members]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentiles(values: list[float]) -> str:
    values = sorted(values)

    def pick(q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    return f"p50 {pick(0.5) * 1000:7.0f} ms  p95 {pick(0.95) * 1000:7.0f} ms  max {values[-1] * 1000:7.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200, help="members submitting at once (default 200)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--words", type=int, default=400, help="words per essay (default 400)")
    parser.add_argument("--min-words", type=int, default=300, help="the campaign's minimum (default 300)")
    parser.add_argument("--password", default="bench-rush-2024", help="password of the bench accounts")
    parser.add_argument("--url", help="a running server (http://127.0.0.1:8000) instead of starting gunicorn")
    parser.add_argument("--session-login", action="store_true", help="open sessions in the store, no login form")
    parser.add_argument("--keep", action="store_true", help="keep the campaign and its essays")
    args = parser.parse_args()

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    t0 = time.perf_counter()
    pairs = bench_members(args.members, args.password)
    cell = pairs[0][1].organisation
    campaign = bench_campaign(cell, args.min_words)
    print(f"Set-up: {args.members} members in {cell.name}, campaign #{campaign.pk} ({time.perf_counter() - t0:.1f} s)")

    process = static_root = None
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        host, port = "127.0.0.1", free_port()
        static_root = tempfile.mkdtemp(prefix="bench-static-")
        process = start_gunicorn(port, args.workers, static_root)
    members = [
        Member(number=i, username=user.username, person_id=person.pk, host=host, port=port)
        for i, (user, person) in enumerate(pairs)
    ]
    texts = {m.person_id: essay_for(m.number, args.words) for m in members}
    ok = True
    try:
        if args.session_login:
            for member, (user, _) in zip(members, pairs, strict=True):
                member.cookies.update(session_cookie(user))
            print("Login: sessions opened in the store")
        else:
            wall = run_threads(members, lambda m: m.log_in(args.password))
            print(
                f"Login: {args.members} members through the login form in {wall:.1f} s "
                f"(password hashing; not part of the rush)"
            )
        for member in members:
            member.timings.clear()
        wall = run_threads(members, lambda m: m.rush(campaign.pk, *texts[m.person_id]))
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
        if static_root:
            shutil.rmtree(static_root, ignore_errors=True)

    # Timings of the rush.
    by_step: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for member in members:
        for step, seconds, status in member.timings:
            by_step[step].append(seconds)
            statuses[step][status] += 1
    requests = sum(len(v) for v in by_step.values())
    load = os.getloadavg()
    print(
        f"\nThe rush: {args.members} members at once, {requests} requests in {wall:.1f} s "
        f"({requests / wall:.0f} requests/s, {args.members / wall:.1f} submissions/s); "
        f"gunicorn {args.workers} sync workers; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    for step, values in by_step.items():
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses[step].items()))
        print(f"  {step:<14} {percentiles(values)}   [{codes}]")
    per_member = [sum(s for _, s, _ in m.timings) for m in members if m.timings]
    print(f"  {'per member':<14} {percentiles(per_member)}   (all steps, one after the other)")

    # Verification in the database.
    errors = [e for m in members for e in (f"{m.username}: {x}" for x in m.errors)]
    essays = list(Essay.objects.filter(campaign=campaign).values("pk", "person_id", "status", "body", "attempt"))
    wrong = [e for e in essays if e["status"] != Essay.Status.SUBMITTED or e["body"] != texts[e["person_id"]][1]]
    per_person: dict[int, int] = defaultdict(int)
    for essay in essays:
        per_person[essay["person_id"]] += 1
    submits = AuditEntry.objects.filter(action="essay_submit", target_id__in=[str(e["pk"]) for e in essays]).count()
    missing = sorted(set(texts) - set(per_person))
    print(
        f"\nVerification: {len(essays)} essays for {args.members} members; {len(essays) - len(wrong)} submitted with "
        f"exactly their text; {len(missing)} missing; {sum(n - 1 for n in per_person.values())} extra attempts; "
        f"{submits} submissions audited (double submits: one each); {len(errors)} failed requests"
    )
    if errors:
        ok = False
        for line in errors[:10]:
            print(f"  ERROR {line}")
    if len(essays) != args.members or wrong or missing or submits != args.members:
        ok = False
    print("OK: nothing lost, one submission per member" if ok else "FAILED")
    if not args.keep:
        Campaign.objects.filter(pk=campaign.pk).delete()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

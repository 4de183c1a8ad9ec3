"""Account activation: printed per-cell sheets of one-time codes, and the member's activation page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from organisations import activation
from organisations.models import ActivationToken, AuditEntry, Organisation, Person
from organisations.tests.factories import PersonFactory, make_org
from portal.lib import pdf, qr

User = get_user_model()
TOKEN_IN_LINK = re.compile(r"/activate/([A-Za-z0-9_-]{43})/")
GOOD_PASSWORD = "Hoc-tap-nghi-quyet-2026"


@pytest.fixture
def waiting(cast: Any) -> SimpleNamespace:
    """cell_a: two members without an account, one who moved away; person_a and the secretary have accounts."""
    hang = PersonFactory(
        full_name="Đỗ Thị Hằng", organisation=cast.cell_a, date_of_birth=dt.date(1975, 3, 8), card_number="93001234"
    )
    phuc = PersonFactory(
        full_name="Lý Văn Phúc",
        organisation=cast.cell_a,
        date_of_birth=dt.date(1990, 12, 1),
        card_number=None,
        kind=Person.Kind.NON_PARTY,
    )
    left = PersonFactory(full_name="Mai Văn Tùng", organisation=cast.cell_a, status=Person.Status.TRANSFERRED_OUT)
    return SimpleNamespace(hang=hang, phuc=phuc, left=left)


def sheet_url(cell: Organisation) -> str:
    return reverse("organisations:activation_sheet", args=[cell.pk])


def cell_url(cell: Organisation) -> str:
    return reverse("organisations:activation_cell", args=[cell.pk])


def index_url(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("organisations:activation_index") + (f"?{query}" if query else "")


def activate_url(token: str) -> str:
    return reverse("activate", args=[token])


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def issue(cast: Any, cell: Organisation | None = None) -> dict[int, str]:
    """Issue a sheet's codes through the service; returns person id -> plain code."""
    return {
        code.person.pk: code.token for code in activation.codes_issue(actor=cast.officer_a, cell=cell or cast.cell_a)
    }


def live_tokens(person: Person) -> list[ActivationToken]:
    return list(ActivationToken.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True))


# The sheet -----------------------------------------------------------------------------------------


def test_the_sheet_is_a_pdf_listing_the_members_without_an_account(cast, waiting, login, tmp_path):
    response = login(cast.officer_a).post(sheet_url(cast.cell_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="kich-hoat-chi-bo-thon-phu-tan-1-')
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "Đỗ Thị Hằng",
        "08/03/1975",
        "93001234",
        "Lý Văn Phúc",
        "01/12/1990",
        f"cb{waiting.phuc.pk}",
        "CHI BỘ THÔN PHÚ TÂN 1",
        "ĐẢNG BỘ XÃ AN DÂN",
    ):
        assert expected in text
    assert re.search(r"\b1 / 1\b", text)  # page numbers
    # Members who already have an account, or who left the cell, get no line.
    for absent in ("Nguyễn Văn An", "Trần Thị Bình", "Mai Văn Tùng"):
        assert absent not in text


def test_the_links_and_qr_codes_on_the_sheet_carry_the_stored_codes(cast, waiting, login, tmp_path):
    response = login(cast.officer_a).post(sheet_url(cast.cell_a))

    tokens = TOKEN_IN_LINK.findall(pdf_text(response.content, tmp_path))
    assert len(tokens) == 2
    stored = {t.token_hash: t.person_id for t in ActivationToken.objects.all()}
    assert {stored[hashlib.sha256(token.encode()).hexdigest()] for token in tokens} == {
        waiting.hang.pk,
        waiting.phuc.pk,
    }
    # Reading the QR codes back needs zbarimg (Debian: zbar-tools), which the project does not require;
    # where it is installed, the codes must read as exactly the printed links.
    if shutil.which("zbarimg"):
        subprocess.run(
            ["pdftoppm", "-r", "100", "-png", str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True
        )
        pages = sorted(str(p) for p in tmp_path.glob("page*.png"))
        decoded = subprocess.run(["zbarimg", "-q", "--raw", *pages], capture_output=True, text=True).stdout.split()
        assert sorted(decoded) == sorted(f"{settings.PORTAL_BASE_URL}/activate/{token}/" for token in tokens)


@override_settings(PORTAL_BASE_URL="https://hoctap.tinhuy.example.vn")
def test_printed_links_point_at_the_public_address(cast, waiting, login, tmp_path):
    response = login(cast.officer_a).post(sheet_url(cast.cell_a))

    assert "hoctap.tinhuy.example.vn/activate/" in pdf_text(response.content, tmp_path)
    assert "127.0.0.1" not in pdf_text(response.content, tmp_path)


def test_printing_issues_codes_valid_for_the_configured_days(cast, waiting):
    before = timezone.now()
    with override_settings(ACTIVATION_TTL_DAYS=7):
        issue(cast)
    token = ActivationToken.objects.get(person=waiting.hang)
    assert before + dt.timedelta(days=7) <= token.expires_at <= timezone.now() + dt.timedelta(days=7)
    assert token.created_by == cast.officer_a


def test_only_a_hash_of_each_code_is_stored(cast, waiting):
    codes = issue(cast)

    token = ActivationToken.objects.get(person=waiting.hang)
    plain = codes[waiting.hang.pk]
    assert len(plain) >= 43  # 32 random bytes, url-safe base64
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = [str(value) for row in ActivationToken.objects.values_list() for value in row]
    stored += [str(row) for row in AuditEntry.objects.values_list("changes", "target_repr")]
    assert not any(plain in value for value in stored)


def test_printing_again_revokes_the_earlier_codes(cast, waiting, client):
    first = issue(cast)
    second = issue(cast)

    assert first[waiting.hang.pk] != second[waiting.hang.pk]
    assert len(live_tokens(waiting.hang)) == 1
    assert activation.token_lookup(first[waiting.hang.pk])[0] == activation.TokenState.REVOKED
    response = client.get(activate_url(first[waiting.hang.pk]))
    assert response.status_code == 410
    assert 'data-state="revoked"' in response.content.decode()
    assert activation.token_lookup(second[waiting.hang.pk])[0] == activation.TokenState.VALID


def test_printing_records_an_audit_entry_with_the_number_of_codes(cast, waiting, login):
    issue(cast)
    login(cast.officer_a).post(sheet_url(cast.cell_a))

    entry = AuditEntry.objects.filter(action="activation_sheet").order_by("-id").first()
    assert entry is not None
    assert (entry.actor, entry.organisation, entry.changes["issued"], entry.changes["revoked"]) == (
        cast.officer_a,
        cast.cell_a,
        2,
        2,
    )


def test_a_cell_where_everyone_has_an_account_prints_nothing(cast, login):
    client = login(cast.officer_b)
    PersonFactory(full_name="Đinh Văn Khoa", organisation=cast.cell_b, status=Person.Status.DECEASED)
    Person.objects.filter(full_name="Võ Thị Hoa").update(status=Person.Status.EXCUSED)

    response = client.post(sheet_url(cast.cell_b), follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert response.redirect_chain == [(cell_url(cast.cell_b), 302)]
    assert "there is nothing to print" in response.content.decode()
    assert not ActivationToken.objects.exists()
    assert not AuditEntry.objects.filter(action="activation_sheet").exists()


def test_opening_the_sheet_address_without_posting_issues_nothing(cast, waiting, login):
    response = login(cast.officer_a).get(sheet_url(cast.cell_a))

    assert response.status_code == 302 and response["Location"] == cell_url(cast.cell_a)
    assert not ActivationToken.objects.exists()


def test_a_failed_rendering_leaves_the_earlier_sheet_working(cast, waiting, monkeypatch):
    earlier = issue(cast)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("renderer down")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        activation.sheet_pdf(actor=cast.officer_a, cell=cast.cell_a)

    assert activation.token_lookup(earlier[waiting.hang.pk])[0] == activation.TokenState.VALID
    assert ActivationToken.objects.count() == 2


# Who may print -------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(cast, client):
    for url in (index_url(), cell_url(cast.cell_a), sheet_url(cast.cell_a)):
        response = client.post(url) if url.endswith(".pdf") else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_officer_gets_404_for_a_cell_of_a_sibling_committee(cast, waiting, login):
    client = login(cast.officer_b)

    assert client.post(sheet_url(cast.cell_a)).status_code == 404
    assert client.get(cell_url(cast.cell_a)).status_code == 404
    assert not ActivationToken.objects.exists()


def test_a_secretary_may_not_print_sheets_even_for_their_own_cell(cast, waiting, login):
    client = login(cast.secretary_a)

    assert client.get(index_url()).status_code == 403
    assert client.post(sheet_url(cast.cell_a)).status_code == 403  # their cell: seen, but not their right
    assert client.get(cell_url(cast.cell_a)).status_code == 403
    assert client.post(sheet_url(cast.cell_b)).status_code == 404  # outside their scope
    assert not ActivationToken.objects.exists()


def test_only_party_cells_have_sheets(cast, login):
    assert login(cast.officer_a).post(sheet_url(cast.grassroots_a)).status_code == 404


def test_staff_may_print_for_any_cell(cast, login):
    response = login(cast.staff).post(sheet_url(cast.cell_b))

    assert response.status_code == 200
    assert ActivationToken.objects.filter(person__organisation=cast.cell_b).count() == 1  # Võ Thị Hoa


# The cell list and the cell page -------------------------------------------------------------------


def cells_on(response: Any) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-cell="(\d+)"', response.content.decode())]


def test_the_index_lists_the_cells_in_scope_with_members_to_activate(cast, waiting, login):
    response = login(cast.officer_a).get(index_url())

    assert response.status_code == 200
    assert cells_on(response) == [cast.cell_a.pk, cast.cell_a2.pk]
    counts = {cell.pk: (cell.pending, cell.active) for cell in response.context["page"].object_list}
    assert counts == {cast.cell_a.pk: (2, 4), cast.cell_a2.pk: (1, 1)}


def test_the_index_search_finds_cells_by_their_own_or_their_communes_name(cast, login):
    client = login(cast.staff)

    assert cells_on(client.get(index_url(q="xa an dan"))) == [cast.cell_a.pk, cast.cell_a2.pk]
    assert cells_on(client.get(index_url(q="Phú Tân 2"))) == [cast.cell_a2.pk]
    assert cells_on(client.get(index_url(q="xuan phu khu"))) == [cast.cell_b.pk]


def test_the_index_can_hide_cells_where_everyone_has_an_account(cast, waiting, login):
    for person in Person.objects.filter(organisation=cast.cell_a2):
        person.user = User.objects.create(username=f"u{person.pk}")
        person.save()

    assert cells_on(login(cast.officer_a).get(index_url(pending="on"))) == [cast.cell_a.pk]


def _populate(parent: Organisation, cells: int) -> None:
    for i in range(cells):
        cell = make_org(f"Chi bộ số {i}", Organisation.Kind.CELL, parent)
        PersonFactory(full_name=f"Nguyễn Văn Số {i}", organisation=cell)


@pytest.mark.parametrize("cells", [3, 60])
def test_the_index_query_count_does_not_grow_with_cells(cast, login, cells, django_assert_max_num_queries):
    _populate(cast.grassroots_b, cells)
    client = login(cast.staff)
    # session, user, scope (2), count, page rows, session save (savepoint, update, release)
    with django_assert_max_num_queries(9):
        response = client.get(index_url())
    assert len(cells_on(response)) == min(50, cells + 3)


@pytest.mark.parametrize("people", [2, 40])
def test_the_cell_page_query_count_does_not_grow_with_members(cast, login, people, django_assert_max_num_queries):
    for i in range(people):
        PersonFactory(full_name=f"Trần Văn Số {i}", organisation=cast.cell_b)
    activation.codes_issue(actor=cast.officer_b, cell=cast.cell_b)
    client = login(cast.officer_b)
    # session, user, scope (2), cell, people with their codes, activated count, sheets, session save (3)
    with django_assert_max_num_queries(11):
        response = client.get(cell_url(cast.cell_b))
    assert response.content.decode().count("<tr>") == people + 2  # the header row, Võ Thị Hoa, the new people


def test_the_cell_page_warns_that_a_new_sheet_voids_the_earlier_one(cast, waiting, login):
    client = login(cast.officer_a)
    before = client.get(cell_url(cast.cell_a)).content.decode()
    issue(cast)
    after = client.get(cell_url(cast.cell_a)).content.decode()

    assert "activation-warning" in before and "alert-warning" not in before
    assert "alert-warning" in after  # two members now hold live codes
    assert "93001234" in after and f"cb{waiting.phuc.pk}" in after


# Redeeming a code ----------------------------------------------------------------------------------


def test_the_activation_page_shows_whose_code_it_is(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]

    response = client.get(activate_url(token))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Đỗ Thị Hằng" in page and ">93001234<" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_activating_creates_the_account_and_logs_the_member_in(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]

    response = client.post(
        activate_url(token), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}, follow=True
    )

    assert response.redirect_chain == [(reverse("home"), 302)]
    user = User.objects.get(username="93001234")
    assert user.first_name == "Đỗ Thị Hằng" and user.check_password(GOOD_PASSWORD)
    assert response.context["user"] == user
    waiting.hang.refresh_from_db()
    assert waiting.hang.user == user
    assert ActivationToken.objects.get(person=waiting.hang).used_at is not None
    entry = AuditEntry.objects.get(action="activate")
    assert (entry.actor, entry.target_id, entry.organisation) == (user, str(waiting.hang.pk), cast.cell_a)
    client.logout()
    assert client.login(username="93001234", password=GOOD_PASSWORD)


def test_a_member_without_a_card_number_gets_a_cb_login_name(cast, waiting, client):
    token = issue(cast)[waiting.phuc.pk]

    client.post(activate_url(token), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})

    waiting.phuc.refresh_from_db()
    assert waiting.phuc.user.username == f"cb{waiting.phuc.pk}"


def test_a_code_works_only_once(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]
    activation.token_redeem(token=token, password=GOOD_PASSWORD)

    with pytest.raises(activation.ActivationError) as refused:
        activation.token_redeem(token=token, password=GOOD_PASSWORD + "x")
    assert refused.value.state == activation.TokenState.INVALID
    response = client.post(
        activate_url(token), {"new_password1": "Khac-hoan-toan-99", "new_password2": "Khac-hoan-toan-99"}
    )
    assert response.status_code == 410
    assert User.objects.filter(username="93001234").count() == 1
    assert User.objects.get(username="93001234").check_password(GOOD_PASSWORD)


def test_an_expired_code_is_refused(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]
    ActivationToken.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    shown = client.get(activate_url(token))
    posted = client.post(activate_url(token), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})

    assert shown.status_code == posted.status_code == 410
    assert 'data-state="expired"' in shown.content.decode()
    assert "Đỗ Thị Hằng" not in shown.content.decode()
    assert not User.objects.filter(username="93001234").exists()


def test_unknown_and_used_codes_get_the_same_answer(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]
    activation.token_redeem(token=token, password=GOOD_PASSWORD)

    used = client.get(activate_url(token))
    unknown = client.get(activate_url("x" * 43))
    too_long = client.get(activate_url("y" * 500))

    assert used.status_code == unknown.status_code == too_long.status_code == 410
    assert main_of(used) == main_of(unknown) == main_of(too_long)
    assert 'data-state="invalid"' in used.content.decode()


def main_of(response: Any) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_a_code_stops_working_once_its_person_has_an_account(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]
    waiting.hang.user = User.objects.create(username="hang-admin")
    waiting.hang.save()

    assert client.get(activate_url(token)).status_code == 410
    with pytest.raises(activation.ActivationError):
        activation.token_redeem(token=token, password=GOOD_PASSWORD)


def test_password_validation_errors_are_shown_and_nothing_is_created(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]

    too_short = client.post(
        activate_url(token), {"new_password1": "12345", "new_password2": "12345"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    mismatch = client.post(
        activate_url(token),
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD + "!"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert too_short.status_code == mismatch.status_code == 200
    assert "This password is too short" in too_short.content.decode()
    assert "This password is entirely numeric" in too_short.content.decode()
    assert "didn’t match" in mismatch.content.decode() or "didn't match" in mismatch.content.decode()
    assert not User.objects.filter(username="93001234").exists()
    assert ActivationToken.objects.get(person=waiting.hang).used_at is None


def test_a_password_like_the_members_name_is_refused(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]

    response = client.post(
        activate_url(token), {"new_password1": "93001234a", "new_password2": "93001234a"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "too similar" in response.content.decode()
    assert not User.objects.filter(username="93001234").exists()


def test_a_taken_login_name_is_explained_not_crashed(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]
    User.objects.create(username="93001234")

    response = client.post(
        activate_url(token), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ActivationToken.objects.get(person=waiting.hang).used_at is None


def test_a_code_revoked_while_the_page_was_open_is_refused_on_submit(cast, waiting, client):
    token = issue(cast)[waiting.hang.pk]
    assert client.get(activate_url(token)).status_code == 200
    issue(cast)  # the secretary printed a new sheet meanwhile

    response = client.post(activate_url(token), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})

    assert response.status_code == 410 and 'data-state="revoked"' in response.content.decode()
    assert not User.objects.filter(username="93001234").exists()


# The shared helpers: portal.lib.qr and portal.lib.pdf -----------------------------------------------


def _svg_matrix(svg: str) -> list[list[bool]]:
    n = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    grid = [[False] * n for _ in range(n)]
    for x, y, width in re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg):
        for dx in range(int(width)):
            grid[int(y)][int(x) + dx] = True
    return grid


def test_the_qr_svg_draws_exactly_the_codes_modules():
    url = "https://hoctap.example.vn/activate/abc/"
    svg = qr.qr_svg(url, size="25mm", title="Mã QR")

    assert svg.startswith("<svg ") and "<?xml" not in svg and " id=" not in svg
    assert 'width="25mm"' in svg and 'aria-label="Mã QR"' in svg
    assert _svg_matrix(svg) == qr.qr_matrix(url)


def test_the_qr_png_is_a_png_of_the_codes_size():
    from io import BytesIO

    from PIL import Image

    png = qr.qr_png("https://hoctap.example.vn/", box_size=3, border=2)
    image = Image.open(BytesIO(png))
    assert (
        png.startswith(b"\x89PNG")
        and image.size == (len(qr.qr_matrix("https://hoctap.example.vn/", border=2)) * 3,) * 2
    )
    assert qr.qr_png_data_uri("x").startswith("data:image/png;base64,iVBOR")


def test_the_pdf_fetcher_reads_static_files_and_data_uris_but_nothing_else():
    fetcher = pdf.LocalStaticFetcher("https://hoctap.example.vn/")
    css = fetcher.fetch("https://hoctap.example.vn/static/css/portal.css")
    assert b"--portal-red" in css.read()
    css.close()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for refused in (
        "https://other.example.com/static/css/portal.css",  # another host: would be a network fetch
        "http://hoctap.example.vn/static/css/portal.css",  # another scheme
        "https://hoctap.example.vn/static/../portal/settings/base.py",
        "https://hoctap.example.vn/static/%2e%2e/portal/settings/base.py",
        "https://hoctap.example.vn/media-not-served/x.pdf",
        "file:///etc/passwd",
        "ftp://hoctap.example.vn/static/css/portal.css",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(refused)


def test_the_pdf_helper_makes_an_a4_page_with_vietnamese_text(tmp_path):
    content = pdf.html_to_pdf(
        "<h1>Báo cáo kết quả học tập</h1><p>Đảng bộ xã An Dân — Nguyễn Thị Ánh Tuyết, Huỳnh Tấn Phước</p>"
        '<img src="https://example.com/tracker.png"><p style="font-style: italic">Ngày 16 tháng 7 năm 2024</p>'
    )
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = pdf_text(content, tmp_path)
    assert "Báo cáo kết quả học tập" in text and "Nguyễn Thị Ánh Tuyết, Huỳnh Tấn Phước" in text
    assert "Ngày 16 tháng 7 năm 2024" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Liberation-Serif" in fonts or "NotoSerif" in fonts or "DejaVuSerif" in fonts


def test_css_string_cannot_break_out_of_a_style_element():
    assert pdf.css_string('Trang "1" </style><script>') == '"Trang \\22 1\\22  \\3c /style\\3e \\3c script\\3e "'

"""Demo data of the materials app, called by ``manage.py seed_demo`` (see organisations.demo.run_hooks).

``seed(province, rng, stdout)`` gives the open provincial campaign for Kết luận 21-KL/TW (made by
campaigns.demo) a set of materials with small generated files:

- a guide (PDF, rendered by WeasyPrint in the Party's document layout), PUBLIC, published;
- the speakers' outline (PDF), INTERNAL, published;
- an infographic (PNG, drawn with Pillow), PUBLIC, published;
- the recording of the provincial conference (a 20-second WAV tone sequence), INTERNAL, published;
- the full text on the Party's website (an external link), PUBLIC, published;
- a cell's secret study book: SECRET, no file (paper only), listed to members without its title.

The files get fixed names under MEDIA_ROOT/materials/demo/ (replaced on each seed, never piling up), and
preview images are made at once. Then openings: about a third of the province's cells opened the guide
(most before their own session), as scans of cell links and by logged-in members; and the demo
secretaries' cells get their own links.
"""

# ruff: noqa: S311 - demo data: random.Random(seed) is wanted for reproducibility, not secrecy
from __future__ import annotations

import array
import datetime as dt
import hashlib
import io
import math
import random
import wave
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from campaigns.models import Campaign, StudySession
from organisations.models import Organisation, Person, RoleGrant
from portal.lib import pdf

from . import selectors, services, thumbnails, uploads
from .models import Access, Classification, Material

K = Material.Kind
DEMO_DIR = "materials/demo"

GUIDE_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm 15mm 20mm 30mm; @top-center { content: counter(page); font-size: 12pt; } }
@page :first { @top-center { content: none; } }
html { font-size: 14pt; line-height: 1.35; }
table.head { width: 100%; border-collapse: collapse; }
table.head td { text-align: center; vertical-align: top; width: 50%; }
.up { text-transform: uppercase; } .b { font-weight: bold; } .party { font-size: 15pt; font-weight: bold; }
.rule { border-top: 1pt solid #000; width: 62mm; margin: 1mm auto 0; } .date { font-style: italic; margin-top: 3mm; }
h1 { text-align: center; font-size: 16pt; margin: 10mm 0 0; }
.summary { text-align: center; font-weight: bold; margin: 1mm 0 6mm; }
h2 { font-size: 14pt; margin: 5mm 0 2mm; } p { text-align: justify; text-indent: 10mm; margin: 0 0 2mm; }
</style></head><body>
<table class="head"><tr><td><div class="up">Đảng bộ tỉnh Phú Yên</div><div class="up b">Ban Tuyên giáo Tỉnh ủy</div>
<div>*</div><div>Số 45-HD/BTGTU</div></td>
<td><div class="party">ĐẢNG CỘNG SẢN VIỆT NAM</div><div class="rule"></div>
<div class="date">Phú Yên, ngày {day} tháng {month} năm {year}</div></td></tr></table>
<h1>TÀI LIỆU HƯỚNG DẪN</h1>
<div class="summary">nghiên cứu, học tập, quán triệt Kết luận số 21-KL/TW ngày 25/10/2021<br>
của Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khóa XIII</div>
<h2>I. MỤC ĐÍCH, YÊU CẦU</h2>
<p>Giúp cán bộ, đảng viên nắm vững nội dung cơ bản, cốt lõi của Kết luận số 21-KL/TW về đẩy mạnh xây dựng,
chỉnh đốn Đảng và hệ thống chính trị; kiên quyết ngăn chặn, đẩy lùi, xử lý nghiêm cán bộ, đảng viên suy thoái
về tư tưởng chính trị, đạo đức, lối sống, biểu hiện "tự diễn biến", "tự chuyển hóa".</p>
<p>Việc học tập phải gắn với liên hệ thực tiễn của từng cơ quan, đơn vị, địa phương; mỗi cán bộ, đảng viên
viết bài thu hoạch, xây dựng kế hoạch tu dưỡng, rèn luyện của bản thân.</p>
<h2>II. NỘI DUNG CHỦ YẾU</h2>
<p>1. Kết quả thực hiện Nghị quyết Trung ương 4 khóa XI, XII và những hạn chế, yếu kém cần khắc phục.</p>
<p>2. Mục tiêu: xây dựng Đảng thật sự trong sạch, vững mạnh về chính trị, tư tưởng, đạo đức, tổ chức và cán bộ;
nâng cao năng lực lãnh đạo, cầm quyền và sức chiến đấu của Đảng.</p>
<p>3. Sáu nhóm nhiệm vụ, giải pháp chủ yếu: công tác tư tưởng, chính trị; nêu gương của cán bộ, đảng viên, trước
hết là người đứng đầu; hoàn thiện thể chế; công tác cán bộ; kiểm tra, giám sát, kỷ luật đảng; phát huy vai trò
của Nhân dân, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội trong xây dựng Đảng.</p>
<h2>III. TỔ CHỨC THỰC HIỆN</h2>
<p>Các cấp ủy trực thuộc Tỉnh ủy tổ chức học tập, quán triệt cho cán bộ, đảng viên bằng hình thức trực tiếp
hoặc trực tuyến kết hợp; hoàn thành trong thời gian quy định và báo cáo kết quả về Ban Tuyên giáo Tỉnh ủy.</p>
<p>Tài liệu này được chia sẻ qua mã QR và đường link chính thức của Cổng học tập, quán triệt nghị quyết.
Tài liệu mật được phát bản giấy tại chi bộ, không chia sẻ trên mạng.</p>
</body></html>"""

OUTLINE_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm 15mm 20mm 30mm; } html { font-size: 14pt; line-height: 1.35; }
h1 { text-align: center; font-size: 15pt; text-transform: uppercase; } li { margin-bottom: 2mm; }
</style></head><body>
<h1>Đề cương bài giới thiệu Kết luận số 21-KL/TW</h1>
<p><i>(Dành cho báo cáo viên, tuyên truyền viên các cấp)</i></p>
<ol>
<li>Bối cảnh ban hành Kết luận; kết quả 10 năm thực hiện Nghị quyết Trung ương 4 khóa XI.</li>
<li>Quan điểm, mục tiêu xây dựng, chỉnh đốn Đảng và hệ thống chính trị trong tình hình mới.</li>
<li>Nhận diện 27 biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối sống, "tự diễn biến", "tự chuyển hóa".</li>
<li>Sáu nhóm nhiệm vụ, giải pháp; liên hệ thực tiễn công tác xây dựng Đảng ở tỉnh Phú Yên.</li>
<li>Gợi ý nội dung thảo luận tại chi bộ và đề cương viết bài thu hoạch.</li>
</ol></body></html>"""


def _guide_pdf() -> bytes:
    today = timezone.localdate()
    html = GUIDE_HTML.replace("{day}", f"{today.day:02d}").replace("{month}", f"{today.month:02d}")
    return pdf.html_to_pdf(html.replace("{year}", str(today.year)))


def _infographic_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1080, 1350), (252, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1080, 220), fill=thumbnails.RED)
    draw.text((60, 50), "KẾT LUẬN SỐ 21-KL/TW", font=thumbnails._font("bold", 64), fill=(255, 205, 0))
    draw.text((60, 135), "6 nhóm nhiệm vụ, giải pháp chủ yếu", font=thumbnails._font("bold", 40), fill=(255, 255, 255))
    items = [
        "Công tác tư tưởng, chính trị",
        "Nêu gương của cán bộ, đảng viên",
        "Hoàn thiện thể chế, quy định",
        "Công tác cán bộ",
        "Kiểm tra, giám sát, kỷ luật đảng",
        "Phát huy vai trò của Nhân dân",
    ]
    for index, text in enumerate(items):
        top = 280 + index * 170
        draw.ellipse((60, top, 170, top + 110), fill=thumbnails.RED)
        draw.text((98, top + 22), str(index + 1), font=thumbnails._font("bold", 56), fill=(255, 255, 255))
        draw.text((210, top + 30), text, font=thumbnails._font("bold", 46), fill=(33, 37, 41))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _recording_wav(seconds: int = 20, rate: int = 8000) -> bytes:
    """A tone sequence (one note per second, C major up and down): audible progress when seeking."""
    notes = [261.63, 293.66, 329.63, 349.23, 392.0, 440.0, 493.88, 523.25]
    melody = notes + notes[::-1] + notes[:4]
    samples = array.array("h")
    for second in range(seconds):
        frequency = melody[second % len(melody)]
        for i in range(rate):
            envelope = min(1.0, i / 400, (rate - i) / 400)
            samples.append(int(9000 * envelope * math.sin(2 * math.pi * frequency * i / rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _attach(material: Material, name: str, data: bytes) -> None:
    """Store a demo file under a fixed name (replacing the last seed's) and attach it, checked like an upload."""
    checked = uploads.check_upload(ContentFile(data, name=name))
    path = f"{DEMO_DIR}/{name}"
    default_storage.delete(path)
    stored = default_storage.save(path, ContentFile(data))
    Material.objects.filter(pk=material.pk).update(
        file=stored,
        file_name=name,
        content_type=checked.type.content_type,
        file_size=checked.size,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    material.refresh_from_db()


def _at_times(rows: list[Access], times: list[dt.datetime]) -> None:
    """Give bulk-created access rows their times (``at`` is set on insert): a few CASE updates."""
    for start in range(0, len(rows), 500):
        chunk = list(zip(rows[start : start + 500], times[start : start + 500], strict=True))
        Access.objects.filter(pk__in=[row.pk for row, _at in chunk]).update(
            at=Case(*[When(pk=row.pk, then=Value(at)) for row, at in chunk], output_field=DateTimeField())
        )


def seed(province: Organisation, rng: random.Random, stdout: Any) -> None:
    campaign = (
        Campaign.objects.filter(parent__isnull=True, organisation=province, documents__number_symbol="21-KL/TW")
        .order_by("-starts_on")
        .first()
    )
    if campaign is None:
        stdout.write("  materials: no campaign for 21-KL/TW, no demo materials\n")
        return
    document = campaign.documents.filter(number_symbol="21-KL/TW").first()
    provincial = (
        StudySession.objects.filter(campaign=campaign, kind=StudySession.Kind.MAIN).order_by("starts_at").first()
    )
    specs: list[dict[str, Any]] = [
        {
            "title": "Tài liệu hướng dẫn nghiên cứu, học tập, quán triệt Kết luận số 21-KL/TW",
            "kind": K.BOOK,
            "classification": Classification.PUBLIC,
            "file": ("tai-lieu-huong-dan-kl21.pdf", _guide_pdf()),
            "description": "Tài liệu do Ban Tuyên giáo Tỉnh ủy biên soạn, dùng cho hội nghị học tập, quán triệt và "
            "sinh hoạt chi bộ.",
        },
        {
            "title": "Đề cương bài giới thiệu Kết luận số 21-KL/TW (dành cho báo cáo viên)",
            "kind": K.SPEAKER_DOC,
            "classification": Classification.INTERNAL,
            "file": ("de-cuong-bao-cao-vien-kl21.pdf", pdf.html_to_pdf(OUTLINE_HTML)),
        },
        {
            "title": "Infographic: 6 nhóm nhiệm vụ, giải pháp chủ yếu của Kết luận số 21-KL/TW",
            "kind": K.OTHER,
            "classification": Classification.PUBLIC,
            "file": ("infographic-kl21.png", _infographic_png()),
        },
        {
            "title": "Ghi âm bài quán triệt tại Hội nghị trực tuyến toàn tỉnh",
            "kind": K.AUDIO,
            "classification": Classification.INTERNAL,
            "file": ("ghi-am-hoi-nghi-kl21.wav", _recording_wav()),
            "session": provincial,
        },
        {
            "title": "Toàn văn Kết luận số 21-KL/TW (Tư liệu văn kiện Đảng)",
            "kind": K.TEXT,
            "classification": Classification.PUBLIC,
            "external_url": "https://tulieuvankien.dangcongsan.vn/",
        },
        {
            "title": "Tài liệu sinh hoạt chi bộ chuyên đề Kết luận số 21-KL/TW (bản mật)",
            "kind": K.BOOK,
            "classification": Classification.SECRET,
        },
    ]
    made: list[Material] = []
    for order, spec in enumerate(specs, 1):
        file = spec.pop("file", None)
        material = services.material_create(
            actor=None, issuing_unit=province, campaign=campaign, document=document, order=order, **spec
        )
        if file is not None:
            _attach(material, *file)
        if not material.is_secret:
            services.material_publish(actor=None, material=material)
        thumbnails.make(material)
        made.append(material)
    guide = made[0]

    # Cell links for the demo secretaries' cells (their chat groups), and openings across the province.
    secretary_cells = list(
        Organisation.objects.filter(grants__role=RoleGrant.Role.SECRETARY, path__startswith=province.path).distinct()
    )
    shared = [m for m in made if m.published]
    services.links_for_cells(actor=None, materials=shared, cells=secretary_cells)
    cells = list(
        Organisation.objects.filter(path__startswith=province.path, kind__in=Organisation.CELL_KINDS, is_active=True)
        .order_by("path")
        .values_list("pk", "path")
    )
    sessions = selectors.main_sessions(material=guide)
    chosen = rng.sample(cells, len(cells) // 3)
    members = dict(
        Person.objects.filter(organisation_id__in=[pk for pk, _p in chosen], user__isnull=True)
        .order_by("organisation_id", "pk")
        .values_list("organisation_id", "pk")
    )
    rows: list[Access] = []
    times: list[dt.datetime] = []
    now = timezone.now()
    for cell_id, path in chosen:
        session = selectors.session_for(path, sessions)
        start = session.starts_at if session else now - dt.timedelta(days=10)
        first = (
            start - dt.timedelta(hours=rng.randint(2, 96))
            if rng.random() < 0.7
            else start + dt.timedelta(hours=rng.randint(1, 72))
        )
        for n in range(rng.randint(1, 4)):
            at = min(now, first + dt.timedelta(hours=3 * n))
            person = members.get(cell_id) if n == 0 and rng.random() < 0.3 else None
            kind = Access.Kind.DOWNLOAD if n == 1 and rng.random() < 0.4 else Access.Kind.VIEW
            rows.append(Access(material=guide, cell_id=cell_id, person_id=person, kind=kind))
            times.append(at)
    created = Access.objects.bulk_create(rows, batch_size=2000)
    _at_times(created, times)
    stdout.write(
        f"  materials: {len(made)} for the 21-KL/TW campaign (1 secret, paper only), {len(rows):,} openings by "
        f"{len(chosen):,} cells, cell links for {len(secretary_cells)} demo cells\n"
    )

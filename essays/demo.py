"""Demo data of the essays app, called by ``manage.py seed_demo`` after the campaigns' (organisations.demo.run_hooks).

For the open provincial campaign on Kết luận 21-KL/TW (campaigns.demo), relative to today:

- the official outline (đề cương) of the essay and the default grading scale;
- exemptions (miễn viết thu hoạch) for some elderly members and a few long-term sick ones;
- an essay for most participants who studied (~78 % submitted, ~9 % drafts), a few from those who did not.
  Each is generated from a bank of sentence templates with dense alternatives (nhận thức về Kết luận,
  liên hệ bản thân, giải pháp, kiến nghị), the writer's name, unit and local figures, so that two essays
  share only set phrases, as real ones do; about 1 in 40 is typed without diacritics;
- a few groups of near-copies (an essay copied with small changes, sometimes without diacritics; within a
  cell, across cells, one across two committees) and a few essays that mostly restate the outline;
- grades for about a third of the grassroots organisations (the demo officers grade Tuy An and Sông Cầu),
  released for most of those, with a few failures (Không đạt) and a couple of changes after release;
  a re-study session (học lại) per committee with released failures, attended by about half of those who
  failed, half of whom have started their second attempt;
- demo_member: a submitted essay waiting for its grade; demo_member2: released "Không đạt", must re-study.

Rows are bulk-created (COPY on PostgreSQL) for speed: ~37,000 essays in a few seconds. The similarity check
is not run here (it takes longer than the whole seed); staff start it from the campaign's similarity page.
"""

# ruff: noqa: S311, RUF001, E501 - demo data: random.Random(seed) for reproducibility; a bank of Vietnamese text
from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.demo import _insert
from campaigns.models import Attendance, Campaign, StudySession
from campaigns.participation import COUNTING_KINDS, STUDIED_STATUSES
from organisations.models import Organisation, Person, RoleGrant

from .models import Essay, Exemption, GradeChange, GradeRelease
from .rules import ensure_scale

K = Organisation.Kind

OUTLINE = """ĐỀ CƯƠNG BÀI THU HOẠCH
Học tập, quán triệt Kết luận số 21-KL/TW ngày 25/10/2021 của Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khóa XIII về đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ thống chính trị; kiên quyết ngăn chặn, đẩy lùi, xử lý nghiêm cán bộ, đảng viên suy thoái về tư tưởng chính trị, đạo đức, lối sống, biểu hiện "tự diễn biến", "tự chuyển hóa"

Câu 1. Đồng chí hãy nêu những nội dung cơ bản, cốt lõi của Kết luận số 21-KL/TW và những điểm mới so với Nghị quyết Trung ương 4 khóa XI, khóa XII về xây dựng, chỉnh đốn Đảng.

Câu 2. Liên hệ bản thân: đồng chí đã và sẽ làm gì để phòng ngừa, ngăn chặn những biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối sống, "tự diễn biến", "tự chuyển hóa" trong cơ quan, đơn vị, địa phương nơi mình công tác, sinh hoạt?

Câu 3. Đề xuất những giải pháp nâng cao hiệu quả thực hiện Kết luận số 21-KL/TW ở chi bộ, cơ quan, đơn vị nơi đồng chí công tác, sinh hoạt; kiến nghị, đề xuất với cấp ủy cấp trên (nếu có).

Yêu cầu: bài viết tối thiểu 300 chữ, do đảng viên tự viết tay hoặc đánh máy, nộp trên Cổng học tập trước thời hạn; không sao chép bài của người khác."""

TITLE = (
    "BÀI THU HOẠCH\nHọc tập, quán triệt Kết luận số 21-KL/TW của Hội nghị Trung ương 4 khóa XIII về đẩy mạnh "
    "xây dựng, chỉnh đốn Đảng và hệ thống chính trị"
)

# Sentence templates: {a|b|c} picks one alternative ({a|} may drop a word); [org], [unit], [year], [n], [m],
# [pct], [role] are filled per writer.
AWARENESS = [
    "{Qua|Thông qua|Sau} {đợt|buổi|hội nghị} học tập, quán triệt, {bản thân tôi|tôi|cá nhân tôi} {nhận thức|nhận thấy|hiểu} "
    "{sâu sắc|rõ|rõ hơn|đầy đủ hơn} {rằng|} {xây dựng, chỉnh đốn Đảng|công tác xây dựng Đảng|việc xây dựng, chỉnh đốn "
    "Đảng} {là|luôn là|vẫn là} nhiệm vụ {then chốt|then chốt, có ý nghĩa sống còn|quan trọng hàng đầu} {đối với Đảng "
    "và chế độ ta|của toàn Đảng, toàn dân|trong giai đoạn hiện nay}.",
    "Kết luận số 21-KL/TW {ra đời|được ban hành|được Trung ương thông qua} {trong bối cảnh|khi|lúc} công tác xây dựng, "
    "chỉnh đốn Đảng {đã đạt nhiều kết quả quan trọng|có nhiều chuyển biến tích cực|đã tạo được niềm tin trong Nhân "
    "dân}, {song|nhưng|tuy nhiên} {tình trạng suy thoái|sự suy thoái|những biểu hiện suy thoái} ở {một bộ phận|không ít} "
    "cán bộ, đảng viên {vẫn còn diễn biến phức tạp|chưa được ngăn chặn triệt để|vẫn còn xảy ra}.",
    "Kết luận {xác định|chỉ rõ|nêu rõ} {bốn|4} {nhóm nhiệm vụ, giải pháp|nhóm giải pháp|nhiệm vụ trọng tâm}, trong đó "
    "{nhấn mạnh|đặc biệt coi trọng|đề cao} {trách nhiệm nêu gương của cán bộ, đảng viên, trước hết là người đứng đầu|"
    "công tác kiểm tra, giám sát, thi hành kỷ luật đảng|việc tự phê bình và phê bình trong sinh hoạt đảng}.",
    "{Điểm mới|Một điểm mới quan trọng|Điều tôi tâm đắc nhất} của Kết luận là {gắn xây dựng, chỉnh đốn Đảng với xây "
    'dựng hệ thống chính trị trong sạch, vững mạnh|yêu cầu xử lý nghiêm cán bộ, đảng viên suy thoái, "không có vùng '
    'cấm, không có ngoại lệ"|đề cao vai trò giám sát của Mặt trận Tổ quốc, các đoàn thể và Nhân dân}, {qua đó|từ đó|'
    "nhờ đó} {củng cố niềm tin của Nhân dân đối với Đảng|tạo chuyển biến rõ nét trong toàn hệ thống chính trị|"
    "nâng cao sức chiến đấu của tổ chức đảng}.",
    "Kết luận {cũng|đồng thời|còn} {chỉ ra|nhắc lại|nêu lại} {những|các} biểu hiện suy thoái về tư tưởng chính trị, "
    'đạo đức, lối sống, "tự diễn biến", "tự chuyển hóa" mà mỗi {đảng viên|cán bộ, đảng viên|người} {phải|cần} '
    "{tự nhận diện|tự soi, tự sửa|thường xuyên đối chiếu} {để phòng ngừa từ sớm, từ xa|để kịp thời khắc phục|trong "
    "công tác và sinh hoạt hằng ngày}.",
    "Mục tiêu {đặt ra|của Kết luận|Trung ương đề ra} là {xây dựng Đảng thật sự trong sạch, vững mạnh về chính trị, tư "
    "tưởng, đạo đức, tổ chức và cán bộ|nâng cao năng lực lãnh đạo, cầm quyền và sức chiến đấu của Đảng|xây dựng đội "
    "ngũ cán bộ đủ phẩm chất, năng lực, uy tín ngang tầm nhiệm vụ}; {góp phần|qua đó góp phần|nhằm} {thực hiện "
    "thắng lợi Nghị quyết Đại hội XIII của Đảng|củng cố khối đại đoàn kết toàn dân tộc|giữ vững ổn định chính trị "
    "ở cơ sở}.",
    "{Tôi|Bản thân tôi} {thấy|nhận thấy|cho rằng} việc {tiếp tục thực hiện Nghị quyết Trung ương 4 khóa XI, khóa XII|"
    "gắn Kết luận với Chỉ thị 05-CT/TW|đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh} là "
    "{yêu cầu tất yếu|giải pháp quan trọng|cách làm đúng đắn} {để mỗi cán bộ, đảng viên tu dưỡng, rèn luyện|trong "
    "tình hình hiện nay|nhằm làm trong sạch đội ngũ}.",
    "Kết luận {yêu cầu|đòi hỏi|chỉ đạo} {các cấp ủy, tổ chức đảng|mỗi cấp ủy, chi bộ|cấp ủy các cấp} {phải|cần} "
    "{thường xuyên tự phê bình và phê bình|nâng cao chất lượng sinh hoạt chi bộ|làm tốt công tác quản lý đảng viên} "
    "{một cách thực chất, tránh hình thức|gắn với kiểm điểm định kỳ hằng năm|theo đúng Điều lệ Đảng}.",
    "Nội dung Kết luận {ngắn gọn, súc tích|rõ ràng, cụ thể|cô đọng} nhưng {có ý nghĩa chính trị sâu sắc|thể hiện "
    "quyết tâm chính trị rất cao của Đảng|mang tính định hướng lâu dài}, {nhất là|đặc biệt là|trước hết là} trong "
    "{cuộc đấu tranh phòng, chống tham nhũng, tiêu cực|công tác cán bộ|việc giữ gìn kỷ cương, kỷ luật đảng}.",
    "{Đặc biệt|Nhất là|Bên cạnh đó}, Kết luận {nhấn mạnh|đề cao|yêu cầu} {tinh thần tự giác|trách nhiệm nêu gương|"
    "ý thức tổ chức kỷ luật} của {mỗi|từng} {cán bộ, đảng viên|đảng viên} {theo Quy định 144-QĐ/TW về chuẩn mực đạo "
    'đức cách mạng|theo phương châm "nói đi đôi với làm"|ở nơi công tác và nơi cư trú}.',
]
SELF = [
    "Là [role] {sinh hoạt tại|thuộc|của} [org], {tôi|bản thân tôi} {luôn|không ngừng|thường xuyên} {giữ vững lập "
    "trường tư tưởng chính trị|tu dưỡng, rèn luyện phẩm chất đạo đức|rèn luyện ý thức tổ chức kỷ luật}, {chấp hành "
    "nghiêm|thực hiện tốt|nghiêm túc thực hiện} {chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước|"
    "các nghị quyết, chỉ thị của cấp trên|nhiệm vụ chi bộ phân công}.",
    "{Năm [year]|Trong năm [year]|Năm qua}, tôi {đã hoàn thành tốt|cơ bản hoàn thành|hoàn thành} {nhiệm vụ được giao|"
    "các nhiệm vụ chuyên môn|công việc được phân công}, {được chi bộ đánh giá|được xếp loại|được tập thể ghi nhận} "
    "{hoàn thành tốt nhiệm vụ|hoàn thành xuất sắc nhiệm vụ|hoàn thành nhiệm vụ}.",
    "{Tuy nhiên|Bên cạnh đó|Song}, {bản thân|tôi|bản thân tôi} {vẫn còn|còn có|còn} {những|một số} hạn chế{ như|:} "
    "{việc nghiên cứu lý luận chính trị chưa thường xuyên|tinh thần tự phê bình và phê bình đôi lúc còn nể nang|có "
    "lúc chưa mạnh dạn đấu tranh với những biểu hiện sai trái|việc nắm tình hình ở cơ sở có lúc chưa kịp thời}.",
    "Tôi {tự nhận thấy|nhận thấy|thấy} {cần|phải|cần phải} {tích cực hơn nữa trong|nâng cao hơn nữa|chú trọng hơn} "
    "{việc tham gia sinh hoạt chi bộ|tinh thần trách nhiệm trong công việc|việc tự học tập, nghiên cứu} {và giữ mối "
    "liên hệ mật thiết với Nhân dân nơi cư trú|, thực hiện tốt những điều đảng viên không được làm|để theo kịp yêu "
    "cầu nhiệm vụ}.",
    "Ở [org], chi bộ {đã|thường xuyên|luôn} {tổ chức sinh hoạt chuyên đề|duy trì nền nếp sinh hoạt|giữ nghiêm chế "
    "độ sinh hoạt} {hằng tháng|định kỳ|theo đúng hướng dẫn}; năm [year] {có|đã có} [n] {lượt|buổi} sinh hoạt chuyên "
    "đề, {[m] đảng viên|[m] đồng chí} {tham gia phát biểu|đóng góp ý kiến|được biểu dương}.",
    "{Bản thân tôi|Tôi} {cam kết|hứa|quyết tâm} {không|tuyệt đối không} {vi phạm những điều đảng viên không được làm|có "
    'biểu hiện "tự diễn biến", "tự chuyển hóa"|lợi dụng mạng xã hội để đăng tải thông tin sai sự thật}, {luôn '
    "giữ gìn phẩm chất, uy tín của người đảng viên|giữ gìn sự đoàn kết thống nhất trong chi bộ|gương mẫu ở nơi công "
    "tác và nơi cư trú}.",
    "{Trong gia đình|Ở khu dân cư nơi cư trú|Ở [place]}, tôi {thường xuyên nhắc nhở|luôn vận động|tuyên truyền để} "
    "{người thân|vợ, con và người thân|bà con lối xóm} {chấp hành tốt|thực hiện nghiêm|cùng thực hiện} {chủ trương "
    'của Đảng, chính sách, pháp luật của Nhà nước|các quy định của địa phương|phong trào "Toàn dân đoàn kết xây '
    'dựng đời sống văn hóa"}.',
    "{Qua đợt học tập này|Sau khi nghiên cứu Kết luận|Từ những nội dung đã học}, tôi {đã xây dựng|xây dựng|tự xây "
    "dựng} {kế hoạch hành động cá nhân|bản cam kết tu dưỡng, rèn luyện|chương trình tự rèn luyện} {với [n] nội dung "
    "cụ thể|gắn với nhiệm vụ chuyên môn|cho năm [year]}, {để chi bộ theo dõi, giám sát|làm cơ sở tự kiểm điểm cuối "
    "năm|và đăng ký với chi bộ}.",
    "{Thực tế ở|Tại|Ở} [unit], {tỉ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên|kết quả đánh giá, xếp loại đảng viên} "
    "năm [year] {đạt|là} [pct]%, {nhưng|song|tuy nhiên} {vẫn còn|còn} {đảng viên chưa thật sự gương mẫu|một số đồng chí "
    "ngại va chạm|tình trạng sinh hoạt chưa đều}, {bản thân tôi|tôi} {cũng phải tự soi, tự sửa|thấy có phần trách "
    "nhiệm|cần góp phần khắc phục}.",
]
SOLUTIONS = [
    "{Thứ nhất|Một là|Trước hết}, {tiếp tục|cần|phải} {đổi mới, nâng cao chất lượng sinh hoạt chi bộ|nâng cao chất "
    "lượng sinh hoạt chi bộ|đổi mới nội dung sinh hoạt chi bộ}, {nhất là sinh hoạt chuyên đề|bảo đảm tính lãnh đạo, "
    "tính giáo dục, tính chiến đấu|tránh hình thức, đơn điệu}.",
    "{Thứ hai|Hai là|Tiếp đó}, {tăng cường|đẩy mạnh|làm tốt} {công tác kiểm tra, giám sát|công tác giáo dục chính trị "
    "tư tưởng|công tác nắm bắt tư tưởng} {đối với cán bộ, đảng viên|trong chi bộ|ở cơ sở}, {kịp thời phát hiện, uốn "
    "nắn|kịp thời chấn chỉnh|sớm nhắc nhở} {những biểu hiện lệch lạc|những sai sót, khuyết điểm|những việc làm chưa "
    "đúng}.",
    "{Thứ ba|Ba là|Cùng với đó}, {phát huy vai trò nêu gương|đề cao trách nhiệm nêu gương|nêu cao tinh thần gương mẫu} "
    'của {người đứng đầu|cán bộ chủ chốt|cấp ủy viên}, {thực hiện "trên trước, dưới sau", "trong trước, ngoài '
    'sau"|nói đi đôi với làm|làm trước để quần chúng noi theo}.',
    "{Thứ tư|Bốn là|Ngoài ra}, {gắn việc thực hiện Kết luận với|kết hợp chặt chẽ với|lồng ghép với} {việc học tập và "
    "làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh|thực hiện nhiệm vụ chính trị của [unit]|các phong trào thi "
    "đua ở địa phương}, {tạo chuyển biến rõ nét|đạt kết quả thiết thực|tránh hình thức}.",
    "{Đồng thời|Bên cạnh đó|Mặt khác}, {cần|phải|chi bộ cần} {phát huy vai trò giám sát của Nhân dân|lắng nghe ý kiến "
    "phản ánh của Nhân dân|tôn trọng ý kiến góp ý của quần chúng} {đối với cán bộ, đảng viên|thông qua Mặt trận và các "
    "đoàn thể|ở khu dân cư}.",
    "{Mỗi đảng viên|Mỗi cán bộ, đảng viên|Từng đảng viên} {cần|phải|nên} {tự giác|thường xuyên|chủ động} {học tập, "
    "nâng cao trình độ lý luận chính trị, chuyên môn nghiệp vụ|tự soi, tự sửa|đối chiếu bản thân với các chuẩn mực "
    "đạo đức}, {đáp ứng yêu cầu nhiệm vụ trong tình hình mới|gắn với thực hiện tốt nhiệm vụ được giao|không chờ "
    "nhắc nhở}.",
    "{Chi bộ|Cấp ủy|Chi ủy} {cần|nên|phải} {cụ thể hóa Kết luận thành|xây dựng|sớm ban hành} {kế hoạch, chương trình "
    "hành động phù hợp|các tiêu chí đánh giá cụ thể|kế hoạch thực hiện sát thực tế} {, phân công rõ người, rõ việc, rõ "
    "thời gian|, có sơ kết, đánh giá định kỳ|cho từng quý}.",
]
PROPOSALS = [
    "{Đề nghị|Kiến nghị|Mong} {cấp ủy cấp trên|Ban Thường vụ|cấp trên} {tiếp tục|thường xuyên|quan tâm} {mở các lớp bồi "
    "dưỡng lý luận chính trị cho đảng viên|cung cấp tài liệu sinh hoạt chuyên đề cho chi bộ|tổ chức tập huấn nghiệp "
    "vụ công tác đảng} {, nhất là ở cơ sở|kịp thời hơn|cho chi bộ}.",
    "{Đề nghị|Mong|Kiến nghị} {cấp trên|các cấp|cấp ủy} {quan tâm hơn đến|có chính sách hỗ trợ|chú ý bồi dưỡng} "
    "{đội ngũ bí thư chi bộ|cán bộ không chuyên trách ở cơ sở|đảng viên trẻ}, {tạo điều kiện để họ yên tâm công tác|"
    "nhất là về chế độ phụ cấp|để phát huy vai trò nòng cốt}.",
    "{Cần|Đề nghị|Nên} {đa dạng hóa hình thức học tập|ứng dụng công nghệ thông tin trong học tập|duy trì hình thức "
    "học trực tuyến}, {như tổ chức thi tìm hiểu|cung cấp tài liệu qua Cổng học tập|có mã QR để đọc tài liệu}, {để "
    "đảng viên ở xa thuận tiện tham gia|phù hợp với đảng viên cao tuổi|giúp việc học tập thuận lợi hơn}.",
    "Tôi {không có kiến nghị gì thêm|thống nhất cao với nội dung Kết luận|không có đề xuất khác} {và xin hứa thực "
    "hiện nghiêm túc|và sẽ thực hiện nghiêm túc|, xin hứa thực hiện tốt}.",
]
OPENERS = ["", "", "", "", "Có thể nói, ", "Theo tôi, ", "Thực tế cho thấy, ", "Tôi nghĩ rằng "]
# Sentences that already start with a connective take no opener.
NO_OPENER = (
    "Kết luận",
    "Là ",
    "Ở ",
    "Thứ",
    "Một là",
    "Hai là",
    "Ba là",
    "Bốn là",
    "Trước hết",
    "Tiếp đó",
    "Cùng với đó",
    "Ngoài ra",
    "Đồng thời",
    "Bên cạnh đó",
    "Mặt khác",
    "Đặc biệt",
    "Nhất là",
    "Tuy nhiên",
    "Song",
    "Qua ",
    "Thông qua",
    "Sau ",
    "Đề nghị",
    "Kiến nghị",
    "Mong",
    "Năm",
    "Trong",
    "Thực tế",
    "Tại",
    "Tôi",
)
PLACES = ["thôn", "khu phố", "buôn", "xóm", "tổ dân phố"]
EXEMPT_REASONS = [
    "Đảng viên cao tuổi, được miễn công tác và sinh hoạt đảng theo Quy định.",
    "Đảng viên trên 75 tuổi, sức khỏe yếu; chi bộ đề nghị miễn viết thu hoạch.",
    "Ốm đau dài ngày, đang điều trị tại bệnh viện; có xác nhận của chi bộ.",
]
GRADE_SHARES = (0.12, 0.38, 0.35, 0.125, 0.025)  # Xuất sắc, Tốt, Khá, Đạt, Không đạt
ESSAY_FIELDS = [
    "campaign_id",
    "person_id",
    "attempt",
    "status",
    "body",
    "word_count",
    "file",
    "file_name",
    "file_type",
    "file_size",
    "extracted_text",
    "extraction",
    "extraction_error",
    "extraction_attempts",
    "version",
    "saved_at",
    "submitted_at",
    "is_late",
    "grade_id",
    "grade_comment",
    "criteria_notes",
    "graded_by_id",
    "graded_at",
    "released_at",
    "similarity",
    "created_at",
]
CHANGE_FIELDS = ["essay_id", "from_grade_id", "to_grade_id", "comment", "after_release", "changed_by_id", "changed_at"]
COMMENTS = {
    0: ["Bài viết sâu sắc, liên hệ bản thân cụ thể, giải pháp sát thực tế.", "Nắm vững nội dung, trình bày mạch lạc."],
    1: ["Nắm được nội dung cơ bản, liên hệ khá cụ thể.", "Bài viết tốt, cần nêu rõ hơn giải pháp của chi bộ."],
    2: ["Nắm được nội dung chính; phần liên hệ còn chung chung.", "Bài đạt yêu cầu khá, giải pháp chưa cụ thể."],
    3: ["Bài viết sơ sài, cần liên hệ thực tế nhiều hơn.", "Đạt yêu cầu tối thiểu."],
    4: [
        "Bài viết chưa đạt yêu cầu: chép lại đề cương, không liên hệ bản thân.",
        "Nội dung không đúng trọng tâm, đề nghị học tập lại và viết lại.",
    ],
}

_GROUP = re.compile(r"\{([^{}]*)\}")


def _compile(template: str) -> list[tuple[str, ...]]:
    """A template as a list of choices: fixed text is a one-element tuple."""
    parts: list[tuple[str, ...]] = []
    pos = 0
    for m in _GROUP.finditer(template):
        parts.append((template[pos : m.start()],))
        parts.append(tuple(m.group(1).split("|")))
        pos = m.end()
    parts.append((template[pos:],))
    return [p for p in parts if p != ("",)]


BANK = [[_compile(t) for t in section] for section in (AWARENESS, SELF, SOLUTIONS, PROPOSALS)]
HEADINGS = [
    (
        "I. NHẬN THỨC VỀ NỘI DUNG CƠ BẢN CỦA KẾT LUẬN SỐ 21-KL/TW",
        "1. Nhận thức về Kết luận",
        "Câu 1. Những nội dung cơ bản, cốt lõi của Kết luận số 21-KL/TW",
    ),
    ("II. LIÊN HỆ BẢN THÂN", "2. Liên hệ bản thân", "Câu 2. Liên hệ bản thân"),
    ("III. GIẢI PHÁP THỰC HIỆN", "3. Giải pháp", "Câu 3. Giải pháp nâng cao hiệu quả thực hiện Kết luận"),
    ("IV. KIẾN NGHỊ, ĐỀ XUẤT", "4. Kiến nghị", "Kiến nghị, đề xuất"),
]
PICKS = ((3, 5), (3, 5), (2, 4), (1, 2))  # sentences per section, on average (min + max) / 2
MIN_SENTENCES = 11


_PLAIN = {
    ord(c): unicodedata.normalize("NFD", c)[0]
    for c in map(chr, range(0xC0, 0x1EFA))
    if unicodedata.normalize("NFD", c)[0].isascii() and unicodedata.normalize("NFD", c) != c
}
_PLAIN.update({ord("đ"): "d", ord("Đ"): "D"})
_SLOT = re.compile(r"\[(org|unit|role|year|n|m|pct|place)\]")
POOL = 48  # phrasings drawn per template for one seed


def strip_diacritics(text: str) -> str:
    """What an essay typed without Vietnamese accents looks like (keeps case and punctuation)."""
    return text.translate(_PLAIN)


class Writer:
    """Generates essays: a list of sections, each a list of sentences, then the text.

    Each template is drawn POOL times up front (with an opener now and then); an essay takes each
    template of a section with a fixed chance and one of its phrasings. Draws use ``rng.random()``
    directly: ~37,000 essays of ~15 sentences must take about a second.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.pools = [[[self._draw(t) for _ in range(POOL)] for t in bank] for bank in BANK]
        self.shares = [(low + high) / 2 / len(bank) for bank, (low, high) in zip(BANK, PICKS, strict=True)]

    def _draw(self, template: list[tuple[str, ...]]) -> str:
        rng = self.rng
        text = " ".join("".join(rng.choice(opts) for opts in template).split()).replace(" ,", ",")
        opener = rng.choice(OPENERS)
        if opener and not text.startswith(NO_OPENER):
            text = opener + text[0].lower() + text[1:]
        return text

    def sentence(self, section: int) -> str:
        r = self.random
        pool = self.pools[section][int(r() * len(self.pools[section]))]
        return pool[int(r() * POOL)]

    def sections(self) -> list[list[str]]:
        r = self.random
        out = []
        for pools, share in zip(self.pools, self.shares, strict=True):
            chosen = [pool[int(r() * POOL)] for pool in pools if r() < share]
            out.append(chosen or [pools[int(r() * len(pools))][int(r() * POOL)]])
        while sum(map(len, out)) < MIN_SENTENCES:  # long enough for the campaign's 300 words
            section = int(r() * 3)
            out[section].append(self.sentence(section))
        return out

    def text(self, sections: list[list[str]], *, name: str, org: str, unit: str, role: str, today: dt.date) -> str:
        r = self.random
        style = int(r() * 3)
        lines = [TITLE, "", f"Họ và tên: {name}", f"Đơn vị: {org}", ""]
        for headings, sentences in zip(HEADINGS, sections, strict=True):
            lines.append(headings[style])
            cut = (len(sentences) + 1) // 2
            lines.append(" ".join(sentences[:cut]))
            if sentences[cut:]:
                lines.append(" ".join(sentences[cut:]))
            lines.append("")
        lines += [
            "Trên đây là bài thu hoạch của tôi sau khi học tập, quán triệt Kết luận số 21-KL/TW.",
            f"Ngày {today.day} tháng {today.month} năm {today.year}",
            "Người viết",
            name,
        ]
        values = {
            "org": org,
            "unit": unit,
            "role": role,
            "year": str(today.year - 1),
            "n": str(4 + int(r() * 10)),
            "m": str(3 + int(r() * 20)),
            "pct": str(80 + int(r() * 18)),
            "place": f"{PLACES[int(r() * len(PLACES))]} {1 + int(r() * 12)}",
        }
        return _SLOT.sub(lambda m: values[m.group(1)], "\n".join(lines))

    def variant(self, sections: list[list[str]], *, changes: int) -> list[list[str]]:
        """A near-copy: the same sentences with ``changes`` of them rewritten or dropped."""
        copy = [list(s) for s in sections]
        for _ in range(changes):
            index = self.rng.randrange(len(BANK))
            if copy[index]:
                position = self.rng.randrange(len(copy[index]))
                if self.rng.random() < 0.3 and len(copy[index]) > 1:
                    del copy[index][position]
                else:
                    copy[index][position] = self.sentence(index)
        return copy


def words(text: str) -> int:
    """Words of a generated text (single spaces, blank lines between sections): str.split() without the lists."""
    return text.count(" ") + text.count("\n") - text.count("\n\n") + 1 if text else 0


def _role(kind: str) -> str:
    if kind == Person.Kind.NON_PARTY:
        return "cán bộ, công chức"
    if kind == Person.Kind.PROBATIONARY:
        return "đảng viên dự bị"
    return "đảng viên"


def _campaign(province: Organisation) -> Campaign | None:
    return (
        Campaign.objects.filter(parent__isnull=True, organisation=province, documents__number_symbol="21-KL/TW")
        .order_by("pk")
        .first()
    )


def seed(province: Organisation, rng: random.Random, stdout: Any) -> None:  # noqa: C901, PLR0912, PLR0915
    root = _campaign(province)
    if root is None:
        return
    now = timezone.now()
    today = timezone.localdate()
    Campaign.objects.filter(pk=root.pk).update(essay_outline=OUTLINE)
    no_notes: Any = "{}" if connection.vendor == "postgresql" else {}  # COPY takes JSON as text
    levels = ensure_scale(root)
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    staff = users.get("demo_staff")
    member = Person.objects.filter(user__username="demo_member").values_list("pk", flat=True).first()
    member2 = Person.objects.filter(user__username="demo_member2").values_list("pk", flat=True).first()

    orgs = {
        pk: (name, path, parent_id, kind)
        for pk, name, path, parent_id, kind in Organisation.objects.filter(path__startswith=province.path).values_list(
            "pk", "name", "path", "parent_id", "kind"
        )
    }
    by_path = {path: pk for pk, (_n, path, _p, _k) in orgs.items()}
    step = len(province.path)
    graders = {  # committee id -> the officer who grades it (else demo_staff)
        g.organisation_id: g.user
        for g in RoleGrant.objects.filter(
            role=RoleGrant.Role.OFFICER, can_grade=True, user__username__startswith="demo_"
        ).select_related("user")
    }
    people = list(
        Person.objects.filter(
            organisation__path__startswith=province.path, status=Person.Status.ACTIVE, kind__in=root.person_kinds
        )
        .order_by("pk")
        .values_list("pk", "full_name", "organisation_id", "kind", "date_of_birth")
    )
    family = list(Campaign.objects.filter(Q(pk=root.pk) | Q(parent_id=root.pk)).values_list("pk", flat=True))
    studied = set(
        Attendance.objects.filter(
            session__campaign_id__in=family, session__kind__in=COUNTING_KINDS, status__in=STUDIED_STATUSES
        ).values_list("person_id", flat=True)
    )

    def grassroots_of(org_id: int) -> int:
        path = orgs[org_id][1]
        return by_path.get(path[: step * 3], org_id) if len(path) > step * 2 else org_id

    def committee_of(org_id: int) -> int:
        return by_path.get(orgs[org_id][1][: step * 2], org_id)

    # Which grassroots organisations are graded, and which of those released (about a third; most released).
    grassroots = sorted({grassroots_of(org_id) for _pk, _n, org_id, _k, _b in people})
    graded_units = {g for g in grassroots if rng.random() < 0.33}
    released_units = {g for g in graded_units if rng.random() < 0.75}
    member_org = next((org for pk, _n, org, _k, _b in people if pk == member), None)
    member2_org = next((org for pk, _n, org, _k, _b in people if pk == member2), None)
    if member_org is not None:
        graded_units.discard(grassroots_of(member_org))
        released_units.discard(grassroots_of(member_org))
    if member2_org is not None:
        graded_units.add(grassroots_of(member2_org))
        released_units.add(grassroots_of(member2_org))

    writer = Writer(rng)
    exemptions: list[Exemption] = []
    rows: list[tuple[Any, ...]] = []
    plan: dict[int, dict[str, Any]] = {}  # person id -> what was written (for copies and grades)
    cutoff_birth = dt.date(today.year - 78, today.month, 1)
    for pk, name, org_id, kind, born in people:
        roll = rng.random()
        if pk not in (member, member2) and ((born is not None and born < cutoff_birth and roll < 0.7) or roll < 0.0015):
            reason = EXEMPT_REASONS[2] if born is None or born >= cutoff_birth else EXEMPT_REASONS[rng.randrange(2)]
            exemptions.append(Exemption(campaign=root, person_id=pk, reason=reason, confirmed_by=staff))
            continue
        roll = rng.random()
        if pk in (member, member2):
            status = Essay.Status.SUBMITTED
        elif pk in studied:
            status = Essay.Status.SUBMITTED if roll < 0.78 else Essay.Status.DRAFT if roll < 0.87 else None
        else:
            status = Essay.Status.SUBMITTED if roll < 0.1 else Essay.Status.DRAFT if roll < 0.15 else None
        if status is None:
            continue
        org_name, _path, parent_id, _kind = orgs[org_id]
        unit = orgs[grassroots_of(org_id)][0]
        sections = writer.sections()
        plan[pk] = {
            "status": status,
            "sections": sections,
            "name": name,
            "org": org_name,
            "unit": unit,
            "role": _role(kind),
            "org_id": org_id,
            "plain": rng.random() < 0.025,
        }

    # Near-copies: (members, where) groups; the first member's essay is the source.
    submitted = [pk for pk, p in plan.items() if p["status"] == Essay.Status.SUBMITTED and pk not in (member, member2)]
    by_cell: dict[int, list[int]] = {}
    by_committee: dict[int, list[int]] = {}
    for pk in submitted:
        by_cell.setdefault(plan[pk]["org_id"], []).append(pk)
        by_committee.setdefault(committee_of(plan[pk]["org_id"]), []).append(pk)
    committees = {orgs[c][0]: c for c in by_committee}
    tuy_an, song_cau = committees.get("Huyện ủy Tuy An"), committees.get("Thị ủy Sông Cầu")
    groups: list[list[int]] = []
    used: set[int] = set()

    def pick(pool: list[int], count: int) -> list[int]:
        free = [p for p in pool if p not in used]
        chosen = rng.sample(free, min(count, len(free)))
        used.update(chosen)
        return chosen

    cells = [c for c, members in sorted(by_cell.items()) if len(members) >= 4]
    for size in (3, 2, 4, 2, 3, 2, 5, 2) if cells else ():  # colleagues of one cell (none in a tiny demo)
        cell = rng.choice(cells)
        groups.append(pick(by_cell[cell], size))
    for committee, sizes in ((tuy_an, (3, 2, 2)), (song_cau, (2, 3))):  # across cells of one committee
        if committee is not None:
            groups += [pick(by_committee[committee], size) for size in sizes]
    if tuy_an is not None and song_cau is not None:  # one group across the two demo committees
        groups.append(pick(by_committee[tuy_an], 2) + pick(by_committee[song_cau], 2))
    for group in groups:
        if len(group) < 2:
            continue
        source = plan[group[0]]
        for pk in group[1:]:
            plan[pk]["sections"] = writer.variant(source["sections"], changes=rng.randint(0, 4))
            plan[pk]["plain"] = rng.random() < 0.3
    outline_copiers = pick(submitted, 8)
    for pk in outline_copiers:
        plan[pk]["outline"] = True

    # Grades: everyone submitted in a graded unit; a few failures (more among outline copiers).
    weights = list(GRADE_SHARES)
    grade_index: dict[int, int] = {}
    for pk, p in plan.items():
        if p["status"] != Essay.Status.SUBMITTED or grassroots_of(p["org_id"]) not in graded_units:
            continue
        grade_index[pk] = 4 if p.get("outline") else rng.choices(range(5), weights)[0]
    if member2 in plan:
        grade_index[member2] = 4
    if member in grade_index:
        del grade_index[member]

    release_day = now - dt.timedelta(days=6, hours=3)
    graded_day = now - dt.timedelta(days=8)
    for pk, p in plan.items():
        if p.get("outline"):
            body = OUTLINE.replace(
                "ĐỀ CƯƠNG BÀI THU HOẠCH", f"BÀI THU HOẠCH\nHọ và tên: {p['name']}\nĐơn vị: {p['org']}"
            )
            body += "\n\n" + " ".join(p["sections"][1][:2])
            body = _SLOT.sub(
                lambda m, p=p: {"org": p["org"], "unit": p["unit"], "role": p["role"]}.get(m.group(1), "2"), body
            )
        else:
            body = writer.text(p["sections"], name=p["name"], org=p["org"], unit=p["unit"], role=p["role"], today=today)
        while p["status"] == Essay.Status.SUBMITTED and words(body) < root.essay_min_words:  # long enough to submit
            extra = _SLOT.sub(
                lambda m, p=p: {"org": p["org"], "unit": p["unit"], "role": p["role"]}.get(m.group(1), "5"),
                writer.sentence(1 + int(rng.random() * 2)),
            )
            closing = "\n\nTrên đây là"
            body = body.replace(closing, f" {extra}{closing}", 1) if closing in body else f"{body} {extra}"
        if p["plain"]:
            body = strip_diacritics(body)
        if p["status"] == Essay.Status.DRAFT:  # a draft stops somewhere in the middle
            body = body[: int(len(body) * rng.uniform(0.25, 0.8))]
        unit = grassroots_of(p["org_id"])
        g = grade_index.get(pk)
        submitted_at = None
        if p["status"] == Essay.Status.SUBMITTED:
            days = rng.uniform(9, 14) if g is not None else rng.uniform(0.2, 14)
            submitted_at = now - dt.timedelta(days=days)
        saved = submitted_at or now - dt.timedelta(hours=rng.uniform(1, 200))
        grader = graders.get(committee_of(p["org_id"]), staff)
        graded_at = graded_day + dt.timedelta(hours=rng.uniform(0, 30)) if g is not None else None
        released = release_day if g is not None and unit in released_units else None
        rows.append(
            (
                root.pk,
                pk,
                1,
                Essay.Status.GRADED if g is not None else p["status"],
                body,
                words(body),
                "",
                "",
                "",
                None,
                "",
                Essay.Extraction.NONE,
                "",
                0,
                rng.randint(3, 40),
                saved,
                submitted_at,
                False,
                levels[g].pk if g is not None else None,
                rng.choice(COMMENTS[g]) if g is not None else "",
                no_notes,
                grader.pk if g is not None and grader else None,
                graded_at,
                released,
                None,
                saved - dt.timedelta(hours=rng.uniform(0.5, 30)),
            )
        )
    _insert(Essay, ESSAY_FIELDS, rows)
    Exemption.objects.bulk_create(exemptions, batch_size=2000)

    essays = {
        person_id: (pk, grade_id, graded_by_id, released_at)
        for pk, person_id, grade_id, graded_by_id, released_at in Essay.objects.filter(campaign=root).values_list(
            "pk", "person_id", "grade_id", "graded_by_id", "released_at"
        )
    }
    graded_when = dict(Essay.objects.filter(campaign=root, grade__isnull=False).values_list("pk", "graded_at"))
    changes: list[tuple[Any, ...]] = [  # CHANGE_FIELDS: every grade given is kept in the history
        (pk, None, grade_id, "", False, by, graded_when[pk])
        for pk, grade_id, by, _r in essays.values()
        if grade_id is not None
    ]
    # A couple of grades changed after release (chấm phúc khảo): kept in the history.
    regraded = [(person, e) for person, e in essays.items() if e[3] is not None and e[1] == levels[3].pk][:3]
    for _person, (pk, grade_id, by, _r) in regraded:
        note = "Chấm phúc khảo theo đề nghị của đảng viên."
        changes.append((pk, grade_id, levels[2].pk, note, True, by, release_day + dt.timedelta(days=2)))
    Essay.objects.filter(pk__in=[e[0] for _p, e in regraded]).update(grade=levels[2])
    _insert(GradeChange, CHANGE_FIELDS, changes)
    counts: dict[int, int] = {}
    for person, (_pk, _grade, _by, released_at) in essays.items():
        if released_at is not None:
            unit = grassroots_of(plan[person]["org_id"])
            counts[unit] = counts.get(unit, 0) + 1
    GradeRelease.objects.bulk_create(
        GradeRelease(campaign=root, organisation_id=unit, essays=n, released_by=graders.get(committee_of(unit), staff))
        for unit, n in sorted(counts.items())
    )
    GradeRelease.objects.filter(campaign=root).update(released_at=release_day)

    # Re-study (học lại): one session per committee with released failures; about half of them came.
    failing = levels[4].pk
    failed_by_committee: dict[int, list[int]] = {}
    for person, (_pk, grade_id, _by, released_at) in essays.items():
        if grade_id == failing and released_at is not None and person != member2:
            failed_by_committee.setdefault(committee_of(plan[person]["org_id"]), []).append(person)
    plans = dict(Campaign.objects.filter(parent=root).values_list("organisation_id", "pk"))
    attended: list[tuple[Any, ...]] = []
    second: list[tuple[Any, ...]] = []
    for committee_id, failed in sorted(failed_by_committee.items()):
        plan_id = plans.get(committee_id)
        if plan_id is None:
            continue
        committee = Organisation.objects.get(pk=committee_id)
        start = dt.datetime.combine(
            today - dt.timedelta(days=3), dt.time(7, 30), tzinfo=timezone.get_current_timezone()
        )
        session = campaign_services.session_save(
            actor=None,
            campaign=Campaign.objects.get(pk=plan_id),
            organisation=committee,
            title=f"Hội nghị học tập lại Kết luận số 21-KL/TW – {committee.short_name or committee.name}",
            kind=StudySession.Kind.RESTUDY,
            format=StudySession.Format.IN_PERSON,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            venue=f"Hội trường {committee.name}",
        )
        for person in sorted(failed):
            if rng.random() < 0.5:
                attended.append((session.pk, person, None, Attendance.Status.PRESENT, "", Attendance.Source.SHEET, now))
                if rng.random() < 0.5:
                    p = plan[person]
                    body = writer.text(
                        writer.sections(), name=p["name"], org=p["org"], unit=p["unit"], role=p["role"], today=today
                    )
                    body = body[: int(len(body) * rng.uniform(0.3, 0.9))]
                    saved = now - dt.timedelta(hours=rng.uniform(1, 48))
                    second.append(
                        (
                            root.pk,
                            person,
                            2,
                            Essay.Status.DRAFT,
                            body,
                            words(body),
                            "",
                            "",
                            "",
                            None,
                            "",
                            Essay.Extraction.NONE,
                            "",
                            0,
                            rng.randint(2, 9),
                            saved,
                            None,
                            False,
                            None,
                            "",
                            no_notes,
                            None,
                            None,
                            None,
                            None,
                            saved,
                        )
                    )
    _insert(Attendance, ["session_id", "person_id", "point_id", "status", "reason", "source", "recorded_at"], attended)
    _insert(Essay, ESSAY_FIELDS, second)

    submitted_count = sum(1 for r in rows if r[3] != Essay.Status.DRAFT)
    stdout.write(
        f"  essays: {len(rows):,} for Kết luận 21 ({submitted_count:,} submitted, {len(rows) - submitted_count:,} "
        f"drafts, {len(grade_index):,} graded, {sum(counts.values()):,} released in {len(counts)} organisations, "
        f"{sum(1 for g in grade_index.values() if g == 4)} failed, {len(attended)} re-studied, {len(second)} second "
        f"attempts); {len(exemptions):,} exemptions; {sum(len(g) for g in groups)} near-copies in {len(groups)} "
        f"groups, {len(outline_copiers)} outline copies\n"
    )

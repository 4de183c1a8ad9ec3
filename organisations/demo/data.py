"""The demo province's data: names of Phú Yên's organisations before the 2025 reorganisation, Vietnamese
personal names, and who the people of each kind of unit are (see organisations.demo)."""

from __future__ import annotations

from dataclasses import dataclass

# name, short name, document symbol, generator key
COMMITTEES: list[tuple[str, str, str, str]] = [
    ("Thành ủy Tuy Hòa", "Tuy Hòa", "TU", "Tuy Hòa"),
    ("Thị ủy Sông Cầu", "Sông Cầu", "TU", "Sông Cầu"),
    ("Thị ủy Đông Hòa", "Đông Hòa", "TU", "Đông Hòa"),
    ("Huyện ủy Tuy An", "Tuy An", "HU", "Tuy An"),
    ("Huyện ủy Đồng Xuân", "Đồng Xuân", "HU", "Đồng Xuân"),
    ("Huyện ủy Sơn Hòa", "Sơn Hòa", "HU", "Sơn Hòa"),
    ("Huyện ủy Sông Hinh", "Sông Hinh", "HU", "Sông Hinh"),
    ("Huyện ủy Tây Hòa", "Tây Hòa", "HU", "Tây Hòa"),
    ("Huyện ủy Phú Hòa", "Phú Hòa", "HU", "Phú Hòa"),
    ("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh", "Khối CQ và DN tỉnh", "ĐUK", "bloc"),
    ("Đảng ủy Quân sự tỉnh", "Quân sự tỉnh", "ĐU", "army"),
    ("Đảng ủy Công an tỉnh", "Công an tỉnh", "ĐU", "police"),
    ("Đảng ủy Bộ đội Biên phòng tỉnh", "Biên phòng tỉnh", "ĐU", "border"),
]

# name, short name, symbol, people profile
MASS_ORGS: list[tuple[str, str, str, str]] = [
    ("Ủy ban Mặt trận Tổ quốc tỉnh", "MTTQ tỉnh", "MTTQ", "mass"),
    ("Liên đoàn Lao động tỉnh", "LĐLĐ tỉnh", "LĐLĐ", "mass"),
    ("Hội Liên hiệp Phụ nữ tỉnh", "Hội LHPN tỉnh", "HLHPN", "women"),
    ("Hội Nông dân tỉnh", "Hội ND tỉnh", "HND", "mass"),
    ("Hội Cựu chiến binh tỉnh", "Hội CCB tỉnh", "HCCB", "veterans"),
    ("Tỉnh đoàn", "Tỉnh đoàn", "TĐ", "youth"),
]

# District level: (level word, committee word, communes). Communes: "P:" phường, "T:" thị trấn, "X:" xã.
DISTRICTS: dict[str, tuple[str, str, str]] = {
    "Tuy Hòa": (
        "thành phố",
        "Thành ủy",
        "P:1,2,4,5,7,8,9,Phú Đông,Phú Lâm,Phú Thạnh;X:An Phú,Bình Kiến,Bình Ngọc,Hòa Kiến",
    ),
    "Sông Cầu": (
        "thị xã",
        "Thị ủy",
        "P:Xuân Phú,Xuân Yên,Xuân Thành,Xuân Đài;X:Xuân Lộc,Xuân Hải,Xuân Hòa,Xuân Cảnh,Xuân Thịnh,"
        "Xuân Phương,Xuân Bình,Xuân Lâm,Xuân Thọ 1,Xuân Thọ 2",
    ),
    "Đông Hòa": (
        "thị xã",
        "Thị ủy",
        "P:Hòa Vinh,Hòa Hiệp Bắc,Hòa Hiệp Trung,Hòa Hiệp Nam,Hòa Xuân Tây;"
        "X:Hòa Thành,Hòa Tân Đông,Hòa Xuân Đông,Hòa Xuân Nam,Hòa Tâm",
    ),
    "Tuy An": (
        "huyện",
        "Huyện ủy",
        "X:An Dân,An Ninh Đông,An Ninh Tây,An Thạch,An Định,An Nghiệp,An Cư,An Xuân,An Lĩnh,"
        "An Hòa Hải,An Hiệp,An Mỹ,An Chấn,An Thọ;T:Chí Thạnh",
    ),
    "Đồng Xuân": (
        "huyện",
        "Huyện ủy",
        "T:La Hai;X:Xuân Sơn Bắc,Xuân Sơn Nam,Xuân Phước,Xuân Quang 1,Xuân Quang 2,Xuân Quang 3,"
        "Xuân Long,Xuân Lãnh,Đa Lộc,Phú Mỡ",
    ),
    "Sơn Hòa": (
        "huyện",
        "Huyện ủy",
        "T:Củng Sơn;X:Sơn Hội,Cà Lúi,Sơn Phước,Phước Tân,Sơn Xuân,Sơn Định,Sơn Long,Sơn Nguyên,"
        "Sơn Hà,Suối Bạc,Krông Pa,Suối Trai,Ea Chà Rang",
    ),
    "Sông Hinh": (
        "huyện",
        "Huyện ủy",
        "T:Hai Riêng;X:Ea Lâm,Đức Bình Tây,Đức Bình Đông,Ea Bá,Sơn Giang,Ea Bar,Ea Bia,Ea Ly,Ea Trol,Sông Hinh",
    ),
    "Tây Hòa": (
        "huyện",
        "Huyện ủy",
        "T:Phú Thứ;X:Hòa Bình 1,Hòa Đồng,Hòa Mỹ Đông,Hòa Mỹ Tây,Hòa Phong,Hòa Phú,Hòa Tân Tây,"
        "Hòa Thịnh,Sơn Thành Đông,Sơn Thành Tây",
    ),
    "Phú Hòa": (
        "huyện",
        "Huyện ủy",
        "T:Phú Hòa;X:Hòa An,Hòa Định Đông,Hòa Định Tây,Hòa Hội,Hòa Quang Bắc,Hòa Quang Nam,Hòa Thắng,Hòa Trị",
    ),
}
UNITS = {"P": "phường", "T": "thị trấn", "X": "xã"}
# Communes where many members belong to the Ê Đê, Chăm H'roi and Ba Na peoples.
MINORITY_COMMUNES = frozenset(
    "Cà Lúi,Krông Pa,Ea Chà Rang,Suối Trai,Phước Tân,Sơn Hội,Ea Lâm,Ea Bá,Ea Bar,Ea Bia,Ea Ly,Ea Trol,"
    "Sông Hinh,Đức Bình Tây,Phú Mỡ,Xuân Lãnh,Đa Lộc".split(",")
)

VILLAGE_A = "Phú Mỹ Xuân Long Tân Phước Hòa An Bình Thạnh Lộc Hội Vĩnh Quang Thọ Phong Hiệp Diêm Cẩm Thuận Lạc".split()
VILLAGE_B = (
    "Tân Phú Thạnh Lộc Thọ Hòa Đông Tây Nam Bắc Trung Mỹ Hội Lâm Sơn Thủy Điền Hưng Dục Lương Xuân "
    "Long Cảnh Định Trường Phước"
).split()
HAMLETS = (
    "Ken,Chao,Bách,Dành,Mùi,Thô,Lé,Xây,Kết,Quen,Ma Giêng,Suối Mây,Đu,Bầu,Cám,Hoàn Thành,Ly,Trinh,"
    "Krông,Ea Dinh,Mư Hoi,Lỗ Ô"
).split(",")
# Schools are named after them; the high schools of the provincial bloc are left out of THPT_HEROES.
HEROES = (
    "Lê Lợi,Trần Hưng Đạo,Nguyễn Du,Lê Quý Đôn,Nguyễn Trãi,Chu Văn An,Lương Thế Vinh,Phan Bội Châu,"
    "Nguyễn Huệ,Lê Thánh Tôn,Trần Phú,Nguyễn Thị Minh Khai,Võ Thị Sáu,Hùng Vương,Ngô Quyền,Lý Tự Trọng,"
    "Nguyễn Bỉnh Khiêm,Đinh Tiên Hoàng,Phan Chu Trinh,Lê Hồng Phong,Kim Đồng,Nguyễn Văn Trỗi,"
    "Lương Văn Chánh,Trần Suyền,Lê Trung Kiên,Nguyễn Thái Bình,Trần Quốc Tuấn,Nguyễn Công Trứ,"
    "Huỳnh Thúc Kháng,Trần Bình Trọng,Lê Văn Tám,Nguyễn Viết Xuân,Tôn Đức Thắng,Phạm Văn Đồng"
).split(",")
THPT_HEROES = [h for h in HEROES if h not in ("Nguyễn Huệ", "Nguyễn Trãi", "Lương Văn Chánh")]
SCHOOL_TEAMS = (
    "Tổ Toán - Tin,Tổ Ngữ văn,Tổ Ngoại ngữ,Tổ Vật lý - Hóa học,Tổ Sinh - Công nghệ,Tổ Lịch sử - Địa lý,Tổ Văn phòng"
)
HOSPITAL_UNITS = (
    "Khoa Nội,Khoa Ngoại,Khoa Sản,Khoa Nhi,Khoa Khám bệnh,Khoa Hồi sức cấp cứu,Khoa Xét nghiệm,"
    "Khoa Chẩn đoán hình ảnh,Phòng Kế hoạch - Nghiệp vụ,Phòng Điều dưỡng"
)


# A district committee's own offices. {L}: "huyện Tuy An", "thành phố Tuy Hòa"...; {C}: "Huyện ủy"...; {P}: "Tuy An".
DISTRICT_PARTY_BODIES: list[tuple[str, str, str]] = [
    # grassroots committee, its cells, people profile
    (
        "Đảng bộ các cơ quan Đảng {L}",
        "Văn phòng {C},Ban Tổ chức {C},Ban Tuyên giáo {C},Ủy ban Kiểm tra {C},Ban Dân vận {C},Trung tâm Chính trị {L}",
        "office",
    ),
    (
        "Đảng bộ Cơ quan chính quyền {L}",
        "Văn phòng HĐND và UBND {L},Phòng Tài chính - Kế hoạch,Phòng Nội vụ,Phòng Tư pháp,"
        "Phòng Tài nguyên và Môi trường,"
        "Phòng Kinh tế - Hạ tầng,Phòng Lao động - Thương binh và Xã hội,Phòng Nông nghiệp và PTNT,Thanh tra {L}",
        "office",
    ),
    ("Đảng bộ Quân sự {L}", "Chỉ huy,Tham mưu,Chính trị - Hậu cần,Trung đội dân quân cơ động", "armed"),
    (
        "Đảng bộ Công an {L}",
        "Đội Tham mưu - Tổng hợp,Đội Cảnh sát giao thông,Đội Cảnh sát hình sự,Đội An ninh,"
        "Đội Cảnh sát quản lý hành chính về trật tự xã hội,Đội Cảnh sát điều tra tội phạm về kinh tế và ma túy",
        "armed",
    ),
    ("Đảng bộ Trung tâm Y tế {L}", HOSPITAL_UNITS, "health"),
]
DISTRICT_CELLS: list[tuple[str, str]] = [
    # grassroots cell, people profile
    ("Chi bộ Phòng Giáo dục và Đào tạo {L}", "office"),
    ("Chi bộ Phòng Văn hóa và Thông tin {L}", "office"),
    ("Chi bộ Trung tâm Văn hóa - Thông tin và Thể thao {L}", "agency"),
    ("Chi bộ Khối Mặt trận và các đoàn thể {L}", "agency"),
    ("Chi bộ Ngân hàng Chính sách xã hội {L}", "agency"),
    ("Chi bộ Kho bạc Nhà nước {L}", "agency"),
    ("Chi bộ Chi cục Thuế {L}", "agency"),
    ("Chi bộ Bảo hiểm xã hội {L}", "agency"),
    ("Chi bộ Điện lực {P}", "business"),
    ("Chi bộ Ban Quản lý dự án đầu tư xây dựng {L}", "agency"),
    ("Chi bộ Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {L}", "school"),
    ("Chi bộ Viện Kiểm sát nhân dân {L}", "agency"),
    ("Chi bộ Tòa án nhân dân {L}", "agency"),
    ("Chi bộ Chi cục Thi hành án dân sự {L}", "agency"),
    ("Chi bộ Chi cục Thống kê {L}", "agency"),
    ("Chi bộ Trung tâm Dịch vụ nông nghiệp {L}", "agency"),
    ("Chi bộ Hạt Kiểm lâm {L}", "agency"),
    ("Chi bộ Trung tâm Phát triển quỹ đất {L}", "agency"),
    ("Chi bộ Bưu điện {L}", "business"),
    ("Chi bộ Ngân hàng Nông nghiệp và PTNT chi nhánh {P}", "business"),
    ("Chi bộ Ban Quản lý rừng phòng hộ {P}", "agency"),
    ("Chi bộ Phòng Y tế {L}", "office"),
    ("Chi bộ Đội Quản lý thị trường {L}", "agency"),
    ("Chi bộ Nhà Thiếu nhi {L}", "school"),
]

# Provincial bodies under Đảng ủy Khối. Đảng bộ: name | its cells; Chi bộ cơ sở: name.
BLOC_PARTY_BODIES: list[tuple[str, str]] = [
    (
        "Văn phòng UBND tỉnh",
        "Phòng Tổng hợp,Phòng Kinh tế,Phòng Khoa giáo - Văn xã,Phòng Hành chính - Tổ chức,"
        "Trung tâm Phục vụ hành chính công",
    ),
    (
        "Sở Tài chính",
        "Văn phòng Sở,Phòng Quản lý ngân sách,Phòng Tài chính đầu tư,Phòng Quản lý giá và công sản,Thanh tra Sở",
    ),
    ("Sở Kế hoạch và Đầu tư", "Văn phòng Sở,Phòng Tổng hợp - Quy hoạch,Phòng Đăng ký kinh doanh,Phòng Đấu thầu"),
    (
        "Sở Giáo dục và Đào tạo",
        "Văn phòng Sở,Phòng Giáo dục Trung học,Phòng Giáo dục Tiểu học,Phòng Tổ chức cán bộ,Phòng Khảo thí",
    ),
    ("Sở Y tế", "Văn phòng Sở,Phòng Nghiệp vụ Y,Phòng Nghiệp vụ Dược,Chi cục Dân số,Trung tâm Kiểm soát bệnh tật"),
    (
        "Sở Nông nghiệp và PTNT",
        "Văn phòng Sở,Chi cục Thủy lợi,Chi cục Kiểm lâm,Chi cục Thủy sản,Chi cục Trồng trọt và Bảo vệ thực vật,"
        "Trung tâm Khuyến nông",
    ),
    (
        "Sở Tài nguyên và Môi trường",
        "Văn phòng Sở,Chi cục Bảo vệ môi trường,Văn phòng Đăng ký đất đai,Phòng Quản lý đất đai",
    ),
    ("Sở Xây dựng", "Văn phòng Sở,Phòng Quản lý xây dựng,Phòng Quy hoạch - Kiến trúc,Thanh tra Sở"),
    ("Sở Giao thông vận tải", "Văn phòng Sở,Phòng Quản lý giao thông,Ban Quản lý bảo trì đường bộ,Thanh tra Sở"),
    ("Sở Công Thương", "Văn phòng Sở,Phòng Quản lý thương mại,Phòng Quản lý công nghiệp,Trung tâm Khuyến công"),
    (
        "Sở Lao động - Thương binh và Xã hội",
        "Văn phòng Sở,Phòng Người có công,Phòng Bảo trợ xã hội,Trung tâm Dịch vụ việc làm,Trung tâm Công tác xã hội",
    ),
    (
        "Sở Văn hóa, Thể thao và Du lịch",
        "Văn phòng Sở,Phòng Quản lý văn hóa,Bảo tàng tỉnh,Thư viện tỉnh,Trung tâm Huấn luyện và Thi đấu thể thao",
    ),
    ("Bệnh viện Đa khoa tỉnh", HOSPITAL_UNITS + ",Khoa Tim mạch,Khoa Ung bướu"),
    ("Bệnh viện Sản - Nhi tỉnh", "Khoa Sản,Khoa Nhi,Khoa Sơ sinh,Khoa Khám bệnh,Phòng Điều dưỡng"),
    (
        "Trường Đại học Phú Yên",
        "Khoa Sư phạm,Khoa Kinh tế,Khoa Kỹ thuật - Công nghệ,Khoa Ngoại ngữ,Phòng Đào tạo,Phòng Tổ chức - Hành chính",
    ),
    (
        "Đài Phát thanh và Truyền hình Phú Yên",
        "Phòng Thời sự,Phòng Chuyên đề,Phòng Kỹ thuật - Công nghệ,Phòng Hành chính - Tổng hợp",
    ),
    ("Báo Phú Yên", "Phòng Thời sự,Phòng Chuyên đề - Bạn đọc,Phòng Trị sự"),
    ("Cục Thuế tỉnh", "Văn phòng Cục,Phòng Kiểm tra thuế,Phòng Thanh tra thuế,Phòng Nghiệp vụ - Dự toán"),
    ("Kho bạc Nhà nước tỉnh", "Văn phòng,Phòng Kế toán nhà nước,Phòng Kiểm soát chi"),
    ("Bảo hiểm xã hội tỉnh", "Văn phòng,Phòng Thu - Sổ thẻ,Phòng Chế độ bảo hiểm xã hội,Phòng Giám định bảo hiểm y tế"),
    ("Công ty Điện lực Phú Yên", "Văn phòng,Phòng Kỹ thuật,Phòng Kinh doanh,Đội Quản lý vận hành lưới điện cao thế"),
    ("Viễn thông Phú Yên", "Phòng Tổng hợp - Nhân sự,Phòng Kỹ thuật - Đầu tư,Trung tâm Điều hành thông tin"),
    ("Trường THPT chuyên Lương Văn Chánh", SCHOOL_TEAMS),
    ("Trường Cao đẳng Phú Yên", "Khoa Cơ khí,Khoa Điện - Điện tử,Khoa Kinh tế - Du lịch,Phòng Đào tạo"),
    ("Cục Hải quan tỉnh", "Văn phòng Cục,Chi cục Hải quan cửa khẩu cảng Vũng Rô,Đội Kiểm soát Hải quan"),
]
BLOC_CELLS = (
    "Sở Tư pháp,Sở Khoa học và Công nghệ,Sở Nội vụ,Sở Thông tin và Truyền thông,Sở Ngoại vụ,Thanh tra tỉnh,"
    "Ban Dân tộc tỉnh,Văn phòng Đoàn ĐBQH và HĐND tỉnh,Ban Quản lý Khu kinh tế,Cục Thống kê tỉnh,"
    "Ngân hàng Nhà nước chi nhánh Phú Yên,Vietcombank chi nhánh Phú Yên,BIDV chi nhánh Phú Yên,"
    "VietinBank chi nhánh Phú Yên,Agribank chi nhánh Phú Yên,Ngân hàng Chính sách xã hội tỉnh,Bưu điện tỉnh,"
    "Công ty Cổ phần Cấp thoát nước Phú Yên,Công ty TNHH MTV Lâm nghiệp Sông Hinh,Công ty Cổ phần Cảng Vũng Rô,"
    "Công ty TNHH MTV Xổ số kiến thiết Phú Yên,Liên minh Hợp tác xã tỉnh,Trung tâm Xúc tiến đầu tư,"
    "Trường Chính trị tỉnh,Trung tâm Văn hóa tỉnh,Nhà hát Ca múa nhạc dân gian Sao Biển,Trường THPT Nguyễn Huệ,"
    "Trường THPT Nguyễn Trãi,Quỹ Đầu tư phát triển tỉnh,Chi cục Quản lý thị trường,Hội Chữ thập đỏ tỉnh,"
    "Hội Văn học Nghệ thuật tỉnh,Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh,Hội Nhà báo tỉnh,"
    "Công ty Cổ phần Đường Tuy Hòa,Công ty Cổ phần Môi trường đô thị Phú Yên,Công ty Cổ phần Công trình giao thông,"
    "Công ty Cổ phần Dược - Trang thiết bị y tế Phú Yên,Công ty Cổ phần Thủy sản Phú Yên,"
    "Công ty Cổ phần Du lịch Phú Yên,Trường Cao đẳng Y tế Phú Yên,Trung tâm Giám định y khoa,Bệnh viện Y học cổ truyền,"
    "Bệnh viện Tâm thần tỉnh,Trung tâm Pháp y,Cảng vụ Hàng hải Quy Nhơn tại Phú Yên,Sân bay Tuy Hòa,"
    "Ga Tuy Hòa,Công ty Cổ phần Sách và Thiết bị trường học,Công ty TNHH MTV Khai thác thủy lợi"
).split(",")

ARMY_PARTY_BODIES: list[tuple[str, str]] = [
    (
        "Cơ quan Bộ Chỉ huy Quân sự tỉnh",
        "Phòng Tham mưu,Phòng Chính trị,Phòng Hậu cần - Kỹ thuật,Ban Tài chính,Ban Quân lực",
    ),
    ("Trung đoàn Bộ binh 143", "Chỉ huy Trung đoàn,Ban Tham mưu,Ban Chính trị,Tiểu đoàn 1,Tiểu đoàn 2,Tiểu đoàn 3"),
    ("Trường Quân sự tỉnh", "Khoa Chiến thuật,Khoa Chính trị,Phòng Đào tạo,Đại đội Học viên"),
    ("Tiểu đoàn Huấn luyện - Cơ động", "Chỉ huy Tiểu đoàn,Đại đội 1,Đại đội 2,Đại đội 3"),
    ("Ban Chỉ huy Phòng thủ khu vực Bắc", "Chỉ huy,Tham mưu,Chính trị - Hậu cần"),
    ("Ban Chỉ huy Phòng thủ khu vực Nam", "Chỉ huy,Tham mưu,Chính trị - Hậu cần"),
]
ARMY_CELLS = (
    "Đại đội Trinh sát,Đại đội Thông tin,Đại đội Công binh,Đại đội Pháo binh,Đại đội Phòng hóa,"
    "Kho Kỹ thuật,Đội K72,Bệnh xá Quân y,Nhà khách Quân sự,Ban Chỉ huy Quân sự các cơ quan tỉnh,"
    "Trung đội Cảnh vệ,Đội Xe,Ban Quản lý dự án Quân sự,Trạm Sửa chữa tổng hợp,Kho Hậu cần,"
    "Đại đội Dân quân thường trực,Ban Chỉ huy Quân sự Khu kinh tế Nam Phú Yên,"
    "Hải đội Dân quân thường trực"
).split(",")

POLICE_PARTY_BODIES = (
    "Phòng Cảnh sát giao thông,Phòng Cảnh sát hình sự,Phòng Cảnh sát cơ động,"
    "Phòng Cảnh sát phòng cháy chữa cháy và cứu nạn cứu hộ,Phòng An ninh chính trị nội bộ,"
    "Phòng Cảnh sát quản lý hành chính về trật tự xã hội,Phòng Cảnh sát điều tra tội phạm về ma túy,"
    "Phòng Cảnh sát kinh tế,Phòng Tham mưu,Trại Tạm giam,Phòng Cảnh sát thi hành án hình sự "
    "và hỗ trợ tư pháp,Phòng Cảnh sát điều tra tội phạm về trật tự xã hội"
).split(",")
POLICE_CELLS = (
    "Phòng Công tác Đảng và công tác chính trị,Phòng Tổ chức cán bộ,Phòng An ninh kinh tế,"
    "Phòng An ninh mạng và phòng chống tội phạm sử dụng công nghệ cao,Phòng An ninh đối ngoại,"
    "Phòng Kỹ thuật hình sự,Phòng Hậu cần,Phòng Hồ sơ,Phòng Cảnh sát môi trường,"
    "Phòng Quản lý xuất nhập cảnh,Phòng Tài chính,Thanh tra Công an tỉnh,Phòng Pháp chế,"
    "Phòng Cảnh sát điều tra tội phạm về tham nhũng kinh tế buôn lậu,Văn phòng Cơ quan Cảnh sát điều tra,"
    "Văn phòng Cơ quan An ninh điều tra,Phòng Thông tin liên lạc,Phòng Cơ yếu,Phòng An ninh nội địa,"
    "Phòng Quản lý hành chính về trật tự xã hội,Phòng Cảnh sát đường thủy,Bệnh xá Công an tỉnh"
).split(",")

BORDER_PARTY_BODIES: list[tuple[str, str]] = [
    (
        "Cơ quan Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
        "Phòng Tham mưu,Phòng Chính trị,Phòng Hậu cần - Kỹ thuật,Phòng Trinh sát,Phòng Phòng chống ma túy và tội phạm",
    ),
    *(
        (
            f"Đồn Biên phòng {post}",
            "Chỉ huy Đồn,Đội Vũ trang,Đội Vận động quần chúng,Đội Trinh sát và Phòng chống ma túy,"
            "Trạm Kiểm soát Biên phòng",
        )
        for post in (
            "Xuân Hải",
            "Xuân Thịnh",
            "An Hòa Hải",
            "An Ninh",
            "Tuy Hòa",
            "Hòa Hiệp",
            "Hòa Tâm",
            "Cửa khẩu cảng Vũng Rô",
        )
    ),
    ("Hải đội Biên phòng 2", "Chỉ huy Hải đội,Tàu 1,Tàu 2,Hậu cần - Kỹ thuật"),
]
BORDER_CELLS = [
    "Đội Đặc nhiệm phòng chống ma túy và tội phạm",
    "Bệnh xá Biên phòng",
    "Đội Thông tin",
    "Tiểu đội Cảnh vệ",
]

# Vietnamese names, weighted roughly like the south-central coast (Huỳnh and Võ before Hoàng and Vũ).
FAMILY: list[tuple[str, int]] = [
    ("Nguyễn", 31),
    ("Trần", 10),
    ("Lê", 9),
    ("Phạm", 6),
    ("Huỳnh", 6),
    ("Võ", 6),
    ("Phan", 5),
    ("Hồ", 3),
    ("Đặng", 3),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Đoàn", 2),
    ("Trương", 2),
    ("Lương", 1),
    ("Đinh", 1),
    ("Cao", 1),
    ("Mai", 1),
    ("Lý", 1),
    ("Hà", 1),
    ("Tô", 1),
    ("Châu", 1),
    ("Thái", 1),
    ("Lưu", 1),
    ("Hoàng", 1),
    ("Vũ", 1),
    ("Phùng", 1),
    ("Kiều", 1),
    ("Tạ", 1),
]
MINORITY_FAMILY = "Ksor,Nay,Rơ Chăm,Kpă,Rơ Ô,Hờ,La,Mấu,Sô,Lê".split(",")
MIDDLE_MALE: list[tuple[str, int]] = [
    ("Văn", 30),
    ("Tấn", 6),
    ("Ngọc", 6),
    ("Hữu", 6),
    ("Minh", 5),
    ("Thanh", 5),
    ("Đức", 4),
    ("Quốc", 4),
    ("Công", 4),
    ("Đình", 4),
    ("Xuân", 3),
    ("Quang", 3),
    ("Trung", 2),
    ("Bá", 2),
    ("Thành", 2),
    ("Anh", 2),
    ("Duy", 2),
    ("Hoàng", 1),
    ("Nhật", 1),
    ("Phú", 1),
    ("Kim", 1),
    ("Trọng", 1),
]
MIDDLE_FEMALE: list[tuple[str, int]] = [
    ("Thị", 45),
    ("Ngọc", 6),
    ("Thanh", 5),
    ("Kim", 4),
    ("Thu", 4),
    ("Mỹ", 3),
    ("Hồng", 3),
    ("Bích", 2),
    ("Minh", 2),
    ("Phương", 2),
    ("Xuân", 2),
    ("Hoài", 2),
    ("Diệu", 1),
    ("Tuyết", 1),
    ("Quỳnh", 1),
    ("Bảo", 1),
]
GIVEN_MALE = (
    "An Anh Bảo Bình Cường Chiến Công Dũng Duy Đạt Định Đông Đức Hải Hào Hiếu Hiệp Hòa Hoàng Hùng Hưng Huy "
    "Khải Khánh Khoa Kiên Lâm Lộc Long Lợi Luân Minh Nam Nghĩa Nhân Phát Phong Phú Phúc Phước Quang Quân "
    "Quốc Sang Sơn Tài Tâm Tân Thắng Thành Thanh Thịnh Thọ Tiến Toàn Trí Trung Trọng Tú Tuấn Tùng Việt "
    "Vinh Vũ Xuân"
).split()
GIVEN_FEMALE = (
    "Anh Ánh Bích Châu Chi Diễm Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huệ Hương Hường Lan Liên "
    "Linh Loan Ly Mai My Nga Ngân Ngọc Nhung Nhi Oanh Phương Phượng Quyên Quỳnh Sương Tâm Thảo Thanh "
    "Thắm Thu Thủy Thúy Trang Trâm Trinh Tuyết Uyên Vân Vy Xuân Yến"
).split()
PHONE_PREFIXES = "090 091 093 094 096 097 098 032 033 034 035 036 037 038 039 070 076 077 079 081 083 084 085".split()


@dataclass(frozen=True)
class Profile:
    """Who the people of one kind of unit are: size, age, sex and kind mix, contact details."""

    size: tuple[int, int]  # people weight at scale 1 (relative; the total is fixed by PEOPLE_AT_SCALE_1)
    age: tuple[int, int, int]  # triangular: low, high, mode
    female: float
    non_party: float
    phone: float
    email: float
    domain: str


PROFILES: dict[str, Profile] = {
    "village": Profile((9, 30), (22, 90, 58), 0.33, 0.0, 0.55, 0.03, "gmail.com"),
    "ward": Profile((12, 36), (22, 90, 55), 0.38, 0.0, 0.70, 0.08, "gmail.com"),
    "commune_office": Profile((12, 26), (24, 60, 42), 0.35, 0.02, 0.95, 0.4, "phuyen.gov.vn"),
    "commune_armed": Profile((5, 12), (21, 55, 35), 0.05, 0.0, 0.95, 0.1, "gmail.com"),
    "health": Profile((5, 14), (24, 60, 40), 0.62, 0.0, 0.95, 0.3, "gmail.com"),
    "school": Profile((8, 24), (23, 60, 40), 0.70, 0.0, 0.95, 0.5, "phuyen.edu.vn"),
    "office": Profile((6, 18), (24, 60, 42), 0.45, 0.01, 0.98, 0.7, "phuyen.gov.vn"),
    "agency": Profile((10, 32), (24, 60, 42), 0.42, 0.01, 0.98, 0.6, "phuyen.gov.vn"),
    "business": Profile((8, 30), (24, 60, 40), 0.35, 0.01, 0.95, 0.5, "gmail.com"),
    "armed": Profile((12, 34), (21, 55, 33), 0.08, 0.0, 0.90, 0.1, "gmail.com"),
    "mass": Profile((30, 60), (25, 60, 44), 0.45, 0.40, 0.98, 0.6, "phuyen.gov.vn"),
    "women": Profile((30, 50), (25, 60, 42), 0.95, 0.40, 0.98, 0.6, "phuyen.gov.vn"),
    "veterans": Profile((25, 45), (48, 82, 68), 0.08, 0.15, 0.90, 0.2, "gmail.com"),
    "youth": Profile((25, 45), (23, 38, 29), 0.50, 0.45, 1.00, 0.8, "phuyen.gov.vn"),
}

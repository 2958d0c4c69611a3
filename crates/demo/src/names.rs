//! Names, subjects, tags and comments: the words that make the demo look like a real helpdesk.
//! Each name part comes with its ASCII spelling for e-mail addresses.

use crate::rng::Gen;

/// (written, ascii)
type Word = (&'static str, &'static str);

const VN_FAMILY: [Word; 16] = [
    ("Nguyễn", "nguyen"),
    ("Trần", "tran"),
    ("Lê", "le"),
    ("Phạm", "pham"),
    ("Hoàng", "hoang"),
    ("Huỳnh", "huynh"),
    ("Phan", "phan"),
    ("Vũ", "vu"),
    ("Võ", "vo"),
    ("Đặng", "dang"),
    ("Bùi", "bui"),
    ("Đỗ", "do"),
    ("Hồ", "ho"),
    ("Ngô", "ngo"),
    ("Dương", "duong"),
    ("Lý", "ly"),
];
/// Given names with the middle name that usually goes with them (female "Thị", male "Văn"…).
const VN_GIVEN_F: [Word; 14] = [
    ("Lan", "lan"),
    ("Hương", "huong"),
    ("Linh", "linh"),
    ("Trang", "trang"),
    ("Hà", "ha"),
    ("Phương", "phuong"),
    ("Thảo", "thao"),
    ("Yến", "yen"),
    ("Mai", "mai"),
    ("Ngân", "ngan"),
    ("Vy", "vy"),
    ("Hạnh", "hanh"),
    ("Nhung", "nhung"),
    ("Trinh", "trinh"),
];
const VN_MIDDLE_F: [&str; 5] = ["Thị", "Ngọc", "Thu", "Thanh", "Hoài"];
const VN_GIVEN_M: [Word; 14] = [
    ("Minh", "minh"),
    ("Hùng", "hung"),
    ("Tuấn", "tuan"),
    ("Dũng", "dung"),
    ("Nam", "nam"),
    ("Quân", "quan"),
    ("Hải", "hai"),
    ("Long", "long"),
    ("Khoa", "khoa"),
    ("Huy", "huy"),
    ("Sơn", "son"),
    ("Phúc", "phuc"),
    ("Đạt", "dat"),
    ("Thắng", "thang"),
];
const VN_MIDDLE_M: [&str; 6] = ["Văn", "Minh", "Đức", "Hữu", "Quang", "Gia"];

const DE_FAMILY: [Word; 14] = [
    ("Müller", "mueller"),
    ("Schmidt", "schmidt"),
    ("Schneider", "schneider"),
    ("Fischer", "fischer"),
    ("Weber", "weber"),
    ("Meyer", "meyer"),
    ("Wagner", "wagner"),
    ("Becker", "becker"),
    ("Schulz", "schulz"),
    ("Hoffmann", "hoffmann"),
    ("Koch", "koch"),
    ("Yılmaz", "yilmaz"),
    ("Nowak", "nowak"),
    ("Nguyen", "nguyen"),
];
const DE_GIVEN: [Word; 16] = [
    ("Anna", "anna"),
    ("Lukas", "lukas"),
    ("Lea", "lea"),
    ("Jonas", "jonas"),
    ("Marie", "marie"),
    ("Felix", "felix"),
    ("Sophie", "sophie"),
    ("Paul", "paul"),
    ("Emilia", "emilia"),
    ("Leon", "leon"),
    ("Hannah", "hannah"),
    ("Elias", "elias"),
    ("Jülide", "juelide"),
    ("Tobias", "tobias"),
    ("Clara", "clara"),
    ("Mai", "mai"),
];

/// A person's display name and an e-mail local part (`given.family`).
pub fn person(g: &mut Gen, vietnamese: bool) -> (String, String) {
    if vietnamese {
        let family = g.pick(&VN_FAMILY);
        let (given, middle) = if g.chance(0.55) {
            (g.pick(&VN_GIVEN_F), *g.pick(&VN_MIDDLE_F))
        } else {
            (g.pick(&VN_GIVEN_M), *g.pick(&VN_MIDDLE_M))
        };
        (
            format!("{} {} {}", family.0, middle, given.0),
            format!("{}.{}", given.1, family.1),
        )
    } else {
        let family = g.pick(&DE_FAMILY);
        let given = g.pick(&DE_GIVEN);
        (
            format!("{} {}", given.0, family.0),
            format!("{}.{}", given.1, family.1),
        )
    }
}

/// A support topic: its tag, how likely each case type is about it, and subjects.
pub struct Topic {
    pub tag: &'static str,
    /// Weight per case type: question, incident, problem, task, complaint.
    pub by_type: [f64; 5],
    pub vi: &'static [&'static str],
    pub en: &'static [&'static str],
}

pub const TOPICS: [Topic; 10] = [
    Topic {
        tag: "delivery",
        by_type: [3.0, 2.0, 0.5, 0.5, 4.0],
        vi: &[
            "Đơn hàng chưa được giao",
            "Hỏi thời gian giao hàng",
            "Giao hàng trễ hẹn",
            "Shipper không liên lạc được",
        ],
        en: &[
            "Where is my parcel?",
            "Delivery is late",
            "Parcel marked delivered but not received",
        ],
    },
    Topic {
        tag: "payment",
        by_type: [1.5, 2.0, 1.0, 0.3, 1.5],
        vi: &[
            "Thanh toán bị trừ tiền hai lần",
            "Không thanh toán được bằng thẻ",
            "Chuyển khoản chưa được xác nhận",
        ],
        en: &[
            "Charged twice",
            "Card payment declined",
            "Payment not confirmed",
        ],
    },
    Topic {
        tag: "refund",
        by_type: [1.5, 0.3, 0.5, 1.5, 2.5],
        vi: &[
            "Yêu cầu hoàn tiền",
            "Chưa nhận được tiền hoàn",
            "Đổi trả sản phẩm lỗi",
        ],
        en: &[
            "Refund request",
            "Refund not received",
            "Return a damaged item",
        ],
    },
    Topic {
        tag: "account",
        by_type: [1.5, 1.0, 0.5, 1.0, 0.3],
        vi: &[
            "Không đăng nhập được tài khoản",
            "Quên mật khẩu",
            "Cập nhật số điện thoại",
        ],
        en: &[
            "Cannot log in",
            "Password reset",
            "Change my e-mail address",
        ],
    },
    Topic {
        tag: "app_bug",
        by_type: [0.3, 3.0, 3.0, 0.2, 0.8],
        vi: &[
            "Ứng dụng bị lỗi khi thanh toán",
            "App bị treo khi mở giỏ hàng",
            "Không nhận được mã OTP",
        ],
        en: &[
            "App crashes at checkout",
            "Cart page does not load",
            "No verification code received",
        ],
    },
    Topic {
        tag: "product_info",
        by_type: [4.0, 0.1, 0.1, 0.2, 0.3],
        vi: &[
            "Tư vấn chọn sản phẩm",
            "Sản phẩm còn hàng không?",
            "Hỏi thông số kỹ thuật",
        ],
        en: &[
            "Is this item in stock?",
            "Product size question",
            "Compatibility question",
        ],
    },
    Topic {
        tag: "warranty",
        by_type: [1.0, 0.5, 1.0, 1.0, 1.2],
        vi: &[
            "Yêu cầu bảo hành",
            "Sản phẩm hỏng sau một tuần",
            "Hỏi chính sách bảo hành",
        ],
        en: &[
            "Warranty claim",
            "Item broke after a week",
            "Warranty terms",
        ],
    },
    Topic {
        tag: "promotion",
        by_type: [2.0, 0.8, 0.3, 0.2, 1.0],
        vi: &[
            "Mã khuyến mãi không áp dụng được",
            "Hỏi chương trình flash sale",
            "Chưa nhận được voucher",
        ],
        en: &[
            "Discount code not working",
            "Sale question",
            "Voucher missing",
        ],
    },
    Topic {
        tag: "order_change",
        by_type: [1.0, 0.2, 0.2, 3.0, 0.3],
        vi: &[
            "Đổi địa chỉ giao hàng",
            "Hủy đơn hàng",
            "Thêm sản phẩm vào đơn",
        ],
        en: &[
            "Change delivery address",
            "Cancel my order",
            "Add an item to my order",
        ],
    },
    Topic {
        tag: "invoice",
        by_type: [0.8, 0.1, 0.2, 2.5, 0.3],
        vi: &["Xuất hóa đơn VAT", "Sai thông tin trên hóa đơn"],
        en: &["Invoice request", "Wrong company name on invoice"],
    },
];

pub const COMMENT_POSITIVE_VI: [&str; 6] = [
    "Nhân viên hỗ trợ rất nhiệt tình",
    "Giải quyết nhanh, cảm ơn shop",
    "Tư vấn dễ hiểu, rất hài lòng",
    "Phản hồi nhanh và chu đáo",
    "Bạn nhân viên rất dễ thương",
    "Sẽ tiếp tục ủng hộ",
];
pub const COMMENT_NEGATIVE_VI: [&str; 6] = [
    "Chờ phản hồi quá lâu",
    "Vấn đề vẫn chưa được giải quyết",
    "Phải liên hệ nhiều lần mới xong",
    "Nhân viên trả lời chưa rõ ràng",
    "Hoàn tiền quá chậm",
    "Không hài lòng với cách xử lý",
];
pub const COMMENT_POSITIVE_EN: [&str; 5] = [
    "Quick and friendly help",
    "Solved on the first try, thanks!",
    "Very clear explanation",
    "Super helpful support team",
    "Vielen Dank, schnelle Hilfe",
];
pub const COMMENT_NEGATIVE_EN: [&str; 5] = [
    "Took far too long to get an answer",
    "Still not resolved",
    "Had to explain everything twice",
    "Nobody called me back",
    "Leider keine Lösung bekommen",
];

/// SERVQUAL items per dimension (reliability, assurance, tangibles, empathy, responsiveness).
pub const SERVQUAL_ITEMS: [[&str; 2]; 5] = [
    [
        "REL1 Giao hàng đúng hẹn như đã cam kết",
        "REL2 Giải quyết vấn đề ngay lần đầu",
    ],
    [
        "ASS1 Nhân viên đủ kiến thức để trả lời",
        "ASS2 Khách hàng cảm thấy an tâm khi giao dịch",
    ],
    [
        "TAN1 Ứng dụng và website dễ sử dụng",
        "TAN2 Bao bì sản phẩm chỉn chu",
    ],
    [
        "EMP1 Nhân viên quan tâm đến từng khách hàng",
        "EMP2 Giờ hỗ trợ thuận tiện cho khách hàng",
    ],
    [
        "RES1 Nhân viên luôn sẵn sàng giúp đỡ",
        "RES2 Phản hồi yêu cầu nhanh chóng",
    ],
];

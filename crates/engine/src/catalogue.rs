//! The metric catalogue: every metric of `metrics.md` with its id, names (English and
//! Vietnamese), unit, direction, formula and options. The one source for the documentation, the
//! UI and query validation; each entry has exactly one implementation in [`crate::eval`].
//!
//! Variants that metrics.md names as ids of their own (`csat_mean`, `ces_easy_pct`,
//! `positive_feedback_rate`, `first_resolution_time`) are entries with `variant_of` set.

use carekpi_domain::RecordKind;
use serde::Serialize;

/// What kind of figure a metric gives (and so how its value is aggregated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A count of records in the period.
    Count,
    /// A count at an instant (the end of each bucket).
    Snapshot,
    /// A percentage 0..100; null when the denominator is empty.
    Rate,
    /// A mean of scores.
    Score,
    /// Seconds; with median and p90.
    Duration,
    /// An amount of money.
    Money,
}

/// The unit of a metric's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Percent,
    /// NPS: −100..100.
    NpsPoints,
    Score,
    /// SERVQUAL gap points (perception − expectation, −6..6).
    GapPoints,
    Seconds,
    Money,
    EventsPerCustomer,
    PerAgentDay,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "%",
            Unit::NpsPoints => "points (−100..100)",
            Unit::Score => "score",
            Unit::GapPoints => "points",
            Unit::Seconds => "s",
            Unit::Money => "money",
            Unit::EventsPerCustomer => "events/customer",
            Unit::PerAgentDay => "per agent-day",
        }
    }
}

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Higher,
    Lower,
    /// Context only (volume, waits for the customer) or a target band (occupancy).
    Neutral,
}

/// The catalogue's sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    CustomerExperience,
    Operations,
}

/// An option of a metric: its key, the values allowed (empty: a number ≥ 0, or free text when
/// `text` is set), the default, and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MetricOption {
    pub key: &'static str,
    pub values: &'static [&'static str],
    pub default: &'static str,
    /// Free text (e.g. an engagement activity) rather than a number when `values` is empty.
    pub text: bool,
    pub doc: &'static str,
}

/// A named part of what a drill-down lists for a metric (`met`, `breached`, `promoters` …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Subset {
    pub name: &'static str,
    pub doc: &'static str,
}

/// What a drill-down ([`crate::Engine::drill_down`]) lists behind a metric's figure: the record
/// kinds, what one listed item is (the items of a cell number exactly the figure's `n`), and the
/// subsets that can be listed instead (each the records of a part of the figure; a subset's size
/// is the part's count, e.g. `breached` = the SLA cases breached).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Drill {
    /// The record kinds listed.
    pub records: &'static [RecordKind],
    /// What one item is.
    pub item: &'static str,
    pub subsets: &'static [Subset],
}

/// One metric of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Metric {
    /// Stable id (API, CLI, KPI templates, goals).
    pub id: &'static str,
    pub name_en: &'static str,
    pub name_vi: &'static str,
    pub category: Category,
    pub kind: Kind,
    pub unit: Unit,
    pub direction: Direction,
    /// The definition, as computed (what `n` counts, which period a record counts in).
    pub formula: &'static str,
    /// What `parts` holds, when the metric has a breakdown.
    pub parts: &'static str,
    pub options: &'static [MetricOption],
    /// For a named variant (`csat_mean`), the metric it varies.
    pub variant_of: Option<&'static str>,
    /// What a drill-down lists behind the figure.
    pub drill: Drill,
}

impl Metric {
    pub fn is_duration(&self) -> bool {
        self.kind == Kind::Duration
    }

    pub fn option(&self, key: &str) -> Option<&'static MetricOption> {
        self.options.iter().find(|o| o.key == key)
    }

    /// The index of a drill-down subset, by name.
    pub fn subset(&self, name: &str) -> Option<usize> {
        self.drill.subsets.iter().position(|s| s.name == name)
    }
}

const HOURS: MetricOption = MetricOption {
    key: "hours",
    values: &["business", "calendar"],
    default: "business",
    text: false,
    doc: "business: only time inside the opening hours of the case's schedule (its team's, else \
          the account's; 24/7 when there is none); calendar: wall-clock time",
};

const HOURS_ACCOUNT: MetricOption = MetricOption {
    key: "hours",
    values: &["business", "calendar"],
    default: "business",
    text: false,
    doc: "business: only time inside the account's schedule (24/7 when there is none); calendar: \
          wall-clock time",
};

const SHORT_ABANDONS: MetricOption = MetricOption {
    key: "short_abandons",
    values: &["exclude", "include"],
    default: "exclude",
    text: false,
    doc: "exclude: contacts abandoned after a wait below the short-abandon threshold (default 5 s; \
          a wait equal to it is not short) count in neither numerator nor denominator; include: \
          they count as abandoned. An abandon with an unknown wait is never short.",
};

const SL_DENOMINATOR: MetricOption = MetricOption {
    key: "denominator",
    values: &["answered_and_abandoned", "all_offered"],
    default: "answered_and_abandoned",
    text: false,
    doc: "answered_and_abandoned: answered + abandoned (short abandons per `short_abandons`); \
          all_offered: every contact that entered a queue (answered and abandoned, short abandons \
          included)",
};

const SL_THRESHOLD: MetricOption = MetricOption {
    key: "threshold_s",
    values: &[],
    default: "configured per channel (20)",
    text: false,
    doc: "T in seconds for every channel, instead of the configured one",
};

const FCR_SCOPE: MetricOption = MetricOption {
    key: "scope",
    values: &["cases", "contacts", "combined"],
    default: "cases",
    text: false,
    doc: "cases: the case rule; contacts: calls and chats by their resolved_first_contact flag; \
          combined: both numerators over both denominators",
};

const SERVQUAL_DIMENSION: MetricOption = MetricOption {
    key: "dimension",
    values: &[
        "overall",
        "reliability",
        "assurance",
        "tangibles",
        "empathy",
        "responsiveness",
    ],
    default: "overall",
    text: false,
    doc: "overall: the importance-weighted mean of the five dimension gaps; or one dimension's gap",
};

const ACTIVITY: MetricOption = MetricOption {
    key: "activity",
    values: &[],
    default: "every activity",
    text: true,
    doc: "count only engagement events of this activity (visit, login, email_open …)",
};

const TOUCH_BUCKET: MetricOption = MetricOption {
    key: "bucket",
    values: &["one", "two", "multi", "zero"],
    default: "one",
    text: false,
    doc: "which bucket's share is the value (all four are in `parts`)",
};

const BACKLOG_AGE: MetricOption = MetricOption {
    key: "age_hours",
    values: &[],
    default: "configured (24)",
    text: false,
    doc: "the backlog age in hours, instead of the configured one",
};

const BACKLOG_HOURS: MetricOption = MetricOption {
    key: "hours",
    values: &["business", "calendar"],
    default: "configured (business)",
    text: false,
    doc: "whether the age is counted in business hours of the case's schedule or in calendar hours",
};

const RESPONSE_CONTACTS: MetricOption = MetricOption {
    key: "contacts",
    values: &["include", "exclude"],
    default: "include",
    text: false,
    doc: "include: calls (their queue wait, the ASA) and chats (each customer message to the next \
          agent message; a chat without messages: its queue wait) count beside case exchanges; \
          exclude: case exchanges only",
};

// ------------------------------------------------------------------ drill-down

use RecordKind::{
    Agent as AGENT, Call as CALL, Case as CASE, Chat as CHAT, Customer as CUSTOMER,
    Engagement as ENGAGEMENT, Feedback as FEEDBACK, Order as ORDER,
    PlatformReview as PLATFORM_REVIEW, QaReview as QA_REVIEW, Servqual as SERVQUAL,
    Survey as SURVEY,
};

const fn sub(name: &'static str, doc: &'static str) -> Subset {
    Subset { name, doc }
}

const fn drill(
    records: &'static [RecordKind],
    item: &'static str,
    subsets: &'static [Subset],
) -> Drill {
    Drill {
        records,
        item,
        subsets,
    }
}

const SATISFIED: &[Subset] = &[
    sub(
        "satisfied",
        "responses at or above the satisfied threshold (the numerator)",
    ),
    sub("unsatisfied", "responses below it"),
];

const EASY: &[Subset] = &[
    sub("easy", "responses ≥ 5 on 1–7"),
    sub("not_easy", "responses below 5"),
];

const POSITIVE: &[Subset] = &[
    sub("positive", "the numerator"),
    sub("not_positive", "the rest"),
];

const SOLVED: Drill = drill(
    &[CASE],
    "a case solved in the bucket (its last solve, still solved at the bucket's end), at its last \
     solve",
    &[],
);

const CONTACTS: &[RecordKind] = &[CALL, CHAT];
const CONTACTS_AND_CASES: &[RecordKind] = &[CASE, CALL, CHAT];

const VOLUME_ITEM: &str = "a case created in the bucket (at its creation), or a call or chat not \
                           part of a case and not blocked (at its arrival)";

use Category::{CustomerExperience as CX, Operations as OPS};

/// Every metric, in the order of metrics.md.
pub const CATALOGUE: &[Metric] = &[
    Metric {
        id: "nps",
        name_en: "Net Promoter Score",
        name_vi: "Điểm Quảng Bá Ròng (NPS)",
        category: CX,
        kind: Kind::Score,
        unit: Unit::NpsPoints,
        direction: Direction::Higher,
        formula: "% promoters (9–10) − % detractors (0–6) over the NPS responses (0–10) answered in \
                  the period; n = responses",
        parts: "promoters, passives, detractors: % of responses (n = responses in the bucket)",
        options: &[],
        variant_of: None,
        drill: drill(
            &[SURVEY],
            "an NPS response answered in the bucket, at its answer",
            &[
                sub("promoters", "scores 9–10"),
                sub("passives", "scores 7–8"),
                sub("detractors", "scores 0–6"),
            ],
        ),
    },
    Metric {
        id: "csat",
        name_en: "Customer Satisfaction Score",
        name_vi: "Điểm Hài Lòng Khách Hàng (CSAT)",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "CSAT responses at or above the satisfied threshold (4 on 1–5; a 3 is not \
                  satisfied) / CSAT responses answered in the period × 100; a response on another \
                  scale is mapped linearly onto the configured one; n = responses",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[SURVEY],
            "a CSAT response answered in the bucket, at its answer",
            SATISFIED,
        ),
    },
    Metric {
        id: "csat_mean",
        name_en: "Mean CSAT score",
        name_vi: "Điểm hài lòng trung bình",
        category: CX,
        kind: Kind::Score,
        unit: Unit::Score,
        direction: Direction::Higher,
        formula: "mean CSAT score on the configured scale (default 1–5) over the responses answered \
                  in the period; n = responses",
        parts: "",
        options: &[],
        variant_of: Some("csat"),
        drill: drill(
            &[SURVEY],
            "a CSAT response answered in the bucket, at its answer",
            SATISFIED,
        ),
    },
    Metric {
        id: "ces",
        name_en: "Customer Effort Score",
        name_vi: "Điểm Nỗ Lực Khách Hàng (CES)",
        category: CX,
        kind: Kind::Score,
        unit: Unit::Score,
        direction: Direction::Higher,
        formula: "mean of CES responses on 1–7 (7 = very easy; other scales mapped linearly onto \
                  1–7) answered in the period; n = responses",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[SURVEY],
            "a CES response answered in the bucket, at its answer",
            EASY,
        ),
    },
    Metric {
        id: "ces_easy_pct",
        name_en: "CES: easy responses",
        name_vi: "Tỷ lệ phản hồi dễ dàng (CES ≥ 5)",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "CES responses ≥ 5 (on 1–7) / CES responses answered in the period × 100; \
                  n = responses",
        parts: "",
        options: &[],
        variant_of: Some("ces"),
        drill: drill(
            &[SURVEY],
            "a CES response answered in the bucket, at its answer",
            EASY,
        ),
    },
    Metric {
        id: "iqs",
        name_en: "Internal Quality Score",
        name_vi: "Điểm Chất Lượng Nội Bộ (IQS)",
        category: CX,
        kind: Kind::Score,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "mean over the QA reviews made in the period of (Σ criterion score × weight) / \
                  (Σ max × weight) × 100; attributed to the reviewed agent (team: the agent's, \
                  else the case's); n = reviews",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[QA_REVIEW],
            "a QA review made in the bucket (with criteria to score), at the review",
            &[],
        ),
    },
    Metric {
        id: "engagement",
        name_en: "Customer engagement",
        name_vi: "Tương tác khách hàng",
        category: CX,
        kind: Kind::Score,
        unit: Unit::EventsPerCustomer,
        direction: Direction::Higher,
        formula: "engagement events in the period / active customers (customer records whose \
                  relationship overlaps the period: acquired before its end, not ended before its \
                  start); n = events",
        parts: "per activity (visit, login …): events per active customer (n = events)",
        options: &[ACTIVITY],
        variant_of: None,
        drill: drill(
            &[ENGAGEMENT],
            "an engagement event in the bucket (of the `activity` option's activity, else any), at the event",
            &[],
        ),
    },
    Metric {
        id: "churn_rate",
        name_en: "Customer churn rate",
        name_vi: "Tỷ lệ khách hàng rời bỏ",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Lower,
        formula: "customers whose relationship ended in the period / customers active at the \
                  period's start (acquired at or before it, not ended by then) × 100; \
                  n = customers active at the start",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CUSTOMER],
            "a customer active at the bucket's start (no instant)",
            &[sub(
                "churned",
                "customers whose relationship ended in the bucket, at the end: the numerator (a customer acquired and lost within the bucket is among them, not in the population)",
            )],
        ),
    },
    Metric {
        id: "retention_rate",
        name_en: "Customer retention rate",
        name_vi: "Tỷ lệ giữ chân khách hàng",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "(customers active at the period's end − customers acquired in the period) / \
                  customers active at the period's start × 100; n = customers active at the start",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CUSTOMER],
            "a customer active at the bucket's start (no instant)",
            &[
                sub(
                    "active_at_end",
                    "customers active at the bucket's end (numerator = active_at_end − acquired)",
                ),
                sub(
                    "acquired",
                    "customers acquired in the bucket, at their acquisition",
                ),
                sub(
                    "lost",
                    "customers of the population no longer active at the bucket's end",
                ),
            ],
        ),
    },
    Metric {
        id: "referral_rate",
        name_en: "Referral rate",
        name_vi: "Tỷ lệ giới thiệu",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "customers acquired in the period with acquisition_channel `referral` / customers \
                  acquired in the period × 100; n = customers acquired",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CUSTOMER],
            "a customer acquired in the bucket, at the acquisition",
            &[sub(
                "referred",
                "acquired through a referral (the numerator)",
            )],
        ),
    },
    Metric {
        id: "clv",
        name_en: "Customer lifetime value",
        name_vi: "Giá Trị Vòng Đời Khách Hàng (CLV)",
        category: CX,
        kind: Kind::Money,
        unit: Unit::Money,
        direction: Direction::Higher,
        formula: "average order value × orders per customer per year × expected lifespan in years \
                  (1 / annual churn rate) [× gross margin when configured]; over the period: AOV = \
                  Σ amount / orders, orders per customer per year = orders / ordering customers × \
                  (365.2425 days / period length), annual churn = churn_rate / 100 × (365.2425 days \
                  / period length); null without orders or without churn; n = orders",
        parts: "aov, orders_per_customer_year, lifespan_years (n = orders)",
        options: &[],
        variant_of: None,
        drill: drill(
            &[ORDER],
            "an order placed in the bucket (in the CLV currency when one is configured), at the order",
            &[],
        ),
    },
    Metric {
        id: "returning_customers",
        name_en: "Returning customers",
        name_vi: "Khách hàng cũ quay lại",
        category: CX,
        kind: Kind::Count,
        unit: Unit::Count,
        direction: Direction::Higher,
        formula: "distinct customers with an order or a contact (case, or call/chat not part of a \
                  case) in the period who also had one before the period; n = the same count",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CUSTOMER],
            "a customer with an order or a contact in the bucket and one before it (no instant)",
            &[],
        ),
    },
    Metric {
        id: "servqual_gap",
        name_en: "SERVQUAL gap",
        name_vi: "Khoảng cách SERVQUAL (tỷ lệ đáp ứng kỳ vọng)",
        category: CX,
        kind: Kind::Score,
        unit: Unit::GapPoints,
        direction: Direction::Higher,
        formula: "per RATER dimension: mean(perception − expectation) over the responses in the \
                  period; overall = importance-weighted mean of the dimension gaps (weights sum to \
                  100; a dimension without responses is left out and the others' weights \
                  renormalised); 0 = expectations met; n = responses",
        parts: "per dimension: mean gap (n = responses)",
        options: &[SERVQUAL_DIMENSION],
        variant_of: None,
        drill: drill(
            &[SERVQUAL],
            "a SERVQUAL response in the bucket (of the `dimension` option's dimension, else any), at the response",
            &[],
        ),
    },
    Metric {
        id: "positive_feedback",
        name_en: "Positive feedback",
        name_vi: "Số lượng phản hồi tích cực",
        category: CX,
        kind: Kind::Count,
        unit: Unit::Count,
        direction: Direction::Higher,
        formula: "feedback records marked positive received in the period; n = the same count",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[FEEDBACK],
            "a feedback record marked positive received in the bucket, at its receipt",
            &[],
        ),
    },
    Metric {
        id: "positive_feedback_rate",
        name_en: "Positive feedback rate",
        name_vi: "Tỷ lệ phản hồi tích cực",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "positive feedback / all feedback received in the period × 100; n = feedback",
        parts: "",
        options: &[],
        variant_of: Some("positive_feedback"),
        drill: drill(
            &[FEEDBACK],
            "a feedback record received in the bucket, at its receipt",
            POSITIVE,
        ),
    },
    Metric {
        id: "positive_review_rate",
        name_en: "Positive reviews on platforms",
        name_vi: "Tỷ lệ đánh giá tích cực trên các nền tảng",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "public reviews with rating ≥ 4 of 5 / all reviews posted in the period × 100; \
                  n = reviews",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[PLATFORM_REVIEW],
            "a platform review posted in the bucket, at the post",
            &[
                sub("positive", "rated 4 of 5 or more (the numerator)"),
                sub("not_positive", "rated below 4"),
            ],
        ),
    },
    Metric {
        id: "complaint_ratio",
        name_en: "Complaint ratio",
        name_vi: "Tỷ lệ khiếu nại",
        category: CX,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Lower,
        formula: "complaints received (cases of type complaint created in the period) / customers \
                  served (distinct customers with a case created, or a call/chat answered, in the \
                  period) × 100; n = customers served",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CUSTOMER, CASE],
            "a customer served in the bucket (no instant)",
            &[sub(
                "complaints",
                "complaint cases created in the bucket, at creation: the numerator (cases, not customers)",
            )],
        ),
    },
    Metric {
        id: "open_cases",
        name_en: "Open cases",
        name_vi: "Trường hợp mở",
        category: OPS,
        kind: Kind::Snapshot,
        unit: Unit::Count,
        direction: Direction::Lower,
        formula: "snapshot at the end of each bucket (or at now, if earlier): cases created before \
                  it whose status then is new or open (waiting for the team); n = the same count",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CASE],
            "a case new or open at the bucket's snapshot, at its creation",
            &[],
        ),
    },
    Metric {
        id: "request_volume",
        name_en: "Number of requests",
        name_vi: "Số lượng yêu cầu",
        category: OPS,
        kind: Kind::Count,
        unit: Unit::Count,
        direction: Direction::Neutral,
        formula: "contacts created in the period: cases (by creation) plus calls and chats that \
                  are not part of a case (by arrival; blocked calls are counted by blockage, not \
                  here); a call or chat whose case_id names a case is that case's contact and \
                  counts once, as the case; n = the same count",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(CONTACTS_AND_CASES, VOLUME_ITEM, &[]),
    },
    Metric {
        id: "contact_volume_by_channel",
        name_en: "Contact volume by channel",
        name_vi: "Số lượng liên lạc qua kênh",
        category: OPS,
        kind: Kind::Count,
        unit: Unit::Count,
        direction: Direction::Neutral,
        formula: "request_volume per channel; value = all channels' total, parts = each channel's \
                  count (n) and share of the total in % (value)",
        parts: "per channel: share % (value) and count (n)",
        options: &[],
        variant_of: None,
        drill: drill(
            CONTACTS_AND_CASES,
            VOLUME_ITEM,
            &[
                sub("email", "the email part"),
                sub("phone", "the phone part"),
                sub("chat", "the chat part"),
                sub("social", "the social part"),
                sub("web", "the web part"),
                sub("messaging", "the messaging part"),
                sub("sms", "the sms part"),
                sub("api", "the api part"),
            ],
        ),
    },
    Metric {
        id: "resolution_rate",
        name_en: "Resolution rate",
        name_vi: "Tỷ lệ giải quyết",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "cases assigned in the period (when first assigned to their current agent, else \
                  team, else created) that were solved in the same period (a solve after the \
                  assignment and before the period's end, and solved at its end) / cases assigned \
                  in the period × 100; n = cases assigned",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CASE],
            "a case assigned in the bucket, at the assignment",
            &[
                sub(
                    "resolved",
                    "solved in the bucket after the assignment and solved at its end (the numerator)",
                ),
                sub("unresolved", "the rest"),
            ],
        ),
    },
    Metric {
        id: "service_level",
        name_en: "Service level",
        name_vi: "Cấp độ dịch vụ",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "calls and chats (by queue arrival) answered with a wait ≤ T (default 20 s, per \
                  channel) / (answered + abandoned after the short-abandon threshold) × 100; short \
                  abandons (wait < 5 s) are in neither; an abandon with unknown wait is not short; \
                  n = the denominator",
        parts: "",
        options: &[SL_DENOMINATOR, SHORT_ABANDONS, SL_THRESHOLD],
        variant_of: None,
        drill: drill(
            CONTACTS,
            "a call or chat of the denominator (answered, or abandoned and counted), at its arrival",
            &[
                sub("within", "answered with a wait ≤ T (the numerator)"),
                sub("outside", "answered later, or abandoned"),
            ],
        ),
    },
    Metric {
        id: "backlog",
        name_en: "Ticket backlog",
        name_vi: "Phiếu tồn đọng",
        category: OPS,
        kind: Kind::Snapshot,
        unit: Unit::Count,
        direction: Direction::Lower,
        formula: "snapshot at the end of each bucket (or at now, if earlier): unsolved cases (new, \
                  open, pending, on hold) at least the backlog age old (default 24 business hours \
                  of the case's schedule); n = the same count",
        parts: "",
        options: &[BACKLOG_AGE, BACKLOG_HOURS],
        variant_of: None,
        drill: drill(
            &[CASE],
            "a case in the backlog at the bucket's snapshot, at its creation",
            &[],
        ),
    },
    Metric {
        id: "asa",
        name_en: "Average speed of answer",
        name_vi: "Tốc Độ Trả Lời Trung Bình (ASA)",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "mean of (answered_at − queued_at) over answered calls and chats, by queue \
                  arrival; median and p90; n = answered contacts",
        parts: "",
        options: &[HOURS],
        variant_of: None,
        drill: drill(CONTACTS, "an answered call or chat, at its arrival", &[]),
    },
    Metric {
        id: "abandonment_rate",
        name_en: "Abandonment rate",
        name_vi: "Tỷ lệ bỏ cuộc",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Lower,
        formula: "calls and chats abandoned after the short-abandon threshold / offered (answered + \
                  abandoned; short abandons in neither by default) × 100, by queue arrival; \
                  n = offered",
        parts: "",
        options: &[SHORT_ABANDONS],
        variant_of: None,
        drill: drill(
            CONTACTS,
            "an offered call or chat (answered, or abandoned and counted), at its arrival",
            &[
                sub(
                    "abandoned",
                    "abandoned after the short-abandon threshold (the numerator)",
                ),
                sub("answered", "answered"),
            ],
        ),
    },
    Metric {
        id: "frt",
        name_en: "First response time",
        name_vi: "Thời Gian Phản Hồi Đầu Tiên (FRT)",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "per case created in the period: creation (for an outbound case, the first \
                  customer message) → first public, non-automatic agent reply; mean, median, p90 \
                  over the cases replied to; n = those cases",
        parts: "",
        options: &[HOURS],
        variant_of: None,
        drill: drill(
            &[CASE],
            "a case created in the bucket with a first reply, at its creation",
            &[],
        ),
    },
    Metric {
        id: "avg_response_time",
        name_en: "Average response time",
        name_vi: "Thời gian phản hồi trung bình",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "every customer message → the next public agent reply (consecutive messages wait \
                  from the first), in the period of the reply; for calls the queue wait (the ASA); \
                  mean, median, p90; n = exchanges",
        parts: "",
        options: &[HOURS, RESPONSE_CONTACTS],
        variant_of: None,
        drill: drill(
            CONTACTS_AND_CASES,
            "an answered exchange, listed as its case or chat at the reply (once per exchange: a case may be listed several times), or a call or chat whose queue wait counts, at its answer",
            &[],
        ),
    },
    Metric {
        id: "resolution_time",
        name_en: "Average resolution time",
        name_vi: "Thời gian giải quyết trung bình",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "per solved case: creation → last solve; a case counts in the period of its last \
                  solve if it is solved or closed at that period's end (once, however often it was \
                  reopened); mean, median, p90; n = solved cases",
        parts: "",
        options: &[HOURS],
        variant_of: None,
        drill: SOLVED,
    },
    Metric {
        id: "first_resolution_time",
        name_en: "First resolution time",
        name_vi: "Thời gian giải quyết lần đầu",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "per solved case (the cases of resolution_time): creation → first solve; mean, \
                  median, p90; n = solved cases",
        parts: "",
        options: &[HOURS],
        variant_of: Some("resolution_time"),
        drill: SOLVED,
    },
    Metric {
        id: "blockage",
        name_en: "Blockage",
        name_vi: "Sự tắc nghẽn",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Lower,
        formula: "calls not admitted to a queue (outcome blocked) / call attempts (every call) × \
                  100, by arrival (queued_at, or attempted_at for a blocked call); n = attempts",
        parts: "blocked: the count of blocked calls",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CALL],
            "a call attempt, at its arrival (a blocked call: its attempt)",
            &[
                sub("blocked", "not admitted to a queue (the numerator)"),
                sub("admitted", "the rest"),
            ],
        ),
    },
    Metric {
        id: "aht",
        name_en: "Average handle time",
        name_vi: "Thời Gian Xử Lý Trung Bình (AHT)",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "mean of (talk + hold + after-contact work) over handled contacts (answered calls \
                  and chats with at least one of the three; a missing part counts 0), by queue \
                  arrival; seconds of work, so calendar only; median, p90; n = handled contacts",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(CONTACTS, "a handled call or chat, at its arrival", &[]),
    },
    Metric {
        id: "fcr",
        name_en: "First contact resolution",
        name_vi: "Tỷ lệ giải quyết vấn đề ngay lần liên hệ đầu tiên (FCR)",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "cases: solved cases (period of the last solve, solved at its end) with exactly \
                  one public agent reply up to the last solve, never reopened, and no new case from \
                  the same customer with the same type and tags created within 7 days after the \
                  last solve / solved cases × 100; contacts: answered calls and chats (by arrival) \
                  with resolved_first_contact true / those with the flag set × 100; combined: both \
                  numerators / both denominators; n = the scope's denominator",
        parts: "cases, contacts, combined: each scope's rate (n = its denominator)",
        options: &[FCR_SCOPE],
        variant_of: None,
        drill: drill(
            CONTACTS_AND_CASES,
            "by the `scope` option: a solved case at its last solve (cases), an answered call or chat with the flag set at its arrival (contacts), or both (combined)",
            &[
                sub("resolved_first_contact", "the numerator"),
                sub("not_resolved_first_contact", "the rest"),
            ],
        ),
    },
    Metric {
        id: "complaint_resolution_rate",
        name_en: "Complaints resolved successfully",
        name_vi: "Tỷ lệ khiếu nại giải quyết thành công",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "complaints (case type complaint) solved and never reopened, counted in the period \
                  of their last solve when solved at its end / complaints received (created) in the \
                  period × 100; n = complaints received",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CASE],
            "a complaint received (created) in the bucket, at its creation",
            &[sub(
                "resolved",
                "complaints solved in the bucket (last solve) and never reopened, at the solve: the numerator (some may have been received earlier)",
            )],
        ),
    },
    Metric {
        id: "reopen_rate",
        name_en: "Reopen rate",
        name_vi: "Tỷ lệ mở lại",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Lower,
        formula: "solved cases (period of the last solve, solved at its end) reopened at least once \
                  / solved cases × 100; a case reopened twice counts once; n = solved cases",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            SOLVED.records,
            SOLVED.item,
            &[
                sub("reopened", "reopened at least once (the numerator)"),
                sub("not_reopened", "the rest"),
            ],
        ),
    },
    Metric {
        id: "requester_wait_time",
        name_en: "Requester wait time",
        name_vi: "Thời gian chờ của khách hàng",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "per solved case (the cases of resolution_time): time in new, open and on_hold \
                  from creation to the last solve; mean, median, p90; n = solved cases",
        parts: "",
        options: &[HOURS],
        variant_of: None,
        drill: SOLVED,
    },
    Metric {
        id: "agent_wait_time",
        name_en: "Agent wait time",
        name_vi: "Thời gian chờ khách hàng phản hồi",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Neutral,
        formula: "per solved case (the cases of resolution_time): time in pending (waiting for the \
                  customer) from creation to the last solve; mean, median, p90; n = solved cases",
        parts: "",
        options: &[HOURS],
        variant_of: None,
        drill: SOLVED,
    },
    Metric {
        id: "on_hold_time",
        name_en: "On-hold time",
        name_vi: "Thời gian tạm giữ",
        category: OPS,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Lower,
        formula: "per solved case (the cases of resolution_time): time in on_hold (waiting for a \
                  third party) from creation to the last solve; mean, median, p90; n = solved cases",
        parts: "",
        options: &[HOURS],
        variant_of: None,
        drill: SOLVED,
    },
    Metric {
        id: "touches",
        name_en: "Replies to resolution",
        name_vi: "Số lần phản hồi đến khi giải quyết",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "public agent replies up to the last solve per solved case (the cases of \
                  resolution_time): value = one-touch % (1 reply); n = solved cases",
        parts: "zero_touch, one_touch, two_touch, multi_touch (3+): % of solved cases (n = cases)",
        options: &[TOUCH_BUCKET],
        variant_of: None,
        drill: drill(
            SOLVED.records,
            SOLVED.item,
            &[
                sub("zero_touch", "no public agent reply"),
                sub("one_touch", "one reply"),
                sub("two_touch", "two replies"),
                sub("multi_touch", "three replies or more"),
            ],
        ),
    },
    Metric {
        id: "sla_compliance",
        name_en: "SLA compliance",
        name_vi: "Tỷ lệ tuân thủ SLA",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "cases whose first-reply and resolution targets (from the first matching SLA \
                  policy) were all met / cases with such a target decided (met, or breached by now) \
                  and due in the period × 100; a case is due at its latest first-reply/resolution \
                  due time; cases with a target still running are not counted yet; n = the \
                  denominator",
        parts: "first_reply, next_reply, resolution: breached targets of the counted cases (value \
                and n = the count)",
        options: &[],
        variant_of: None,
        drill: drill(
            &[CASE],
            "a case with first-reply or resolution targets decided at now and due in the bucket, at its due time",
            &[
                sub("met", "every such target met (the numerator)"),
                sub("breached", "one breached"),
            ],
        ),
    },
    Metric {
        id: "avg_time_between_interactions",
        name_en: "Average time between interactions",
        name_vi: "Thời gian trung bình giữa các tương tác",
        category: CX,
        kind: Kind::Duration,
        unit: Unit::Seconds,
        direction: Direction::Neutral,
        formula: "per customer with ≥ 2 contacts (cases, calls and chats not part of a case) in the \
                  period: (last − first contact) / (contacts − 1), the mean gap; averaged over those \
                  customers; median, p90; n = customers",
        parts: "",
        options: &[HOURS_ACCOUNT],
        variant_of: None,
        drill: drill(
            &[CUSTOMER],
            "a customer with two contacts or more in the bucket (no instant)",
            &[],
        ),
    },
    Metric {
        id: "daily_completion_rate",
        name_en: "Daily task completion",
        name_vi: "Tỷ lệ hoàn thành công việc trong ngày",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Higher,
        formula: "per agent-day (local day of the account): cases assigned to the agent that day \
                  and solved by the same local day's end while still assigned to the agent / \
                  cases assigned that day × 100; averaged over the agent-days in the period; \
                  n = agent-days",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[AGENT],
            "an agent-day: the agent, at the start of the local day",
            &[],
        ),
    },
    Metric {
        id: "transactions_per_day",
        name_en: "Average transactions per day",
        name_vi: "Số lượng giao dịch trung bình mỗi ngày",
        category: OPS,
        kind: Kind::Score,
        unit: Unit::PerAgentDay,
        direction: Direction::Higher,
        formula: "handled contacts (public agent replies sent, calls answered, chats answered) / \
                  agent working days (local days with a handled contact or a logged-in presence \
                  interval) in the period; n = handled contacts",
        parts: "agent_days: the number of agent working days",
        options: &[],
        variant_of: None,
        drill: drill(
            CONTACTS_AND_CASES,
            "a handled contact: a public agent reply, listed as its case at the reply (once per reply), or a call or chat answered, at the answer (a chat: at its end)",
            &[],
        ),
    },
    Metric {
        id: "occupancy",
        name_en: "Occupancy",
        name_vi: "Tỷ lệ lấp đầy (occupancy)",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Neutral,
        formula: "handle time (talk + hold + wrap of calls and chats answered) of agents with \
                  presence data / their logged-in time (presence intervals available or busy, cut \
                  to the period) × 100; n = agents with presence data",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[AGENT],
            "an agent with logged-in time in the bucket (no instant)",
            &[],
        ),
    },
    Metric {
        id: "agent_turnover",
        name_en: "Staff turnover",
        name_vi: "Tỷ lệ nghỉ việc của nhân viên",
        category: OPS,
        kind: Kind::Rate,
        unit: Unit::Percent,
        direction: Direction::Lower,
        formula: "agents who left in the period / average headcount ((headcount at the start + \
                  headcount at the end) / 2) × 100; n = agents who left",
        parts: "",
        options: &[],
        variant_of: None,
        drill: drill(
            &[AGENT],
            "an agent who left in the bucket, at the leaving",
            &[],
        ),
    },
];

/// The catalogue entry of `id`.
pub fn metric(id: &str) -> Option<&'static Metric> {
    CATALOGUE.iter().find(|m| m.id == id)
}

/// Every metric.
pub fn catalogue() -> &'static [Metric] {
    CATALOGUE
}

/// The closest id to a misspelt one (edit distance ≤ 3), for error messages.
pub(crate) fn suggest(id: &str) -> Option<&'static str> {
    /// Edit distance with adjacent transpositions (optimal string alignment).
    fn distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }
    CATALOGUE
        .iter()
        .map(|m| (distance(id, m.id), m.id))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_snake_case_and_options_have_defaults() {
        let mut seen = std::collections::HashSet::new();
        for m in CATALOGUE {
            assert!(seen.insert(m.id), "duplicate {}", m.id);
            assert!(
                m.id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                m.id
            );
            assert!(!m.formula.is_empty() && !m.name_vi.is_empty());
            if let Some(base) = m.variant_of {
                assert!(metric(base).is_some(), "{} varies unknown {base}", m.id);
            }
            for o in m.options {
                assert!(
                    o.values.is_empty()
                        || o.values.contains(&o.default)
                        || o.default.starts_with("configured"),
                    "{}.{}",
                    m.id,
                    o.key
                );
            }
        }
        assert_eq!(CATALOGUE.len(), 44);
    }

    /// Every metric of the catalogue has a worked example among the evaluation tests.
    #[test]
    fn every_metric_has_a_worked_example() {
        let tests = [
            include_str!("eval/tests_cases.rs"),
            include_str!("eval/tests_contacts.rs"),
            include_str!("eval/tests_customers.rs"),
            include_str!("eval/tests_people.rs"),
        ]
        .concat();
        for m in CATALOGUE {
            assert!(
                tests.contains(&format!("\"{}\"", m.id)) || tests.contains(&format!("\"{}(", m.id)),
                "no worked example queries `{}`",
                m.id
            );
        }
    }

    /// Every metric id metrics.md lists is in the catalogue.
    #[test]
    fn the_catalogue_covers_metrics_md() {
        for id in [
            "nps",
            "csat",
            "ces",
            "iqs",
            "engagement",
            "churn_rate",
            "retention_rate",
            "referral_rate",
            "clv",
            "returning_customers",
            "servqual_gap",
            "positive_feedback",
            "positive_review_rate",
            "complaint_ratio",
            "open_cases",
            "request_volume",
            "contact_volume_by_channel",
            "resolution_rate",
            "service_level",
            "backlog",
            "asa",
            "abandonment_rate",
            "frt",
            "avg_response_time",
            "resolution_time",
            "blockage",
            "aht",
            "fcr",
            "complaint_resolution_rate",
            "reopen_rate",
            "requester_wait_time",
            "agent_wait_time",
            "on_hold_time",
            "touches",
            "sla_compliance",
            "avg_time_between_interactions",
            "daily_completion_rate",
            "transactions_per_day",
            "occupancy",
            "agent_turnover",
            "csat_mean",
            "ces_easy_pct",
            "positive_feedback_rate",
            "first_resolution_time",
        ] {
            assert!(metric(id).is_some(), "{id} missing");
        }
        assert_eq!(suggest("csta"), Some("csat"));
        assert_eq!(suggest("zzzzzzzzzz"), None);
    }
}

//! `carekpi metrics`: the metric catalogue — a list, JSON, or the user documentation
//! (`docs/metrics.md`) generated from the engine's catalogue and the domain's module docs, so the
//! documentation and the code have one source.

use carekpi_engine::catalogue::{Category, Direction, Kind, Metric};
use clap::Args;

use crate::failure::Failure;
use crate::output;

#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// Print the user documentation (docs/metrics.md) generated from the catalogue.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// Print the catalogue as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: MetricsArgs) -> Result<(), Failure> {
    let catalogue = carekpi_engine::catalogue();
    if args.markdown {
        return output::emit(None, &markdown());
    }
    if args.json {
        let text = serde_json::to_string_pretty(catalogue).unwrap_or_default();
        return output::emit(None, &(text + "\n"));
    }
    let headers = ["id", "name", "unit", "better"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = catalogue
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.name_en.to_string(),
                unit_text(m),
                direction(m.direction).to_string(),
            ]
        })
        .collect();
    let mut text = output::table(&headers, &rows, &[false; 4]);
    text.push_str(&format!(
        "\n{} metrics. Options are written after the id, e.g. `frt(hours=calendar)`; `carekpi metrics --markdown` documents every one.\n",
        catalogue.len()
    ));
    output::emit(None, &text)
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Higher => "higher",
        Direction::Lower => "lower",
        Direction::Neutral => "— (context)",
    }
}

fn unit_text(m: &Metric) -> String {
    let unit = m.unit.as_str();
    match m.kind {
        Kind::Duration => format!("{unit} (mean; median, p90)"),
        Kind::Snapshot => format!("{unit} (at the end of each bucket)"),
        _ => unit.to_string(),
    }
}

fn kind_text(k: Kind) -> &'static str {
    match k {
        Kind::Count => "count of records in the period",
        Kind::Snapshot => {
            "snapshot: a count at an instant (the end of each bucket, or now if earlier)"
        }
        Kind::Rate => "rate: a percentage; no data (null) when the denominator is empty",
        Kind::Score => "score: a mean",
        Kind::Duration => "duration in seconds: mean, with median and p90 (exact, nearest rank)",
        Kind::Money => "amount of money",
    }
}

/// `[`X`](path)` and `[`X`]` → `` `X` ``; `[text](rust::path)` → `text`; web links are kept.
fn strip_rustdoc_links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let text = &after[..close];
        let mut tail = &after[close + 1..];
        let mut target = None;
        if let Some(t) = tail.strip_prefix('(')
            && let Some(end) = t.find(')')
        {
            target = Some(&t[..end]);
            tail = &t[end + 1..];
        }
        let web = target.is_some_and(|t| t.starts_with("http"));
        let code = text.starts_with('`') && text.ends_with('`') && text.len() >= 2;
        if web {
            out.push_str(&format!("[{text}]({})", target.unwrap_or_default()));
        } else if code || target.is_some() {
            out.push_str(text);
        } else {
            // Not a link (e.g. `[from, to)`): keep as written.
            out.push('[');
            out.push_str(text);
            out.push(']');
            if let Some(t) = target {
                out.push_str(&format!("({t})"));
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// The `//!` documentation of a source file, as Markdown: headings one level deeper by `shift`,
/// rustdoc links stripped, sections named in `skip` left out, and the text before the first
/// heading too when `intro` is false.
fn module_docs(source: &str, shift: usize, skip: &[&str], intro: bool) -> String {
    let mut out = String::new();
    let mut skipping = !intro;
    let mut seen = false;
    let mut in_code = false;
    for line in source.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            if seen {
                break;
            }
            continue;
        };
        seen = true;
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if doc.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && doc.starts_with('#') {
            let title = doc.trim_start_matches('#').trim();
            skipping = skip.contains(&title);
            if !skipping {
                out.push_str(&"#".repeat(shift));
                out.push_str(doc);
                out.push('\n');
            }
            continue;
        }
        if skipping {
            continue;
        }
        if in_code || doc.starts_with("```") {
            out.push_str(doc);
        } else {
            out.push_str(&strip_rustdoc_links(doc));
        }
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

const CALENDAR_DOCS: &str = include_str!("../../domain/src/calendar/mod.rs");
const SLA_DOCS: &str = include_str!("../../domain/src/sla.rs");

const CONVENTIONS: &str = "\
- **Periods** are half-open, `[from, to)`, in the account's IANA time zone (`carekpi config`):
  `carekpi report --from 2026-01-01 --to 2026-04-01` is the first quarter of 2026. Days, ISO weeks
  (from Monday) and months are local to the account's time zone, so a day may last 23 or 25 hours.
- **Which period a record counts in**: volume and first response time by the case's creation;
  resolution time, reopen rate, FCR, touches and complaint resolution over the cases solved or
  closed at the end of the period, in the period of their last solve; surveys, reviews and other
  events by their own time. Each metric's formula below says what it counts.
- **No data**: a rate or mean with an empty denominator is `null` (`—` in tables), never 0 and
  never an error.
- **`n`**: every figure comes with the number of records behind it (responses, cases, contacts,
  agent-days …, as each formula says).
- **Durations** are in seconds in JSON, CSV and XLSX, humanised in tables (`1 h 05 min`). Each
  duration gives the mean as its value and the median and 90th percentile beside it; percentiles
  are exact (nearest rank on the sorted values), never estimated.
- **Business hours**: every duration of a case has a calendar and a business-hours variant
  (option `hours`); the default is business hours, measured against the schedule of the case's
  team (else its agent's team, else the account's schedule; 24/7 when there is none). See
  \"Business hours\" below.
- **Percentages** are 0..100 at full precision in JSON and CSV; tables round them to one decimal.
- **Grouping and filters**: every metric can be filtered by agent, team (a team includes the
  teams below it), channel, priority, case type, tag and customer segment, and grouped by any of
  those and by day, week or month. A record without a value for a filtered dimension is left out.
  Snapshot metrics (`open_cases`, `backlog`) are taken at the end of each bucket (or now, if that
  is earlier).
";

const RESULT_SHAPE: &str = "\
`carekpi report --format json` prints one object per result row: the group keys (as asked with
`--by`), then one object per metric, keyed by the metric as asked (with its options), holding
`value` (null = no data) and `n`, plus `median` and `p90` for durations and `parts` for metrics
with a breakdown:

```json
[
  {\"team\": \"hcm-support\", \"month\": \"2026-01\",
   \"frt\": {\"value\": 5400.0, \"n\": 812, \"median\": 3120.0, \"p90\": 14400.0},
   \"csat\": {\"value\": 86.4, \"n\": 140}}
]
```

`--format csv` has one column per group key, then per metric `id`, `id:n`, and for durations
`id:median` and `id:p90`, and `id:part`, `id:part:n` for each part of a breakdown; numbers are raw
(seconds, 0..100), an empty cell is no data. `--format xlsx --out FILE` writes the same columns as
a spreadsheet with number formats, and the query on a second sheet.
";

const DRILL_DOWN: &str = "\
Every figure can be opened to the records behind it (the metric API's drill-down; in the engine,
`Engine::drill_down`). A drill-down names the figure the way a result shows it: the query's period,
filters and group-by, one metric with its options, and the row's group keys exactly as the result
gives them (`[\"hcm-support\", \"2026-W12\"]`; `null` for records without a value). It answers
with:

- `n`: how many items are behind the figure — always the figure's `n`;
- `subsets`: the size of each of the metric's named subsets (`met` and `breached` for
  `sla_compliance`, `promoters`, `passives` and `detractors` for `nps` …); a subset's size is that
  part's count, so `|met| / n × 100` is the SLA compliance;
- `records`: one page (`offset`, `limit`; at most 10,000 per page, 100 by default) of the items,
  each `{kind, id, at}`: the record kind (`case`, `call`, `chat`, `survey`, `customer`, `agent`
  …), its id, and the instant it counts at in the figure. Asked with a `subset`, the page and
  `total` cover that subset only.

Each metric below says what its drill-down lists (**Drill-down**). Where the figure counts events
of a record, the record is listed once per event (`avg_response_time`: each exchange, as its case
or chat at the reply; `transactions_per_day`: each reply, as its case); `daily_completion_rate`
lists agent-days (the agent at the start of each local day). Most subsets are parts of the items;
a few are the figure's numerator where that is not a part of them (`churned`, `active_at_end`,
`acquired`, `complaints`, complaint resolution's `resolved`), as each says.

**Order.** By `at`, then record kind (in the data model's order), then id; items without an
instant (the customers and agents of a population) come last, by kind and id. Pages are stable
while the data does not change, whatever order the records arrived in.

**Cells without records.** Keys that no record has (an unknown team, a day without calls) give
`n = 0` and no records, like the figure. A wrong number of keys, or a day, week or month that is
not one of the period's, is an error, as are an unknown subset (the message lists the metric's
subsets) and a page larger than 10,000.
";

/// The user documentation of the metrics, generated from the catalogue and the module docs.
pub fn markdown() -> String {
    let catalogue = carekpi_engine::catalogue();
    let mut md = String::new();
    md.push_str("# CareKPI metrics\n\n");
    md.push_str(
        "<!-- Generated by `carekpi metrics --markdown` from the engine's catalogue \
         (crates/engine/src/catalogue.rs) and the domain's module documentation (business hours: \
         crates/domain/src/calendar/mod.rs; SLA: crates/domain/src/sla.rs). Do not edit: change \
         the source, then run `cargo run -- metrics --markdown > docs/metrics.md`. A test keeps \
         this file identical to that output. -->\n\n",
    );
    md.push_str(&format!(
        "Every metric CareKPI computes ({} in all), with the definition the engine uses. Ask for \
         them with `carekpi report --metrics id,id(option=value),…`; list them with \
         `carekpi metrics`.\n\n",
        catalogue.len()
    ));
    md.push_str("- [Conventions](#conventions)\n- [Results](#results)\n");
    md.push_str("- [Drill-down](#drill-down)\n");
    md.push_str("- [Customer experience](#customer-experience)\n");
    md.push_str("- [Operations and agent performance](#operations-and-agent-performance)\n");
    md.push_str("- [Each metric](#each-metric)\n");
    md.push_str("- [Business hours](#business-hours)\n- [SLA policies](#sla-policies)\n\n");
    md.push_str("## Conventions\n\n");
    md.push_str(CONVENTIONS);
    md.push_str("\n## Results\n\n");
    md.push_str(RESULT_SHAPE);
    md.push_str("\n## Drill-down\n\n");
    md.push_str(DRILL_DOWN);
    for (category, title) in [
        (Category::CustomerExperience, "Customer experience"),
        (Category::Operations, "Operations and agent performance"),
    ] {
        md.push_str(&format!("\n## {title}\n\n"));
        md.push_str("| id | name | unit | better |\n|---|---|---|---|\n");
        for m in catalogue.iter().filter(|m| m.category == category) {
            md.push_str(&format!(
                "| [`{}`](#{}) | {} | {} | {} |\n",
                m.id,
                m.id,
                m.name_en,
                unit_text(m),
                direction(m.direction)
            ));
        }
    }
    md.push_str("\n## Each metric\n");
    for m in catalogue {
        md.push_str(&metric_section(m));
    }
    md.push_str("\n## Business hours\n\n");
    md.push_str(
        "From the calendar module's documentation (crates/domain/src/calendar/mod.rs). A \
         schedule is configured with `carekpi config set` (under `schedules`), teams point at one \
         with `schedule_id`, and `carekpi config holidays import FILE.ics --schedule ID` adds \
         holidays from an iCalendar file.\n\n",
    );
    md.push_str(&module_docs(
        CALENDAR_DOCS,
        2,
        &["How it is computed (and what it costs)"],
        false,
    ));
    md.push_str("\n## SLA policies\n\n");
    md.push_str(
        "From the SLA module's documentation (crates/domain/src/sla.rs). The policies are the \
         `sla` field of the account's configuration (`carekpi config set`).\n\n",
    );
    md.push_str(&module_docs(SLA_DOCS, 2, &[], true));
    md
}

fn metric_section(m: &Metric) -> String {
    let mut s = String::new();
    s.push_str(&format!("\n### {}\n\n", m.id));
    s.push_str(&format!("**{}** — {}\n\n", m.name_en, m.name_vi));
    let mut facts = vec![
        format!("unit: {}", unit_text(m)),
        format!("better: {}", direction(m.direction)),
        kind_text(m.kind).to_string(),
    ];
    if let Some(base) = m.variant_of {
        facts.push(format!("a variant of [`{base}`](#{base})"));
    }
    for f in facts {
        s.push_str(&format!("- {f}\n"));
    }
    s.push_str(&format!("\n**Formula.** {}\n", one_line(m.formula)));
    if !m.parts.is_empty() {
        s.push_str(&format!(
            "\n**Breakdown** (`parts` in JSON): {}\n",
            one_line(m.parts)
        ));
    }
    if !m.options.is_empty() {
        s.push_str("\n| option | values | default | meaning |\n|---|---|---|---|\n");
        for o in m.options {
            let values = if o.values.is_empty() {
                if o.text {
                    "text".to_string()
                } else {
                    "a number ≥ 0".to_string()
                }
            } else {
                o.values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            s.push_str(&format!(
                "| `{}` | {values} | {} | {} |\n",
                o.key,
                o.default,
                one_line(o.doc).replace('|', "\\|")
            ));
        }
        let o = &m.options[0];
        let example = o
            .values
            .iter()
            .find(|v| **v != o.default)
            .copied()
            .unwrap_or("…");
        s.push_str(&format!(
            "\nWritten `{}({}={example})` in `--metrics`.\n",
            m.id, o.key
        ));
    }
    s.push_str(&drill_text(m));
    // A worked example, when the catalogue entry carries one (a field `example`).
    if let Ok(serde_json::Value::Object(entry)) = serde_json::to_value(m)
        && let Some(serde_json::Value::String(example)) = entry.get("example")
        && !example.trim().is_empty()
    {
        s.push_str(&format!("\n**Example.** {}\n", example.trim()));
    }
    s
}

/// What the metric's drill-down lists, and its subsets.
fn drill_text(m: &Metric) -> String {
    let kinds: Vec<String> = m
        .drill
        .records
        .iter()
        .map(|k| format!("`{}`", k.as_str()))
        .collect();
    let mut s = format!(
        "\n**Drill-down** lists {}: each item is {}.",
        kinds.join(", "),
        one_line(m.drill.item)
    );
    if m.drill.subsets.is_empty() {
        s.push_str(" No subsets.\n");
    } else {
        s.push_str(" Subsets:\n\n");
        for x in m.drill.subsets {
            s.push_str(&format!("- `{}`: {}\n", x.name, one_line(x.doc)));
        }
    }
    s
}

/// Catalogue strings are wrapped in the source with `\` continuations; runs of spaces become one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustdoc_links_become_plain_markdown() {
        assert_eq!(
            strip_rustdoc_links(
                "[`Schedule`] implements [`WorkingTime`](crate::working_time::WorkingTime), the clock"
            ),
            "`Schedule` implements `WorkingTime`, the clock"
        );
        assert_eq!(
            strip_rustdoc_links("a period `[from, to)` and [x]"),
            "a period `[from, to)` and [x]"
        );
        assert_eq!(
            strip_rustdoc_links("see [the help](https://example.com/x)"),
            "see [the help](https://example.com/x)"
        );
    }

    #[test]
    fn the_documentation_covers_every_metric_and_both_modules() {
        let md = markdown();
        for m in carekpi_engine::catalogue() {
            assert!(md.contains(&format!("\n### {}\n", m.id)), "{}", m.id);
        }
        assert!(
            md.contains("**Business duration.**"),
            "calendar docs included"
        );
        assert!(md.contains("### Clocks"), "SLA docs included");
        assert!(
            !md.contains("How it is computed"),
            "implementation notes left out"
        );
        assert!(!md.contains("](crate::"), "no rustdoc paths");
        assert!(md.contains("\n## Drill-down\n"), "the drill-down section");
        assert!(
            md.contains("`sla_compliance`") && md.contains("- `breached`: one breached\n"),
            "each metric's drill-down and subsets"
        );
    }
}

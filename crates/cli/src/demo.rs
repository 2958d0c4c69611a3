//! `carekpi demo`: a realistic synthetic dataset, loaded into the store or written as JSON Lines.

use std::io::Write;
use std::path::PathBuf;

use carekpi_demo::{ACCOUNT_TIME_ZONE as DEMO_ZONE, DemoOptions};
use clap::Args;

use crate::failure::Failure;
use crate::pipeline::{self, Produced};

/// Records handed to the store at a time.
const CHUNK: usize = 2_000;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many cases to generate (calls, chats, surveys … scale with it).
    #[arg(long, default_value_t = DemoOptions::default().cases)]
    pub cases: u64,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    pub seed: u64,
    /// Write the dataset to this JSON Lines file instead of the store.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only case records (with --out; what `carekpi bench import` measures).
    #[arg(long, requires = "out")]
    pub cases_only: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Then serve the API on the loaded data (creating an `admin` login with a generated
    /// password, printed once, when the store has no users yet).
    #[arg(long, conflicts_with = "out")]
    pub serve: bool,
    #[command(flatten)]
    pub server: crate::serve::ServeArgs,
}

pub async fn run(db: &str, args: DemoArgs) -> Result<(), Failure> {
    let options = DemoOptions {
        cases: args.cases,
        seed: args.seed,
    };
    if let Some(out) = &args.out {
        let written = write_jsonl(&options, out, args.cases_only)?;
        if args.json {
            println!(
                "{}",
                serde_json::json!({"file": crate::shown(out), "records": written})
            );
        } else {
            println!("Wrote {written} records to {}.", crate::shown(out));
        }
        return Ok(());
    }
    let store = crate::open_store(db).await?;
    let account = crate::account::load(&store).await?;
    if account.stored {
        if account.config.time_zone != DEMO_ZONE {
            eprintln!(
                "note: the account's time zone is {}; the demo data is written for {DEMO_ZONE} (the stored configuration is kept)",
                account.config.time_zone
            );
        }
    } else {
        let mut config = demo_config();
        if account.zone_known && account.config.time_zone != DEMO_ZONE {
            eprintln!(
                "note: the account's time zone is {}; the demo data is written for {DEMO_ZONE}",
                account.config.time_zone
            );
            config.time_zone = account.config.time_zone;
        }
        crate::account::save(&store, &config).await?;
    }
    let progress = pipeline::progress_bar(args.cases, "cases", !args.json);
    let bar = progress.clone();
    let outcome = pipeline::load(&store, &progress, move |out| {
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut cases = 0u64;
        let result = carekpi_demo::generate(&options, |record| {
            if matches!(record, carekpi_domain::Record::Case(_)) {
                cases += 1;
                bar.set_position(cases);
            }
            chunk.push(record);
            if chunk.len() == CHUNK {
                let records = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                let lines_read = records.len() as u64;
                if !out.send(Produced::Chunk {
                    records,
                    errors: Vec::new(),
                    lines_read,
                    progress: cases,
                }) {
                    return Err(());
                }
            }
            Ok(())
        });
        if result.is_ok() && !chunk.is_empty() {
            let lines_read = chunk.len() as u64;
            out.send(Produced::Chunk {
                records: chunk,
                errors: Vec::new(),
                lines_read,
                progress: cases,
            });
        }
    })
    .await;
    progress.finish_and_clear();
    let outcome = outcome?;
    crate::import::report(crate::import::DEMO_DATA, &outcome, args.json);
    if !args.json {
        crate::summary::print(&store, db).await?;
    }
    if args.serve {
        let first_admin = crate::serve::ensure_an_admin(&store).await;
        store.close().await;
        if let Some((name, password)) = first_admin? {
            println!("Log in as `{name}` with the password {password} (shown once).");
        }
        return crate::serve::serve(args.server.options(db)).await;
    }
    store.close().await;
    Ok(())
}

/// Write the dataset as JSON Lines; returns the number of records written.
pub fn write_jsonl(options: &DemoOptions, out: &PathBuf, cases_only: bool) -> Result<u64, Failure> {
    let file = std::fs::File::create(out)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", crate::shown(out))))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut written = 0u64;
    carekpi_demo::generate(options, |record| {
        if cases_only && !matches!(record, carekpi_domain::Record::Case(_)) {
            return Ok(());
        }
        written += 1;
        writer.write_all(record.to_json_line().as_bytes())?;
        writer.write_all(b"\n")
    })
    .and_then(|_| writer.flush())
    .map_err(|e| Failure::usage(format!("cannot write {}: {e}", crate::shown(out))))?;
    Ok(written)
}

/// The demo account's configuration: its time zone, the three schedules the demo crate documents
/// (`vn-office`, `vn-extended`, `berlin-office`, with the holidays the generator closes them on)
/// and a sample set of SLA policies, so business-hours and SLA figures work out of the box.
pub fn demo_config() -> carekpi_engine::EngineConfig {
    let weekdays = |hours: &str, days: &[&str]| -> serde_json::Value {
        days.iter()
            .map(|d| ((*d).to_string(), serde_json::json!([hours])))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut vn_hours = weekdays("08:00-18:00", &["mon", "tue", "wed", "thu", "fri"]);
    vn_hours["sat"] = serde_json::json!(["08:00-12:00"]);
    let config = serde_json::json!({
        "time_zone": DEMO_ZONE,
        "account_schedule": "vn-office",
        "schedules": {
            "vn-office": {
                "time_zone": "Asia/Ho_Chi_Minh",
                "versions": [{"hours": vn_hours}],
                "holidays": [
                    {"name": "Tết Dương lịch", "date": "2026-01-01"},
                    {"name": "Tết Nguyên Đán", "first_day": "2026-02-14", "last_day": "2026-02-22"},
                    {"name": "Giỗ Tổ Hùng Vương (observed)", "date": "2026-04-27"},
                    {"name": "Ngày Giải phóng miền Nam", "date": "2026-04-30"},
                    {"name": "Quốc tế Lao động", "date": "2026-05-01"},
                    {"name": "Quốc khánh", "first_day": "2026-08-31", "last_day": "2026-09-02"}
                ]
            },
            "vn-extended": {
                "time_zone": "Asia/Ho_Chi_Minh",
                "versions": [{"hours": weekdays("07:00-22:00", &["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}],
                "holidays": [
                    {"name": "Tết Nguyên Đán (first days)", "first_day": "2026-02-16", "last_day": "2026-02-19"}
                ]
            },
            "berlin-office": {
                "time_zone": "Europe/Berlin",
                "versions": [{"hours": weekdays("09:00-18:00", &["mon", "tue", "wed", "thu", "fri"])}],
                "holidays": [
                    {"name": "Heiligabend", "date": "2025-12-24"},
                    {"name": "Weihnachten", "first_day": "2025-12-25", "last_day": "2025-12-26"},
                    {"name": "Silvester", "date": "2025-12-31"},
                    {"name": "Neujahr", "date": "2026-01-01"},
                    {"name": "Internationaler Frauentag", "date": "2026-03-08"},
                    {"name": "Karfreitag", "date": "2026-04-03"},
                    {"name": "Ostermontag", "date": "2026-04-06"},
                    {"name": "Tag der Arbeit", "date": "2026-05-01"},
                    {"name": "Christi Himmelfahrt", "date": "2026-05-14"},
                    {"name": "Pfingstmontag", "date": "2026-05-25"}
                ]
            }
        },
        "sla": {"policies": [
            {"name": "Urgent", "conditions": {"priority": ["urgent"]},
             "targets": {"first_reply": {"within": "1h"}, "next_reply": {"within": "2h"},
                         "resolution": {"within": "8h"}},
             "pause_while_pending": true, "pause_while_on_hold": false},
            {"name": "High", "conditions": {"priority": ["high"]},
             "targets": {"first_reply": {"within": "4h"}, "next_reply": {"within": "4h"},
                         "resolution": {"within": "24h"}},
             "pause_while_pending": true, "pause_while_on_hold": false},
            {"name": "Standard",
             "targets": {"first_reply": {"within": "8h"}, "next_reply": {"within": "8h"},
                         "resolution": {"within": "40h"}},
             "pause_while_pending": true, "pause_while_on_hold": false}
        ]}
    });
    serde_json::from_value(config).expect("the demo configuration is valid")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_configuration_is_valid() {
        let config = super::demo_config();
        crate::account::validate(&config).unwrap();
        assert_eq!(config.schedules.len(), 3);
        assert_eq!(config.sla.policies().len(), 3);
    }
}

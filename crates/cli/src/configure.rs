//! `carekpi config`: the account's configuration (time zone, business-hour schedules and their
//! holidays, SLA policies, thresholds), stored in the database.

use std::path::PathBuf;

use carekpi_domain::calendar::{Closure, Holiday, Repeat, parse_ics_holidays};
use clap::{Args, Subcommand};

use crate::account;
use crate::failure::Failure;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Show the account's configuration (`--json`: exactly what is stored).
    Show(ShowArgs),
    /// Replace the account's configuration with a JSON or TOML file (stored only when valid).
    Set(SetArgs),
    /// Business-hour holidays.
    #[command(subcommand)]
    Holidays(HolidaysCommand),
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Print the configuration as JSON (the shape `config set` reads).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    /// The configuration: JSON, or TOML when the name ends in `.toml`. See `config show --json`.
    pub file: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum HolidaysCommand {
    /// Add the holidays of an iCalendar (.ics) file to a schedule.
    Import(HolidaysImportArgs),
}

#[derive(Args, Debug)]
pub struct HolidaysImportArgs {
    /// The iCalendar file (all-day and timed events; yearly rules).
    pub file: PathBuf,
    /// The schedule (an id under `schedules` in the configuration) the holidays close.
    #[arg(long)]
    pub schedule: String,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(db: &str, command: ConfigCommand) -> Result<(), Failure> {
    match command {
        ConfigCommand::Show(args) => show(db, args).await,
        ConfigCommand::Set(args) => set(db, args).await,
        ConfigCommand::Holidays(HolidaysCommand::Import(args)) => import_holidays(db, args).await,
    }
}

async fn show(db: &str, args: ShowArgs) -> Result<(), Failure> {
    let store = crate::open_store(db).await?;
    let account = account::load(&store).await;
    store.close().await;
    let account = account?;
    if args.json {
        let text = serde_json::to_string_pretty(&account.config).unwrap_or_default();
        println!("{text}");
        return Ok(());
    }
    let c = &account.config;
    if !account.stored {
        println!(
            "No configuration is stored: these are the defaults (set one with `carekpi config set FILE`)."
        );
    }
    let zone = if account.zone_known {
        c.time_zone.clone()
    } else {
        format!("{} (default; not set)", c.time_zone)
    };
    println!("Time zone:          {zone}");
    println!(
        "Account schedule:   {}",
        c.account_schedule
            .as_deref()
            .unwrap_or("none (teams without a schedule are open 24/7)")
    );
    if c.schedules.is_empty() {
        println!("Schedules:          none (business time is calendar time)");
    } else {
        println!("Schedules:");
        for (id, s) in &c.schedules {
            println!(
                "  {id} ({}, {} holiday{})",
                s.time_zone,
                s.holidays.len(),
                if s.holidays.len() == 1 { "" } else { "s" }
            );
            for v in &s.versions {
                let from = v
                    .effective_from
                    .map_or(String::new(), |d| format!(" from {d}"));
                let mut days: Vec<_> = v.hours.iter().collect();
                days.sort_by_key(|(day, _)| weekday_index(day));
                let hours: Vec<String> = days
                    .into_iter()
                    .map(|(day, ranges)| {
                        let r: Vec<String> = ranges.iter().map(ToString::to_string).collect();
                        format!("{day} {}", r.join(", "))
                    })
                    .collect();
                println!("    hours{from}: {}", hours.join("; "));
            }
        }
    }
    let policies = c.sla.policies();
    if policies.is_empty() {
        println!("SLA policies:       none");
    } else {
        println!("SLA policies (first match wins):");
        for (i, p) in policies.iter().enumerate() {
            let conditions = serde_json::to_string(&p.conditions).unwrap_or_default();
            let conditions = if conditions == "{}" {
                "every case".to_string()
            } else {
                conditions
            };
            let targets: Vec<String> = [
                ("first reply", p.targets.first_reply),
                ("next reply", p.targets.next_reply),
                ("resolution", p.targets.resolution),
            ]
            .into_iter()
            .filter_map(|(name, t)| {
                t.map(|t| {
                    let hours = serde_json::to_value(t.hours)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default();
                    format!("{name} {:#} ({hours})", t.within)
                })
            })
            .collect();
            let mut pauses = Vec::new();
            if p.pause_while_pending {
                pauses.push("pending");
            }
            if p.pause_while_on_hold {
                pauses.push("on hold");
            }
            let pauses = if pauses.is_empty() {
                String::new()
            } else {
                format!("; paused while {}", pauses.join(" or "))
            };
            println!(
                "  {}. {} — {conditions}: {}{pauses}",
                i + 1,
                p.name,
                targets.join(", ")
            );
        }
    }
    println!(
        "CSAT:               satisfied from {} on {}–{}",
        c.csat.satisfied_from, c.csat.scale.min, c.csat.scale.max
    );
    let by_channel: Vec<String> = c
        .service_level
        .by_channel
        .iter()
        .map(|(ch, t)| format!("{ch} {t} s"))
        .collect();
    println!(
        "Service level:      answered within {} s{}; short abandons under {} s",
        c.service_level.threshold_s,
        if by_channel.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_channel.join(", "))
        },
        c.service_level.short_abandon_s
    );
    let basis = serde_json::to_value(c.backlog.hours)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    println!(
        "Backlog:            unsolved for more than {} {basis} hours",
        c.backlog.age_hours
    );
    println!("FCR window:         {} days", c.fcr_window_days);
    Ok(())
}

async fn set(db: &str, args: SetArgs) -> Result<(), Failure> {
    let config = account::read_file(&args.file)?;
    let store = crate::open_store(db).await?;
    let saved = account::save(&store, &config).await;
    store.close().await;
    saved?;
    println!(
        "Stored the account configuration from {}: time zone {}, {} schedule{}, {} SLA polic{}.",
        crate::shown(&args.file),
        config.time_zone,
        config.schedules.len(),
        if config.schedules.len() == 1 { "" } else { "s" },
        config.sla.policies().len(),
        if config.sla.policies().len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    Ok(())
}

async fn import_holidays(db: &str, args: HolidaysImportArgs) -> Result<(), Failure> {
    let shown = crate::shown(&args.file);
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {shown}: {e}")))?;
    let holidays = parse_ics_holidays(&text)
        .map_err(|e| Failure::usage(format!("{shown}: {e}; nothing was imported")))?;
    let store = crate::open_store(db).await?;
    let result = add_holidays(&store, &args.schedule, holidays).await;
    store.close().await;
    let (added, already) = result?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"file": shown, "schedule": args.schedule, "added": added.len(), "already_there": already})
        );
        return Ok(());
    }
    println!(
        "Imported {} holiday{} from {shown} into schedule {}{}.",
        added.len(),
        if added.len() == 1 { "" } else { "s" },
        args.schedule,
        if already > 0 {
            format!(" ({already} already there, left as they were)")
        } else {
            String::new()
        }
    );
    for h in &added {
        println!("  {}  {}", describe(h), h.name);
    }
    Ok(())
}

/// Add holidays to a schedule of the stored configuration; returns those added and how many
/// were already there.
async fn add_holidays(
    store: &carekpi_storage::Store,
    schedule: &str,
    holidays: Vec<Holiday>,
) -> Result<(Vec<Holiday>, usize), Failure> {
    let mut account = account::load(store).await?;
    let known: Vec<String> = account.config.schedules.keys().cloned().collect();
    let Some(target) = account.config.schedules.get_mut(schedule) else {
        return Err(Failure::usage(if known.is_empty() {
            format!(
                "unknown schedule `{schedule}`: the configuration has no schedules; add one with `carekpi config set FILE`"
            )
        } else {
            format!(
                "unknown schedule `{schedule}`; the configured schedules are: {}",
                known.join(", ")
            )
        }));
    };
    let (added, already) = target.add_holidays(holidays);
    if !added.is_empty() {
        account::save(store, &account.config).await?;
    }
    Ok((added, already))
}

/// A holiday's dates, for people.
fn describe(h: &Holiday) -> String {
    let when = match h.closure {
        Closure::Days { first, last } if first == last => first.to_string(),
        Closure::Days { first, last } => format!("{first} … {last}"),
        Closure::Hours { date, closed } => format!("{date} {closed}"),
        Closure::Span { start, end } => format!("{start} … {end}"),
    };
    match h.repeat {
        Repeat::Once => when,
        Repeat::Yearly { until: None } => format!("{when} (yearly)"),
        Repeat::Yearly { until: Some(u) } => format!("{when} (yearly until {u})"),
    }
}

/// Monday = 0 … Sunday = 6 for a weekday key (`mon`, `monday`, any case); unknown keys last.
fn weekday_index(day: &str) -> usize {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let key = day.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|d| key.starts_with(d))
        .unwrap_or(DAYS.len())
}

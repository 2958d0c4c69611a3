//! `carekpi summary`: what the store holds.

use clap::Args;

use crate::failure::Failure;

#[derive(Args, Debug)]
pub struct SummaryArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(db: &str, args: SummaryArgs) -> Result<(), Failure> {
    let store = crate::open_store(db).await?;
    if args.json {
        let counts = store.counts().await?;
        let zone = crate::account::time_zone(&store).await?;
        let records: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(kind, n)| (kind.as_str().to_string(), (*n).into()))
            .collect();
        println!(
            "{}",
            serde_json::json!({"records": records, "time_zone": zone, "fingerprint": store.fingerprint().await?})
        );
    } else {
        print(&store, db).await?;
    }
    store.close().await;
    Ok(())
}

/// Print the records per kind and the account's time zone.
pub async fn print(store: &carekpi_storage::Store, db: &str) -> Result<(), Failure> {
    let counts = store.counts().await?;
    let zone = crate::account::time_zone(store).await?;
    let location = match store.backend() {
        carekpi_storage::Backend::Sqlite => format!("SQLite file {db}"),
        carekpi_storage::Backend::Postgres => "PostgreSQL".to_string(),
    };
    println!("Store: {location}");
    println!(
        "Account time zone: {}",
        zone.as_deref()
            .unwrap_or("not set (pass --tz to CSV imports)")
    );
    println!("{:<22} {:>12}", "records", "count");
    let mut total = 0;
    for (kind, n) in &counts {
        total += n;
        println!("{:<22} {:>12}", kind.plural(), group_digits(*n));
    }
    println!("{:<22} {:>12}", "total", group_digits(total));
    Ok(())
}

/// 1234567 → "1,234,567".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group_digits(0), "0");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(1000), "1,000");
        assert_eq!(super::group_digits(1234567), "1,234,567");
    }
}

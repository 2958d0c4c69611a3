//! The `carekpi` binary, driven as a user drives it: files in, exit codes and messages out,
//! and the store checked afterwards. One test binary (links once); a module per area.

mod bank;
mod config;
mod export;
mod helpdesk;
mod import;
mod pwc;
mod rejects;
mod report;
mod staffing;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_carekpi");

pub const CASE_1: &str = r#"{"kind":"case","id":"T-1","channel":"email","created_at":"2026-03-02T09:15:00+07:00","team_id":"hcm-1","events":[{"at":"2026-03-02T09:15:00+07:00","kind":"message","author":"customer"},{"at":"2026-03-02T10:05:00+07:00","kind":"message","author":"agent","agent_id":"a-lan"},{"at":"2026-03-02T10:06:00+07:00","kind":"status","status":"solved"}]}"#;
pub const CALL_1: &str = r#"{"kind":"call","id":"CL-9","queued_at":"2026-03-02T09:00:05+07:00","answered_at":"2026-03-02T09:00:31+07:00","outcome":"answered","talk_s":301}"#;
pub const AGENT_1: &str =
    r#"{"kind":"agent","id":"a-lan","name":"Nguyễn Thị Lan","team_id":"hcm-1"}"#;

/// A scratch folder with a SQLite database in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub db: String,
}

impl Scratch {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("carekpi.db").display().to_string();
        Self { dir, db }
    }

    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn run(&self, args: &[&str]) -> Output {
        carekpi(&self.db, args)
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.db)
    }
}

pub fn carekpi(db: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CAREKPI_DATABASE_URL", db)
        .output()
        .expect("the carekpi binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn summary(db: &str) -> serde_json::Value {
    let out = carekpi(db, &["summary", "--json"]);
    assert!(out.status.success(), "summary failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn fingerprint(db: &str) -> String {
    summary(db)["fingerprint"].as_str().unwrap().to_string()
}

pub fn import_json(db: &str, file: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["import", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let out = carekpi(db, &args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "--json prints JSON ({e}): {}\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (out, value)
}

/// The PwC dataset (see [`bank::shared_data`] for where it is looked for).
pub fn pwc_file() -> Option<PathBuf> {
    bank::shared_data("pwc-call-center/01 Call-Center-Dataset.csv")
}

mod postgres {
    //! A fresh PostgreSQL database per test, on the server named by CAREKPI_TEST_POSTGRES_URL.

    use std::process::Command;

    pub struct Database {
        pub url: String,
        name: String,
        admin: String,
    }

    pub fn fresh_database(label: &str) -> Option<Database> {
        let Ok(admin) = std::env::var("CAREKPI_TEST_POSTGRES_URL") else {
            eprintln!(
                "SKIPPED ({label}): CAREKPI_TEST_POSTGRES_URL is not set; this PostgreSQL test did not run. `.ci/run` sets it."
            );
            return None;
        };
        let name = format!(
            "carekpi_{label}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Some(Database {
            url: format!("{base}/{name}"),
            name,
            admin,
        })
    }

    fn psql(url: &str, sql: &str) {
        let out = Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .output()
            .expect("psql is installed (the PostgreSQL client)");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    impl Drop for Database {
        fn drop(&mut self) {
            let _ = Command::new("psql")
                .args([
                    self.admin.as_str(),
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                ])
                .output();
        }
    }
}

//! Where a store lives: a database URL or a file path, never printed with its password.

use std::fmt;
use std::path::PathBuf;

use crate::{Backend, StorageError};

/// A database location as the user wrote it. `Debug` and `Display` show it with the password
/// (in the user info or a `password=` query parameter) replaced by `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    target: Target,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Postgres,
    SqliteFile(PathBuf),
    SqliteMemory,
}

impl DatabaseUrl {
    /// Read a location: `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH` or a plain file path is SQLite (`sqlite::memory:` is an in-memory database).
    pub fn parse(location: &str) -> Result<DatabaseUrl, StorageError> {
        let raw = location.trim().to_string();
        let fail = |reason: &str| StorageError::Location {
            location: redact(&raw),
            reason: reason.to_string(),
        };
        if raw.is_empty() {
            return Err(fail(
                "no location given: pass a PostgreSQL URL (postgres://…) or an SQLite file path",
            ));
        }
        let lower = raw.to_ascii_lowercase();
        let target = if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Target::Postgres
        } else if lower.starts_with("sqlite:") {
            let rest = &raw["sqlite:".len()..];
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(fail("the SQLite URL names no file (write sqlite://PATH)"));
            }
            if path == ":memory:" {
                Target::SqliteMemory
            } else {
                Target::SqliteFile(PathBuf::from(path))
            }
        } else if let Some(i) = raw.find("://") {
            return Err(fail(&format!(
                "unsupported database scheme `{}`: use postgres://…, sqlite://PATH or a file path",
                &raw[..i]
            )));
        } else {
            Target::SqliteFile(PathBuf::from(&raw))
        };
        Ok(DatabaseUrl { raw, target })
    }

    pub fn backend(&self) -> Backend {
        match self.target {
            Target::Postgres => Backend::Postgres,
            Target::SqliteFile(_) | Target::SqliteMemory => Backend::Sqlite,
        }
    }

    /// The SQLite file, when this is an SQLite location on disk.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &self.target {
            Target::SqliteFile(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn is_sqlite_memory(&self) -> bool {
        self.target == Target::SqliteMemory
    }

    /// The location with its secret, for the driver only.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }

    /// The location as it may be shown.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }

    /// `text` with every occurrence of this URL's password replaced by `***` (driver messages
    /// may quote the URL).
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(&self.raw, &self.redacted());
        for secret in secrets(&self.raw) {
            if secret.len() >= 3 {
                out = out.replace(&secret, "***");
            }
        }
        out
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

/// Byte ranges of the password in `url`: in the user info (`user:PASSWORD@host`) and in
/// `password=` query parameters.
fn secret_ranges(url: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let Some(scheme_end) = url.find("://") else {
        return ranges;
    };
    let start = scheme_end + 3;
    let rest = &url[start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    if let Some(at) = authority.rfind('@') {
        let userinfo = &authority[..at];
        if let Some(colon) = userinfo.find(':') {
            let from = start + colon + 1;
            let to = start + at;
            if to > from {
                ranges.push((from, to));
            }
        }
    }
    if let Some(q) = url.find('?') {
        let query_end = url[q..].find('#').map_or(url.len(), |h| q + h);
        let mut pos = q + 1;
        for pair in url[q + 1..query_end].split('&') {
            let key = pair.split('=').next().unwrap_or("");
            if key.eq_ignore_ascii_case("password") && pair.len() > key.len() + 1 {
                ranges.push((pos + key.len() + 1, pos + pair.len()));
            }
            pos += pair.len() + 1;
        }
    }
    ranges
}

fn secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to) in secret_ranges(url) {
        let s = &url[from..to];
        out.push(s.to_string());
        let decoded = percent_decode(s);
        if decoded != s {
            out.push(decoded);
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `url` with its password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let mut out = url.to_string();
    let mut ranges = secret_ranges(url);
    ranges.sort_unstable();
    for (from, to) in ranges.into_iter().rev() {
        out.replace_range(from..to, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_from_the_location() {
        for (text, backend) in [
            ("postgres://u@h/db", Backend::Postgres),
            ("PostgreSQL://u@h/db", Backend::Postgres),
            ("sqlite://data/carekpi.db", Backend::Sqlite),
            ("sqlite:carekpi.db", Backend::Sqlite),
            ("carekpi.db", Backend::Sqlite),
            ("/var/lib/carekpi/carekpi.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
        ] {
            assert_eq!(
                DatabaseUrl::parse(text).unwrap().backend(),
                backend,
                "{text}"
            );
        }
        let url = DatabaseUrl::parse("sqlite:///var/lib/x.db").unwrap();
        assert_eq!(
            url.sqlite_path().unwrap(),
            std::path::Path::new("/var/lib/x.db")
        );
        let url = DatabaseUrl::parse("sqlite://rel/x.db").unwrap();
        assert_eq!(url.sqlite_path().unwrap(), std::path::Path::new("rel/x.db"));
        assert!(
            DatabaseUrl::parse("sqlite::memory:")
                .unwrap()
                .is_sqlite_memory()
        );
    }

    #[test]
    fn rejects_what_it_cannot_open() {
        let err = DatabaseUrl::parse("mysql://root:hunter22@h/db").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("unsupported database scheme `mysql`"),
            "{text}"
        );
        assert!(!text.contains("hunter22"), "{text}");
        assert!(DatabaseUrl::parse("  ").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn never_shows_the_password() {
        let url = DatabaseUrl::parse("postgres://carekpi:s3cr%40t@db.local:5432/kpi").unwrap();
        assert_eq!(url.to_string(), "postgres://carekpi:***@db.local:5432/kpi");
        assert_eq!(
            format!("{url:?}"),
            r#"DatabaseUrl("postgres://carekpi:***@db.local:5432/kpi")"#
        );
        assert_eq!(
            url.scrub("auth failed for s3cr@t at postgres://carekpi:s3cr%40t@db.local:5432/kpi"),
            "auth failed for *** at postgres://carekpi:***@db.local:5432/kpi"
        );
        let url =
            DatabaseUrl::parse("postgresql://h/kpi?user=a&password=pw123&sslmode=require").unwrap();
        assert_eq!(
            url.to_string(),
            "postgresql://h/kpi?user=a&password=***&sslmode=require"
        );
        // No password: shown as written.
        let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert_eq!(url.to_string(), "postgres://postgres@127.0.0.1:5432/test");
        // A password containing '@' (unencoded) is still hidden.
        let url = DatabaseUrl::parse("postgres://u:p@ss@h/db").unwrap();
        assert_eq!(url.to_string(), "postgres://u:***@h/db");
    }
}

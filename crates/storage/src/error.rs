//! What can go wrong in the store, said with what failed and where.

use carekpi_domain::RecordKind;

/// A storage failure. Every message names the operation and the database (with any password
/// replaced by `***`).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The location is not something the store can open.
    #[error("cannot open database `{location}`: {reason}")]
    Location { location: String, reason: String },

    /// Connecting to (or creating) the database failed.
    #[error("while opening {backend} database `{location}`: {reason}")]
    Open {
        backend: &'static str,
        location: String,
        reason: String,
    },

    /// Bringing the schema up to date failed.
    #[error("while migrating {backend} database `{location}`: {reason}")]
    Migrate {
        backend: &'static str,
        location: String,
        reason: String,
    },

    /// A statement failed (`action` says which use case: "upserting cases", "reading settings").
    #[error("while {action} in `{location}`: {cause}")]
    Database {
        action: String,
        location: String,
        cause: sqlx::Error,
    },

    /// A stored record no longer reads as a valid record.
    #[error(
        "while reading {table} from `{location}`: stored {kind} `{id}` is unreadable: {reason}"
    )]
    Corrupt {
        table: &'static str,
        kind: RecordKind,
        id: String,
        location: String,
        reason: String,
    },

    /// A row with the same unique key is stored already (`what` names it: "a user named
    /// `ana`", "an API key with prefix `ck_ab12cd34`").
    #[error("{what} already exists")]
    Conflict { what: String },

    /// A value the store refuses before writing anything (an unknown role or scope, an empty
    /// username).
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl StorageError {
    pub(crate) fn database(
        action: impl Into<String>,
        location: &str,
        cause: sqlx::Error,
    ) -> StorageError {
        StorageError::Database {
            action: action.into(),
            location: location.to_string(),
            cause,
        }
    }

    /// The underlying database error, when there is one.
    pub fn database_error(&self) -> Option<&sqlx::Error> {
        match self {
            StorageError::Database { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

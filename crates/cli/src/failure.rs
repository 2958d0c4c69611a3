//! How the CLI fails: a message for people and an exit code for scripts.

use std::fmt;

/// Exit codes, documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The input has invalid records; nothing was written.
    InvalidInput = 1,
    /// The command cannot run as asked: bad arguments, unknown mapping, missing columns,
    /// unreadable file.
    Usage = 2,
    /// The database failed (cannot open, migrate or write); nothing was written.
    Database = 3,
}

/// A failure of a command.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl fmt::Display) -> Self {
        Self {
            exit: Exit::Usage,
            message: message.to_string(),
        }
    }

    pub fn database(message: impl fmt::Display) -> Self {
        Self {
            exit: Exit::Database,
            message: message.to_string(),
        }
    }

    pub fn invalid_input(message: impl fmt::Display) -> Self {
        Self {
            exit: Exit::InvalidInput,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<carekpi_storage::StorageError> for Failure {
    fn from(e: carekpi_storage::StorageError) -> Self {
        Failure::database(e)
    }
}

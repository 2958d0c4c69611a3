//! The storage behaviour suite: every behaviour runs against SQLite (always, in temporary
//! files) and against PostgreSQL when `CAREKPI_TEST_POSTGRES_URL` names a server (each test in
//! a fresh schema of its own, dropped afterwards). One test binary, linked once.

mod accounts;
mod behaviour;
mod changes;
mod sqlite;
mod support;
mod synthetic;
mod versioned_settings;

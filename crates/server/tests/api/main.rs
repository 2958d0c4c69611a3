//! The real server on a free port, on SQLite and on PostgreSQL, spoken to over HTTP.

mod cluster;
mod config;
mod ingest;
mod roles;
mod shutdown;
mod staffing;
mod support;

//! The one interface both engines implement (atuin's shape: one async method per use case,
//! one module per engine, the engine picked once from the URL).

use std::collections::BTreeMap;
use std::future::Future;

use carekpi_domain::{Record, RecordKind};

use crate::{Backend, DatabaseUrl, StorageError, UpsertCounts};

/// A CareKPI store on one database engine.
///
/// Code that wants no runtime dispatch can be generic over this trait; [`crate::Store`] is the
/// enum over both engines that the CLI and the server use.
pub trait Database: Sized + Clone + Send + Sync + 'static {
    /// The engine's write transaction.
    type Batch: WriteBatch;

    /// Connect (creating an SQLite file if missing) and bring the schema up to date.
    fn open(url: &DatabaseUrl) -> impl Future<Output = Result<Self, StorageError>> + Send;

    fn backend(&self) -> Backend;

    /// Start a write transaction.
    fn begin(&self) -> impl Future<Output = Result<Self::Batch, StorageError>> + Send;

    /// How many records of each kind are stored (every kind, zeros included).
    fn counts(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<RecordKind, u64>, StorageError>> + Send;

    /// Every stored record of `kind`, ordered by id (byte-wise).
    fn records(
        &self,
        kind: RecordKind,
    ) -> impl Future<Output = Result<Vec<Record>, StorageError>> + Send;

    /// A digest of every stored record (kind, id, body): equal digests, equal contents.
    fn fingerprint(&self) -> impl Future<Output = Result<String, StorageError>> + Send;

    fn setting(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<String>, StorageError>> + Send;

    fn set_setting(
        &self,
        key: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Close every connection (waiting for them to be returned).
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// A write transaction: everything upserted through it lands on commit, nothing otherwise
/// (dropping it rolls back; so does the process dying).
pub trait WriteBatch: Send {
    /// Upsert by (kind, id): a new id is inserted, a stored id with a different body updated,
    /// an identical one left untouched. Records are taken in order, so a later record with the
    /// same kind and id wins.
    fn upsert(
        &mut self,
        records: &[Record],
    ) -> impl Future<Output = Result<UpsertCounts, StorageError>> + Send;

    fn commit(self) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn rollback(self) -> impl Future<Output = Result<(), StorageError>> + Send;
}

//! The one interface both engines implement (atuin's shape: one async method per use case,
//! one module per engine, the engine picked once from the URL).

use std::collections::BTreeMap;
use std::future::Future;

use carekpi_domain::{Record, RecordKind};

use crate::{
    ApiKey, Backend, DatabaseUrl, NewApiKey, NewUser, Session, SettingVersion, StorageError,
    UpsertCounts, User, UserUpdate,
};

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

    /// The keys of the settings that start with `prefix`, in order.
    fn setting_keys(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> + Send;

    /// Remove a setting (its version history stays); whether it was there.
    fn delete_setting(&self, key: &str) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// The change feed after `after_seq` (see `crate::Store::changes_since`).
    fn changes_since(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(i64, Record)>, StorageError>> + Send;

    /// The newest change's seq, 0 when there is none.
    fn last_change_seq(&self) -> impl Future<Output = Result<i64, StorageError>> + Send;

    fn set_setting_versioned(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;

    fn setting_history(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Vec<SettingVersion>, StorageError>> + Send;

    /// The newest version number of a setting (0 when never written versioned).
    fn setting_version(&self, key: &str) -> impl Future<Output = Result<i64, StorageError>> + Send;

    // ---- users, sessions and API keys (see `crate::accounts`; documented on `crate::Store`) ----

    fn create_user(
        &self,
        user: &NewUser,
        now_ms: i64,
    ) -> impl Future<Output = Result<User, StorageError>> + Send;

    fn user(&self, id: i64) -> impl Future<Output = Result<Option<User>, StorageError>> + Send;

    fn user_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<User>, StorageError>> + Send;

    fn users(&self) -> impl Future<Output = Result<Vec<User>, StorageError>> + Send;

    fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<User>, StorageError>> + Send;

    fn user_count(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;

    fn create_session(
        &self,
        session: &Session,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<(Session, User)>, StorageError>> + Send;

    fn touch_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn delete_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn delete_user_sessions(
        &self,
        user_id: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    fn delete_expired_sessions(
        &self,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    fn create_api_key(
        &self,
        key: &NewApiKey,
        now_ms: i64,
    ) -> impl Future<Output = Result<ApiKey, StorageError>> + Send;

    fn api_key_by_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Option<ApiKey>, StorageError>> + Send;

    fn api_keys(&self) -> impl Future<Output = Result<Vec<ApiKey>, StorageError>> + Send;

    fn revoke_api_key(
        &self,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn touch_api_key(
        &self,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Close every connection (waiting for them to be returned).
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// A write transaction: everything upserted through it lands on commit, nothing otherwise
/// (dropping it rolls back; so does the process dying).
pub trait WriteBatch: Send {
    /// Upsert by (kind, id): a new id is inserted, a stored id with a different body updated,
    /// an identical one left untouched. Records are taken in order, so a later record with the
    /// same kind and id wins. Each record written (inserted or updated) gets a change row in the
    /// same transaction, numbered in commit order (see `crate::Store::changes_since`).
    fn upsert(
        &mut self,
        records: &[Record],
    ) -> impl Future<Output = Result<UpsertCounts, StorageError>> + Send;

    fn commit(self) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn rollback(self) -> impl Future<Output = Result<(), StorageError>> + Send;
}

//! The change feed, on every engine (see `engines!`), and its commit order on PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use carekpi_domain::{Record, RecordKind};
use carekpi_storage::Store;

use crate::support::TestStore;
use crate::synthetic;

crate::engines!(
    an_empty_store_has_no_changes,
    inserts_and_updates_are_changes_unchanged_records_are_not,
    a_record_changed_twice_appears_twice_with_its_current_body,
    batches_that_do_not_commit_leave_no_changes,
    every_kind_is_a_change_of_its_kind,
    changes_come_in_pages,
    a_large_batch_is_one_change_per_record,
    a_poller_sees_every_change_of_concurrent_writers,
    another_store_on_the_same_database_sees_the_changes,
);

/// Upsert `records` in one batch and commit.
async fn write(store: &Store, records: &[Record]) {
    let mut batch = store.begin().await.expect("begin");
    batch.upsert(records).await.expect("upsert");
    batch.commit().await.expect("commit");
}

/// Every change after `after`, in pages of `page`.
async fn all_changes(store: &Store, after: i64, page: usize) -> Vec<(i64, Record)> {
    let mut out: Vec<(i64, Record)> = Vec::new();
    let mut last = after;
    loop {
        let got = store.changes_since(last, page).await.unwrap();
        let n = got.len();
        if let Some((seq, _)) = got.last() {
            last = *seq;
        }
        out.extend(got);
        if n < page {
            return out;
        }
    }
}

fn ids(changes: &[(i64, Record)]) -> Vec<String> {
    changes.iter().map(|(_, r)| r.id().into_owned()).collect()
}

fn assert_increasing(changes: &[(i64, Record)]) {
    assert!(
        changes.windows(2).all(|w| w[0].0 < w[1].0),
        "seqs strictly increase: {:?}",
        changes.iter().map(|c| c.0).collect::<Vec<_>>()
    );
}

async fn an_empty_store_has_no_changes(t: &TestStore) {
    assert_eq!(t.store.last_change_seq().await.unwrap(), 0);
    assert!(t.store.changes_since(0, 100).await.unwrap().is_empty());
    assert!(t.store.changes_since(-5, 100).await.unwrap().is_empty());
    assert!(t.store.changes_since(0, 0).await.unwrap().is_empty());
}

async fn inserts_and_updates_are_changes_unchanged_records_are_not(t: &TestStore) {
    let store = &t.store;
    let first = synthetic::cases(1, 3);
    write(store, &first).await;
    let changes = store.changes_since(0, 100).await.unwrap();
    assert_eq!(changes.len(), 3);
    assert_increasing(&changes);
    assert_eq!(
        changes.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(),
        first
    );
    let last = store.last_change_seq().await.unwrap();
    assert_eq!(last, changes[2].0);
    assert!(last > 0);

    // The same records again: unchanged, no change.
    write(store, &first).await;
    assert_eq!(store.last_change_seq().await.unwrap(), last);
    assert!(store.changes_since(last, 100).await.unwrap().is_empty());

    // One updated, one new, one unchanged.
    let grown = synthetic::case(2, 7);
    let new = synthetic::case(10, 2);
    write(store, &[first[0].clone(), grown.clone(), new.clone()]).await;
    let after = store.changes_since(last, 100).await.unwrap();
    assert_eq!(
        after.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(),
        [grown, new]
    );
    assert!(after[0].0 > last);
    assert_eq!(store.last_change_seq().await.unwrap(), after[1].0);
}

async fn a_record_changed_twice_appears_twice_with_its_current_body(t: &TestStore) {
    let store = &t.store;
    write(store, &[synthetic::case(1, 2), synthetic::case(2, 2)]).await;
    write(store, &[synthetic::case(1, 5)]).await;
    // Twice in one batch, in two upserts: two changes.
    let mut batch = store.begin().await.unwrap();
    batch.upsert(&[synthetic::case(2, 4)]).await.unwrap();
    batch.upsert(&[synthetic::case(2, 6)]).await.unwrap();
    batch.commit().await.unwrap();
    // Twice in one upsert: the last one wins, one change.
    write(store, &[synthetic::case(3, 1), synthetic::case(3, 3)]).await;

    let changes = store.changes_since(0, 100).await.unwrap();
    assert_increasing(&changes);
    let expected_ids: Vec<String> = [1, 2, 1, 2, 2, 3]
        .map(|n| synthetic::case(n, 1).id().into_owned())
        .to_vec();
    assert_eq!(ids(&changes), expected_ids);
    let current = [
        synthetic::case(1, 5),
        synthetic::case(2, 6),
        synthetic::case(1, 5),
        synthetic::case(2, 6),
        synthetic::case(2, 6),
        synthetic::case(3, 3),
    ];
    for ((seq, record), expected) in changes.iter().zip(&current) {
        assert_eq!(record, expected, "change {seq} reads the current body");
    }
}

async fn batches_that_do_not_commit_leave_no_changes(t: &TestStore) {
    let store = &t.store;
    write(store, &synthetic::cases(1, 2)).await;
    let last = store.last_change_seq().await.unwrap();
    let mut batch = store.begin().await.unwrap();
    batch.upsert(&synthetic::cases(3, 20)).await.unwrap();
    batch.rollback().await.unwrap();
    {
        let mut dropped = store.begin().await.unwrap();
        dropped.upsert(&synthetic::cases(50, 20)).await.unwrap();
        dropped.upsert(&[synthetic::case(1, 7)]).await.unwrap();
    }
    assert_eq!(store.last_change_seq().await.unwrap(), last);
    assert!(store.changes_since(last, 100).await.unwrap().is_empty());
    // The next commit's changes come after the last one seen.
    write(store, &[synthetic::case(99, 1)]).await;
    let next = store.changes_since(last, 100).await.unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].0 > last);
}

async fn every_kind_is_a_change_of_its_kind(t: &TestStore) {
    let store = &t.store;
    let mut records = synthetic::one_of_each_kind(1);
    records.extend(synthetic::one_of_each_kind(2));
    write(store, &records).await;
    let changes = store.changes_since(0, 1000).await.unwrap();
    assert_eq!(changes.len(), records.len());
    assert_increasing(&changes);
    let seen: BTreeMap<(RecordKind, String), Record> = changes
        .into_iter()
        .map(|(_, r)| ((r.kind(), r.id().into_owned()), r))
        .collect();
    let written: BTreeMap<(RecordKind, String), Record> = records
        .into_iter()
        .map(|r| ((r.kind(), r.id().into_owned()), r))
        .collect();
    assert_eq!(seen, written);
    assert_eq!(
        seen.keys().map(|(k, _)| *k).collect::<BTreeSet<_>>().len(),
        RecordKind::ALL.len()
    );
}

async fn changes_come_in_pages(t: &TestStore) {
    let store = &t.store;
    for first in [1, 1001, 2001] {
        write(store, &synthetic::cases(first, 1000)).await;
    }
    write(store, &synthetic::cases(3001, 5)).await;
    let page = store.changes_since(0, 700).await.unwrap();
    assert_eq!(page.len(), 700);
    let all = all_changes(store, 0, 700).await;
    assert_eq!(all.len(), 3005);
    assert_increasing(&all);
    assert_eq!(&all[..700], &page[..]);
    assert_eq!(
        all.last().unwrap().0,
        store.last_change_seq().await.unwrap()
    );
    let expected: BTreeSet<String> = synthetic::cases(1, 3005)
        .iter()
        .map(|r| r.id().into_owned())
        .collect();
    let got: BTreeSet<String> = ids(&all).into_iter().collect();
    assert_eq!(got, expected, "each record once");
    // From the middle.
    let middle = all[1233].0;
    assert_eq!(all_changes(store, middle, 500).await, &all[1234..]);
}

async fn a_large_batch_is_one_change_per_record(t: &TestStore) {
    let store = &t.store;
    // 12,000 cases: over both engines' bound parameter limits, several statements per kind.
    let records = synthetic::cases(1, 12_000);
    write(store, &records).await;
    let all = all_changes(store, 0, 5_000).await;
    assert_eq!(all.len(), 12_000);
    assert_increasing(&all);
    let got: BTreeSet<String> = ids(&all).into_iter().collect();
    assert_eq!(got.len(), 12_000);
    // Every third grown: 4,000 changes more.
    let again: Vec<Record> = (1..=12_000u64)
        .map(|n| synthetic::case(n, if n % 3 == 0 { 7 } else { 5 }))
        .collect();
    let last = store.last_change_seq().await.unwrap();
    write(store, &again).await;
    let more = all_changes(store, last, 5_000).await;
    assert_eq!(more.len(), 4_000);
    for (_, record) in &more {
        let Record::Case(case) = record else {
            panic!("a case")
        };
        assert_eq!(case.events.len(), 7);
    }
}

/// Writers commit batches concurrently while a reader polls `changes_since(last)`: the reader
/// ends up with every change, each once, none skipped.
async fn a_poller_sees_every_change_of_concurrent_writers(t: &TestStore) {
    const WRITERS: u64 = 4;
    const BATCHES: u64 = 12;
    const PER_BATCH: u64 = 25;
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let store = t.store.clone();
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut seen: Vec<(i64, String)> = Vec::new();
            let mut last = 0;
            loop {
                let finished = done.load(Ordering::Acquire);
                let page = store.changes_since(last, 40).await.unwrap();
                if let Some((seq, _)) = page.last() {
                    last = *seq;
                }
                let short = page.len() < 40;
                seen.extend(page.into_iter().map(|(s, r)| (s, r.id().into_owned())));
                if finished && short {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = t.store.clone();
            tokio::spawn(async move {
                for b in 0..BATCHES {
                    let first = 1 + (w * BATCHES + b) * PER_BATCH;
                    write(&store, &synthetic::cases(first, PER_BATCH)).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, Ordering::Release);
    let seen = poller.await.unwrap();
    let total = (WRITERS * BATCHES * PER_BATCH) as usize;
    assert_eq!(seen.len(), total, "every change once");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    let everything = all_changes(&t.store, 0, 10_000).await;
    assert_eq!(
        seen.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        everything.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        "the poller skipped no seq"
    );
}

async fn another_store_on_the_same_database_sees_the_changes(t: &TestStore) {
    let other = t.reopen().await;
    let before = other.last_change_seq().await.unwrap();
    write(&t.store, &synthetic::cases(1, 5)).await;
    let seen = other.changes_since(before, 100).await.unwrap();
    assert_eq!(seen.len(), 5);
    assert_eq!(
        seen.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
        synthetic::cases(1, 5)
    );
    other.close().await;
}

/// PostgreSQL only (SQLite has one writer at a time): a batch that wrote first but commits
/// last gets the later seqs, so a reader that already saw the other batch's changes still
/// finds it after its last seq.
#[tokio::test]
async fn postgres_seqs_follow_commit_order_not_write_order() {
    let Some(t) = TestStore::postgres().await else {
        return;
    };
    let store = &t.store;
    let mut early = store.begin().await.unwrap();
    early.upsert(&synthetic::cases(1, 3)).await.unwrap();
    let mut late = store.begin().await.unwrap();
    late.upsert(&synthetic::cases(100, 2)).await.unwrap();
    late.commit().await.unwrap();

    let seen = store.changes_since(0, 100).await.unwrap();
    assert_eq!(seen.len(), 2, "only the committed batch");
    let last = seen[1].0;

    early.commit().await.unwrap();
    let next = store.changes_since(last, 100).await.unwrap();
    assert_eq!(
        next.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
        synthetic::cases(1, 3),
        "the batch that wrote first but committed last comes after"
    );
}

-- The change feed: one row per record that a committed batch inserted or updated (unchanged
-- records are not changes), numbered in commit order, so that a reader polling `seq > last`
-- (another server on the same database) sees every change once committed and never skips one.
-- `kind` is the record kind as in the interchange format (case, call, …), `record_id` the
-- record's id, at_ms when the batch wrote it (epoch milliseconds UTC). Keep in step with
-- ../postgres/.
--
-- SQLite has one writer at a time, so numbering rows as they are written is commit order.
-- AUTOINCREMENT: a seq is never used twice, even after the newest rows are deleted.

CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);

-- The change feed: one row per record that a committed batch inserted or updated (unchanged
-- records are not changes), numbered in commit order, so that a reader polling `seq > last`
-- (another server on the same database) sees every change once committed and never skips one.
-- `kind` is the record kind as in the interchange format (case, call, …), `record_id` the
-- record's id, at_ms when the batch wrote it (epoch milliseconds UTC). Keep in step with
-- ../sqlite/.
--
-- Several writers commit concurrently here: a batch writes its change rows at commit time,
-- holding a transaction-level advisory lock (released only once the commit is visible), so
-- seqs are drawn from the sequence in commit order.

CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    at_ms BIGINT NOT NULL
);

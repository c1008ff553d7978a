-- A transaction can take a lower seq than another and commit after it, so seq alone is not commit order here:
-- each event carries the id of the transaction that wrote it, and readers go by (tx, seq), taking only rows of
-- transactions that have ended (see OutboxOrder). Rows from before this migration keep tx 0: all of them have
-- committed, and every later row sorts after them.
ALTER TABLE events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN tx SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX events_tx_seq ON events (tx, seq);
CREATE INDEX events_org_tx_seq ON events (org_id, tx, seq);
ALTER TABLE relay_cursors ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;

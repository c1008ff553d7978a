-- Outbox readers keep a position of (tx, seq). SQLite has one writer, so seq alone is commit order and tx stays 0;
-- the columns are here so that both providers read and move cursors alike.
ALTER TABLE events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
ALTER TABLE relay_cursors ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;

-- Work in flight names the node that claimed it (SPEC §9): a node's restart puts back only its own claims, and
-- the claims of a node silent for Cluster:NodeTimeout are put back by a survivor. NULL: claimed before nodes
-- were recorded, or on SQLite's single node.
ALTER TABLE webhook_deliveries ADD COLUMN node_id TEXT NULL;
ALTER TABLE connector_syncs ADD COLUMN node_id TEXT NULL;

-- Singletons (IMAP watchers, retention, the recording poller) run on the node holding their lease.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Rates shared by every node (Twilio's calls per second): the theoretical arrival time of the next request (GCRA).
CREATE TABLE rate_cells (
    name  TEXT PRIMARY KEY,
    tat   TEXT NOT NULL
);

-- The database server's clock at each heartbeat, beside the node's own (heartbeat_at): doctor compares the nodes' clocks.
ALTER TABLE nodes ADD COLUMN db_clock_at TEXT NULL;

-- The appliances sharing one store (SPEC §9): each heartbeats its row; a live call names the node that dials it,
-- so that a restart recovers only its own calls and the others recover a node that fell silent.
CREATE TABLE nodes (
    id            TEXT PRIMARY KEY,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL
);

ALTER TABLE calls ADD COLUMN node_id TEXT NULL;
CREATE INDEX calls_node_live ON calls (node_id) WHERE status IN ('dialing', 'ringing', 'in_progress');

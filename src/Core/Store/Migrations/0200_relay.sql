-- The signed webhook relay: endpoints, the fan-out cursor over the outbox, deliveries and every attempt.
-- Secrets are AES-GCM sealed by SecretProtector; timestamps are UTC text (see UtcTimestamp).

CREATE TABLE webhooks (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES orgs (id),
    url                     TEXT NOT NULL,
    events                  TEXT NOT NULL,          -- JSON array of event types, or ["*"]
    description             TEXT NULL,
    secret                  TEXT NOT NULL,          -- sealed 64-hex secret
    previous_secret         TEXT NULL,              -- sealed secret still signing during its rotation grace
    previous_secret_until   TEXT NULL,
    active                  INTEGER NOT NULL DEFAULT 1,
    disabled_reason         TEXT NULL,
    disabled_at             TEXT NULL,
    -- Only events after this outbox position reach the endpoint: nothing from before it existed.
    from_seq                INTEGER NOT NULL,
    last_delivery_at        TEXT NULL,
    last_status             INTEGER NULL,
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    failing_since           TEXT NULL,              -- first failed attempt since the last success
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    deleted_at              TEXT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id, id DESC) WHERE deleted_at IS NULL;

-- How far the relay has fanned the outbox out into deliveries (one row per consumer).
CREATE TABLE relay_cursors (
    name  TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL
);
-- Events written before the relay existed are history, not news.
INSERT INTO relay_cursors (name, seq) SELECT 'webhooks', coalesce(max(seq), 0) FROM events;

-- One event (or test, or replay) for one endpoint, with its schedule.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id),
    event_seq        INTEGER NOT NULL,                -- the outbox row (events.seq)
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('event', 'test', 'replay')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'canceled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NULL,
    claimed_until    TEXT NULL,
    last_status_code INTEGER NULL,
    last_error       TEXT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT NULL
);
-- The only index on deliveries besides the key covers the live ones (waiting or in flight): claims seek it per
-- endpoint by due time, recovery and metrics scan it. Finished deliveries leave it, so it stays small however
-- long the history grows. (Fan-out writes each event once because the cursor moves in the same transaction.)
CREATE INDEX webhook_deliveries_live ON webhook_deliveries (webhook_id, status, next_attempt_at) WHERE status IN ('pending', 'sending');

-- Every attempt, as the receiver answered it.
CREATE TABLE webhook_attempts (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id),
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id),
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    attempt          INTEGER NOT NULL,
    attempted_at     TEXT NOT NULL,
    status_code      INTEGER NULL,
    latency_ms       INTEGER NOT NULL,
    result           TEXT NOT NULL CHECK (result IN ('delivered', 'retrying', 'failed', 'canceled')),
    error            TEXT NULL,
    next_attempt_at  TEXT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, seq DESC);

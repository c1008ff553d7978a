-- CRM connectors (SPEC §7): the connector with its sealed credentials and health, one sync row per record written
-- to the CRM (holding the CRM's id, so nothing is ever created twice), and every inbound request from the CRM.

CREATE TABLE connectors (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES orgs (id),
    kind                  TEXT NOT NULL CHECK (kind IN ('hubspot', 'zoho')),
    name                  TEXT NOT NULL,
    credentials           TEXT NOT NULL,          -- sealed JSON object (SecretProtector)
    options               TEXT NOT NULL,          -- JSON object
    inbound_secret        TEXT NOT NULL,          -- sealed
    status                TEXT NOT NULL DEFAULT 'healthy' CHECK (status IN ('healthy', 'degraded', 'auth_failed', 'disabled')),
    paused_until          TEXT NULL,              -- a daily limit pauses writes until then
    token_expires_at      TEXT NULL,
    rate_limit_remaining  BIGINT NULL,
    last_synced_at        TEXT NULL,
    last_error            TEXT NULL,
    -- Only events after this outbox position are written to the CRM: nothing from before the connector existed.
    from_seq              BIGINT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    deleted_at            TEXT NULL
);
CREATE INDEX connectors_org ON connectors (org_id, id DESC) WHERE deleted_at IS NULL;

-- One CRM record per (connector, our object). crm_object_id is set in the same transaction that ends the
-- attempt; an attempt that started (attempts > 0) without one ending looks the record up before creating it.
CREATE TABLE connector_syncs (
    id               TEXT PRIMARY KEY,
    connector_id     TEXT NOT NULL REFERENCES connectors (id),
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    object           TEXT NOT NULL CHECK (object IN ('call', 'email', 'contact')),
    object_id        TEXT NOT NULL,
    event_seq        BIGINT NOT NULL,
    crm_object_id    TEXT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'synced', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NULL,
    last_error       TEXT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (connector_id, object, object_id)
);
CREATE INDEX connector_syncs_live ON connector_syncs (connector_id, status, next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX connector_syncs_list ON connector_syncs (connector_id, id DESC);

-- Every request to /connectors/{id}/inbound, stored before it is answered; processing follows from here.
CREATE TABLE connector_inbound (
    id               TEXT PRIMARY KEY,
    connector_id     TEXT NOT NULL REFERENCES connectors (id),
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    received_at      TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'failed')),
    body             TEXT NULL,                 -- the raw body of an accepted request
    enrollment_id    TEXT NULL,
    error            TEXT NULL,
    processed_at     TEXT NULL
);
CREATE INDEX connector_inbound_list ON connector_inbound (connector_id, id DESC);
CREATE INDEX connector_inbound_pending ON connector_inbound (received_at) WHERE status = 'pending';

INSERT INTO relay_cursors (name, seq) SELECT 'connectors', coalesce(max(seq), 0) FROM events;

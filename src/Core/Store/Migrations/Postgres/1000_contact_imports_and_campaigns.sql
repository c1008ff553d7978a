-- CSV contact imports, campaigns and their snapshotted members, and the campaign a call belongs to.
-- Timestamps are UTC text (see UtcTimestamp).

CREATE TABLE contact_imports (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    status           TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    -- api imports are resumed by the service after a restart; a cli import belongs to the command that runs it.
    source           TEXT NOT NULL CHECK (source IN ('api', 'cli')),
    -- The spooled upload under the data folder; removed once the import has finished.
    spool_file       TEXT NULL,
    bytes            BIGINT NOT NULL CHECK (bytes >= 0),
    rows_total       BIGINT NOT NULL CHECK (rows_total >= 0),
    -- Counters, advanced by the transaction of each batch, so a restart resumes after the last committed row.
    rows             BIGINT NOT NULL DEFAULT 0,
    created          BIGINT NOT NULL DEFAULT 0,
    updated          BIGINT NOT NULL DEFAULT 0,
    unchanged        BIGINT NOT NULL DEFAULT 0,
    skipped          BIGINT NOT NULL DEFAULT 0,
    do_not_contact   BIGINT NOT NULL DEFAULT 0,
    without_consent  BIGINT NOT NULL DEFAULT 0,
    error_count      BIGINT NOT NULL DEFAULT 0,
    failure          TEXT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT NULL
);
CREATE INDEX contact_imports_org_newest ON contact_imports (org_id, id DESC);

-- The first errors of an import (row numbers count the header as row 1). Messages never repeat the value.
CREATE TABLE contact_import_errors (
    import_id  TEXT NOT NULL REFERENCES contact_imports (id),
    seq        BIGINT NOT NULL,
    row_number BIGINT NOT NULL,
    field      TEXT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- Which contacts an import created or updated, for campaigns that choose their contacts by import.
CREATE TABLE contact_import_rows (
    import_id  TEXT NOT NULL REFERENCES contact_imports (id),
    contact_id TEXT NOT NULL,
    PRIMARY KEY (import_id, contact_id)
);
CREATE INDEX contact_import_rows_contact ON contact_import_rows (contact_id);

CREATE TABLE campaigns (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES orgs (id),
    name                 TEXT NOT NULL,
    agent_id             TEXT NULL REFERENCES playbooks (id),
    template_id          TEXT NULL,
    contacts             TEXT NOT NULL,
    calls_per_minute     BIGINT NOT NULL CHECK (calls_per_minute >= 1),
    max_concurrent       BIGINT NULL CHECK (max_concurrent IS NULL OR max_concurrent >= 1),
    retry_on             TEXT NOT NULL DEFAULT '[]',
    retry_after_minutes  BIGINT NOT NULL DEFAULT 60 CHECK (retry_after_minutes >= 0),
    max_attempts         BIGINT NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
    dial_window          TEXT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'completed', 'stopped')),
    pause_reason         TEXT NULL,
    -- The next moment the hopper may place a call of this campaign (its pace).
    next_dial_at         TEXT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    started_at           TEXT NULL,
    ended_at             TEXT NULL,
    CHECK ((agent_id IS NULL) <> (template_id IS NULL))
);
CREATE INDEX campaigns_org_newest ON campaigns (org_id, id DESC);
CREATE INDEX campaigns_running ON campaigns (status) WHERE status = 'running';

-- The contacts of a campaign as chosen at its start. state: pending (waiting for its first or next attempt),
-- queued (a call is queued or live: call_id), done (result says how it ended).
CREATE TABLE campaign_members (
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    position         BIGINT NOT NULL,
    contact_id       TEXT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'done')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NULL,
    call_id          TEXT NULL,
    enrollment_id    TEXT NULL,
    result           TEXT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (campaign_id, position)
);
CREATE INDEX campaign_members_due ON campaign_members (campaign_id, state, next_attempt_at, position);
CREATE INDEX campaign_members_call ON campaign_members (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX campaign_members_contact ON campaign_members (contact_id);

ALTER TABLE calls ADD COLUMN campaign_id TEXT NULL REFERENCES campaigns (id);
CREATE INDEX calls_campaign ON calls (campaign_id, status) WHERE campaign_id IS NOT NULL;

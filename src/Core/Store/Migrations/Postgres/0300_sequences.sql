-- Sequences: templates, enrollments and their steps, the mailer's send log and IMAP position, admin notices.

CREATE TABLE sequence_templates (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES orgs (id),
    name                  TEXT NOT NULL,
    allowed_channels      TEXT NOT NULL,
    steps                 TEXT NOT NULL,
    variants_by_language  TEXT NOT NULL DEFAULT '{}',
    sending_window        TEXT NULL,
    stop_on_reply         BIGINT NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX sequence_templates_org ON sequence_templates (org_id, id DESC);

CREATE TABLE sequence_enrollments (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES orgs (id),
    template_id          TEXT NOT NULL REFERENCES sequence_templates (id),
    contact_id           TEXT NOT NULL REFERENCES contacts (id),
    status               TEXT NOT NULL CHECK (status IN ('pending_review', 'active', 'completed', 'stopped_reply',
                                                          'stopped_opt_out', 'stopped_bounce', 'canceled')),
    language             TEXT NULL,
    sending_window       TEXT NULL,
    time_zone            TEXT NULL,
    stop_on_reply        BIGINT NOT NULL,
    mailbox              TEXT NULL,
    idempotency_key      TEXT NULL,
    request_fingerprint  TEXT NULL,
    stop_reason          TEXT NULL,
    approved_at          TEXT NULL,
    ended_at             TEXT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE UNIQUE INDEX sequence_enrollments_idempotency ON sequence_enrollments (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX sequence_enrollments_contact ON sequence_enrollments (contact_id, status);
CREATE INDEX sequence_enrollments_org ON sequence_enrollments (org_id, id DESC);

-- One row per step of an enrollment, rendered for the contact when the enrollment was made.
-- status: pending (waits for the step before it) → scheduled → sending → sent | failed | skipped | bounced | canceled.
CREATE TABLE sequence_steps (
    id              TEXT PRIMARY KEY,
    enrollment_id   TEXT NOT NULL REFERENCES sequence_enrollments (id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'voice')),
    delay_minutes   BIGINT NOT NULL,
    subject         TEXT NULL,
    body            TEXT NULL,
    agent_id        TEXT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'scheduled', 'sending', 'sent', 'failed', 'skipped', 'bounced', 'canceled')),
    scheduled_at    TEXT NULL,
    claimed_until   TEXT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    forced          BIGINT NOT NULL DEFAULT 0,
    sent_at         TEXT NULL,
    message_id      TEXT NULL,
    to_address      TEXT NULL,
    mailbox         TEXT NULL,
    call_id         TEXT NULL,
    token           TEXT NOT NULL UNIQUE,
    last_error      TEXT NULL,
    UNIQUE (enrollment_id, position)
);
CREATE INDEX sequence_steps_due ON sequence_steps (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX sequence_steps_sending ON sequence_steps (claimed_until) WHERE status = 'sending';
CREATE UNIQUE INDEX sequence_steps_message ON sequence_steps (message_id) WHERE message_id IS NOT NULL;

-- Every message a sending mailbox accepted or is sending now, for its hourly and daily caps.
CREATE TABLE mail_sends (
    id          TEXT PRIMARY KEY,
    mailbox     TEXT COLLATE nocase NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('step', 'notice')),
    created_at  TEXT NOT NULL
);
CREATE INDEX mail_sends_mailbox ON mail_sends (mailbox, created_at);

-- Where the IMAP watcher got to in each watched folder.
CREATE TABLE imap_positions (
    account       TEXT PRIMARY KEY,
    uid_validity  BIGINT NOT NULL,
    last_uid      BIGINT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Inbound messages already acted on, so a folder read again (new UIDVALIDITY) acts on nothing twice.
CREATE TABLE inbound_mail (
    message_key  TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    step_id      TEXT NULL,
    created_at   TEXT NOT NULL
);

-- Emails to an org's admins (review requests, disabled webhooks…), sent by the mailer.
CREATE TABLE admin_notices (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    recipients       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'no_recipients')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT NULL,
    last_error       TEXT NULL,
    sent_at          TEXT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX admin_notices_due ON admin_notices (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Orgs, their keys, their credits, their contacts, the do-not-contact list, the event outbox and
-- idempotency records. Money is INTEGER paise; timestamps are UTC text (see UtcTimestamp).

CREATE TABLE orgs (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    plan                   TEXT NOT NULL DEFAULT 'active' CHECK (plan IN ('active', 'inactive')),
    rate_paise_per_sec     INTEGER NOT NULL DEFAULT 10 CHECK (rate_paise_per_sec >= 0),
    billing_increment_sec  INTEGER NOT NULL DEFAULT 1 CHECK (billing_increment_sec >= 1),
    max_concurrent_calls   INTEGER NOT NULL DEFAULT 10 CHECK (max_concurrent_calls >= 0),
    calls_per_second       REAL NOT NULL DEFAULT 5 CHECK (calls_per_second > 0),
    rate_limit_per_minute  INTEGER NOT NULL DEFAULT 120 CHECK (rate_limit_per_minute >= 1),
    default_caller_id      TEXT NULL,
    calling_hours          TEXT NOT NULL DEFAULT '* 9-20 * * 1-6',
    max_attempts_per_day   INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts_per_day >= 1),
    admin_emails           TEXT NOT NULL DEFAULT '[]',
    settings               TEXT NOT NULL DEFAULT '{}',
    -- balance = Σ credit_ledger.amount_paise; reserved = Σ credit_ledger.reserved_delta_paise.
    balance_paise          INTEGER NOT NULL DEFAULT 0 CHECK (balance_paise >= 0),
    reserved_paise         INTEGER NOT NULL DEFAULT 0 CHECK (reserved_paise >= 0 AND reserved_paise <= balance_paise),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);

CREATE TABLE api_keys (
    id                     TEXT PRIMARY KEY,
    org_id                 TEXT NOT NULL REFERENCES orgs (id),
    name                   TEXT NOT NULL,
    prefix                 TEXT NOT NULL UNIQUE,
    secret_hash            BLOB NOT NULL,
    scope                  TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin', 'operator')),
    ip_allowlist           TEXT NOT NULL DEFAULT '[]',
    expires_at             TEXT NULL,
    rate_limit_per_minute  INTEGER NULL CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute >= 1),
    created_at             TEXT NOT NULL,
    revoked_at             TEXT NULL,
    last_used_at           TEXT NULL
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at DESC);

CREATE TABLE credit_reservations (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    subject_id    TEXT NULL,
    amount_paise  INTEGER NOT NULL CHECK (amount_paise > 0),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'released')),
    charged_paise INTEGER NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT NULL
);
CREATE INDEX credit_reservations_open ON credit_reservations (org_id) WHERE status = 'open';

CREATE TABLE credit_ledger (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT NOT NULL UNIQUE,
    org_id                TEXT NOT NULL REFERENCES orgs (id),
    kind                  TEXT NOT NULL CHECK (kind IN ('topup', 'reservation', 'settlement', 'release')),
    amount_paise          INTEGER NOT NULL,
    reserved_delta_paise  INTEGER NOT NULL DEFAULT 0,
    balance_after_paise   INTEGER NOT NULL,
    reserved_after_paise  INTEGER NOT NULL,
    reservation_id        TEXT NULL REFERENCES credit_reservations (id),
    subject_id            TEXT NULL,
    reference             TEXT NULL,
    created_at            TEXT NOT NULL
);
CREATE INDEX credit_ledger_org ON credit_ledger (org_id, seq DESC);

CREATE TABLE contacts (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    phone_e164       TEXT NULL,
    name             TEXT NULL,
    first_name       TEXT NULL,
    last_name        TEXT NULL,
    email            TEXT NULL,
    email_normalized TEXT NULL,
    email_status     TEXT NOT NULL DEFAULT 'deliverable' CHECK (email_status IN ('deliverable', 'undeliverable')),
    language_pref    TEXT NULL,
    notes            TEXT NULL,
    metadata         TEXT NOT NULL DEFAULT '{}',
    consent_capture  TEXT NULL CHECK (consent_capture IS NULL OR consent_capture IN ('pre_call', 'website_form', 'manual', 'imported')),
    consent_at       TEXT NULL,
    opted_out_voice  INTEGER NOT NULL DEFAULT 0,
    opted_out_email  INTEGER NOT NULL DEFAULT 0,
    opted_out_at     TEXT NULL,
    opt_out_source   TEXT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX contacts_org_phone ON contacts (org_id, phone_e164) WHERE phone_e164 IS NOT NULL;
CREATE INDEX contacts_org_email ON contacts (org_id, email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX contacts_org_newest ON contacts (org_id, id DESC);

-- An erased or opted-out person, kept only as a SHA-256 of the normalised phone number or email,
-- so that they are never called or mailed again.
CREATE TABLE do_not_contact (
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    channel     TEXT NOT NULL CHECK (channel IN ('voice', 'email')),
    value_hash  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, channel, value_hash)
);

-- The outbox: every event is written in the same transaction as the change that caused it.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    type        TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX events_org_seq ON events (org_id, seq);

CREATE TABLE idempotency_keys (
    org_id              TEXT NOT NULL REFERENCES orgs (id),
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    status_code         INTEGER NULL,
    response_body       TEXT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (org_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

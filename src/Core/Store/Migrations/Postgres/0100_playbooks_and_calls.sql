-- Playbooks (the agent_id of a call), their converted audio prompts, calls and their timelines.
-- Money is BIGINT paise; timestamps are UTC text (see UtcTimestamp).

CREATE TABLE playbooks (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs (id),
    name              TEXT NOT NULL,
    language          TEXT NOT NULL,
    max_duration_sec  BIGINT NOT NULL CHECK (max_duration_sec >= 1),
    disclosure_text   TEXT NULL,
    message_text      TEXT NULL,
    audio_id          TEXT NULL,
    dtmf              TEXT NOT NULL DEFAULT '{}',
    handoff_target    TEXT NULL,
    voicemail         TEXT NOT NULL DEFAULT 'hangup' CHECK (voicemail IN ('hangup', 'leave_message')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    -- Deleted playbooks stay for the calls that name them; the API no longer shows them.
    deleted_at        TEXT NULL
);
CREATE INDEX playbooks_org_newest ON playbooks (org_id, id DESC) WHERE deleted_at IS NULL;

-- An uploaded prompt after conversion to 8 kHz mono G.711 (µ-law and A-law files under the data folder).
CREATE TABLE playbook_audio (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    playbook_id   TEXT NOT NULL REFERENCES playbooks (id),
    source_format TEXT NOT NULL,
    duration_ms   BIGINT NOT NULL CHECK (duration_ms >= 0),
    ulaw_file     TEXT NOT NULL,
    alaw_file     TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX playbook_audio_playbook ON playbook_audio (playbook_id);

CREATE TABLE calls (
    id                          TEXT PRIMARY KEY,
    org_id                      TEXT NOT NULL REFERENCES orgs (id),
    agent_id                    TEXT NOT NULL REFERENCES playbooks (id),
    contact_id                  TEXT NULL,
    direction                   TEXT NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound')),
    status                      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
                                    ('queued', 'dialing', 'ringing', 'in_progress', 'completed', 'failed', 'no_answer', 'busy', 'canceled')),
    from_e164                   TEXT NULL,
    -- Null once the callee was erased.
    to_e164                     TEXT NULL,
    language                    TEXT NOT NULL,
    requested_max_duration_sec  BIGINT NULL CHECK (requested_max_duration_sec IS NULL OR requested_max_duration_sec >= 1),
    -- Decided when the call is dialed: the smallest of request, playbook, global cap and what the balance pays for.
    max_duration_sec            BIGINT NULL,
    max_duration_limited_by     TEXT NULL CHECK (max_duration_limited_by IS NULL OR max_duration_limited_by IN ('request', 'playbook', 'global_cap', 'credits')),
    rate_paise_per_sec          BIGINT NULL,
    billing_increment_sec       BIGINT NULL,
    reservation_id              TEXT NULL REFERENCES credit_reservations (id),
    duration_sec                BIGINT NULL CHECK (duration_sec IS NULL OR duration_sec >= 0),
    billed_sec                  BIGINT NULL CHECK (billed_sec IS NULL OR billed_sec >= 0),
    credits_debited_paise       BIGINT NOT NULL DEFAULT 0 CHECK (credits_debited_paise >= 0),
    recording_url               TEXT NULL,
    transcript                  TEXT NULL,
    llm_extracted_intent        TEXT NULL,
    llm_sentiment               TEXT NULL,
    llm_outcome                 TEXT NULL,
    outcome                     TEXT NULL,
    end_reason                  TEXT NULL,
    end_detail                  TEXT NULL,
    provider                    TEXT NOT NULL,
    provider_call_id            TEXT NULL,
    metadata                    TEXT NOT NULL DEFAULT '{}',
    not_before                  TEXT NULL,
    scheduled_for               TEXT NOT NULL,
    cancel_requested_at         TEXT NULL,
    started_at                  TEXT NULL,
    answered_at                 TEXT NULL,
    last_seen_at                TEXT NULL,
    ended_at                    TEXT NULL,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL
);
CREATE INDEX calls_due ON calls (scheduled_for, id) WHERE status = 'queued';
CREATE INDEX calls_live ON calls (org_id, status) WHERE status IN ('dialing', 'ringing', 'in_progress');
CREATE INDEX calls_started ON calls (started_at) WHERE started_at IS NOT NULL;
CREATE INDEX calls_org_started ON calls (org_id, started_at) WHERE started_at IS NOT NULL;
CREATE INDEX calls_attempts ON calls (org_id, to_e164, started_at) WHERE started_at IS NOT NULL;
CREATE INDEX calls_org_newest ON calls (org_id, id DESC);
CREATE INDEX calls_org_contact ON calls (org_id, contact_id) WHERE contact_id IS NOT NULL;

-- A call only moves forward (queued < dialing < ringing < in_progress < final), never leaves a final
-- status, and is completed only once it was answered. The code moves it with conditional updates; this
-- trigger refuses anything else, whoever writes.
CREATE FUNCTION call_status_rank(status TEXT) RETURNS INT IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE status WHEN 'queued' THEN 0 WHEN 'dialing' THEN 1 WHEN 'ringing' THEN 2 WHEN 'in_progress' THEN 3 ELSE 4 END
$$;

CREATE FUNCTION calls_status_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('completed', 'failed', 'no_answer', 'busy', 'canceled')
       OR call_status_rank(NEW.status) <= call_status_rank(OLD.status)
       OR (NEW.status = 'completed' AND OLD.status <> 'in_progress')
       OR (NEW.status IN ('no_answer', 'busy') AND OLD.status = 'in_progress') THEN
        RAISE EXCEPTION 'a call status may only move forward and ends exactly once' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER calls_status_moves_forward
BEFORE UPDATE OF status ON calls
FOR EACH ROW WHEN (NEW.status <> OLD.status)
EXECUTE FUNCTION calls_status_moves_forward();

CREATE TABLE call_timeline (
    seq      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    call_id  TEXT NOT NULL REFERENCES calls (id),
    type     TEXT NOT NULL,
    at       TEXT NOT NULL,
    data     TEXT NULL
);
CREATE INDEX call_timeline_call ON call_timeline (call_id, seq);

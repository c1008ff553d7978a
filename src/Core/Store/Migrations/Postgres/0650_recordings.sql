-- Call recordings: a playbook may record its calls (the org's recording_notice is spoken first); a finished
-- recording's file is listed here until retention or the contact's erasure deletes it. Public links are kept
-- as SHA-256 digests of their tokens, so a copy of the store does not hand out working links.

ALTER TABLE playbooks ADD COLUMN record BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN recording_notice TEXT NULL;

CREATE TABLE recordings (
    call_id       TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    contact_id    TEXT NULL,
    file          TEXT NOT NULL,
    bytes         BIGINT NOT NULL,
    duration_sec  BIGINT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX recordings_created ON recordings (created_at);
CREATE INDEX recordings_contact ON recordings (org_id, contact_id) WHERE contact_id IS NOT NULL;

CREATE TABLE recording_links (
    token_digest  TEXT PRIMARY KEY,
    call_id       TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX recording_links_call ON recording_links (call_id);

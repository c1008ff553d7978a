-- Recordings a provider keeps (Twilio records its calls itself): one row per recorded call from the moment it is
-- placed until its file is downloaded into recordings/ (or there is none to fetch). Kept in the store so a restart
-- between the end of a call and the download loses nothing.

CREATE TABLE recording_downloads (
    call_id            TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL,
    provider_call_id   TEXT NOT NULL,
    recording_id       TEXT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at    TEXT NOT NULL,
    created_at         TEXT NOT NULL
);
CREATE INDEX recording_downloads_due ON recording_downloads (next_attempt_at);

-- Written sequence steps: which model wrote a step's text from which prompt, or why its fixed text went out instead,
-- and whether an org's steps may be written at all.

ALTER TABLE sequence_steps ADD COLUMN written_model TEXT NULL;
ALTER TABLE sequence_steps ADD COLUMN written_prompt_sha256 TEXT NULL;
ALTER TABLE sequence_steps ADD COLUMN fallback_reason TEXT NULL CHECK (fallback_reason IN ('timeout', 'error', 'refused', 'unusable'));
ALTER TABLE sequence_steps ADD COLUMN fallback_detail TEXT NULL;

ALTER TABLE orgs ADD COLUMN writer_enabled BIGINT NOT NULL DEFAULT 1;

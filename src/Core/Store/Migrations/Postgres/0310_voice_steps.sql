-- Voice steps of sequences: the outcome of the call a step placed, and finding the step again when its call ends.

ALTER TABLE sequence_steps ADD COLUMN call_outcome TEXT NULL;
CREATE INDEX sequence_steps_call ON sequence_steps (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX sequence_steps_due_voice ON sequence_steps (scheduled_at) WHERE status = 'scheduled' AND channel = 'voice';

-- What an agent or classifier learned about a call (POST /calls/{id}/analysis): the transcript (a JSON array of
-- {speaker, text, at?} in the existing transcript column), the llm_* fields, a summary, and when it was posted.

ALTER TABLE calls ADD COLUMN summary TEXT NULL;
ALTER TABLE calls ADD COLUMN analyzed_at TEXT NULL;

-- A playbook may hand the conversation to a voice agent over a Twilio-Media-Streams WebSocket. The agent's
-- bearer token is kept sealed (SecretProtector, v1:…), never in clear; parameters are a JSON object of strings.

ALTER TABLE playbooks ADD COLUMN agent_stream_url TEXT NULL;
ALTER TABLE playbooks ADD COLUMN agent_auth_token TEXT NULL;
ALTER TABLE playbooks ADD COLUMN agent_parameters TEXT NULL;

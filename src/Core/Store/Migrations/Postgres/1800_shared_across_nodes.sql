-- The console's cookie-protection keys (ASP.NET Core data protection key ring), their secret parts sealed with the install's secret
-- key: on PostgreSQL every node reads the same ring, so a session or form signed at one node is accepted at any
-- node behind a load balancer. SQLite's single node keeps its ring in the data folder; the table is here so that
-- both providers run the same migrations.
CREATE TABLE console_keys (
    name        TEXT PRIMARY KEY,
    xml         TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Recording files to delete from another node's data folder: a contact's erasure (or retention) that runs on one
-- node deletes the rows at once and leaves here what only the node holding the file can remove; that node deletes
-- the file and then its row.
CREATE TABLE recording_file_removals (
    node_id       TEXT NOT NULL,
    file          TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    PRIMARY KEY (node_id, file)
);

-- An uploaded prompt's converted audio, kept in the store on PostgreSQL so that a node dialing a call with a prompt
-- another node converted writes the files into its own data folder first. SQLite's single node has the files.
CREATE TABLE playbook_audio_data (
    audio_id  TEXT PRIMARY KEY,
    ulaw      BYTEA NOT NULL,
    alaw      BYTEA NOT NULL
);

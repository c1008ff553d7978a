-- Each node's internal address (Cluster:NodeUrl), published with its heartbeat: a node that gets Twilio's request
-- for a call another node placed passes it on there, and only to an address read from this table. NULL: not set.
ALTER TABLE nodes ADD COLUMN url TEXT NULL;

-- The node whose data folder holds a recording's file: a request for it at another node is passed on there.
-- NULL: registered before nodes were recorded (on the node that still has it, or on SQLite's single node).
ALTER TABLE recordings ADD COLUMN node_id TEXT NULL;

-- Each node's internal address (Cluster:NodeUrl), published with its heartbeat: a node that gets Twilio's request
-- for a call another node placed passes it on there, and only to an address read from this table. NULL: not set.
ALTER TABLE nodes ADD COLUMN url TEXT NULL;

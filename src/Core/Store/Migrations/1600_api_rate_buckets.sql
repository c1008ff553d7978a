-- API rate limits every node shares (SPEC §9, per org and per key): the requests each limit admitted, counted in
-- one-second buckets of unix time. SQLite has one node and keeps these windows in memory; the table is here so
-- that both providers run the same migrations.
CREATE TABLE api_rate_buckets (
    name       TEXT NOT NULL,
    at_second  BIGINT NOT NULL,
    hits       INTEGER NOT NULL,
    PRIMARY KEY (name, at_second)
);

-- A value sealed with the secret key, so a store opened with another secrets.key is refused (see SecretKeyCanary).
CREATE TABLE IF NOT EXISTS secret_key_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Who may use CareKPI: users, their login sessions, the API keys of machines. Keep in step
-- with ../postgres/ (same tables, columns and constraints).
--
-- The store never sees a password, a session token or an API key secret: password_hash is an
-- argon2 PHC string, token_hash and key_hash the hex SHA-256 of the token or secret, all made
-- by the caller. Lists (team_ids, scopes) are JSON arrays of text. Instants are epoch
-- milliseconds UTC.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Trimmed and lower-cased by the store, so UNIQUE is case-insensitive.
    username TEXT NOT NULL UNIQUE,
    display_name TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer')),
    password_hash TEXT NOT NULL,
    -- The agent record this user is (for the agent role).
    agent_id TEXT,
    -- The teams a manager manages.
    team_ids TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'vi')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at_ms ON sessions (expires_at_ms);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- The short public identifier a key starts with (e.g. ck_ab12cd34), to find it by.
    prefix TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    scopes TEXT NOT NULL DEFAULT '[]',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at_ms BIGINT NOT NULL,
    last_used_ms BIGINT,
    revoked_at_ms BIGINT
);

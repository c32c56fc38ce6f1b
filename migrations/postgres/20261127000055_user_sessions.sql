-- Each signed-in session, by a random tracking id kept inside the session record (never in a
-- cookie): when it began (for the absolute lifetime), when it was last used, and from which
-- browser and coarse network (/24 or /48), so its owner can list and end it. A session signs
-- nobody in once its row is gone. (PostgreSQL dialect; the DDL is the same in both.)
CREATE TABLE user_sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    epoch        BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    network      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user ON user_sessions(user_id, last_seen_at);

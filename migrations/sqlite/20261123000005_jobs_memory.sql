-- The one durable job table for background work, the rolling summary of each interview, and
-- screening flags on traces.
CREATE TABLE jobs (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    dedup_key  TEXT,
    status     TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts   BIGINT NOT NULL DEFAULT 0,
    run_after  BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_pending_dedup ON jobs(dedup_key) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_ready ON jobs(status, run_after);

ALTER TABLE interviews ADD COLUMN summary TEXT;
ALTER TABLE interviews ADD COLUMN summary_upto BIGINT NOT NULL DEFAULT 0;
ALTER TABLE model_calls ADD COLUMN screening_json TEXT NOT NULL DEFAULT '[]';

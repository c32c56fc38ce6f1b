-- Job descriptions and their versions. The text of every version is kept (old versions stay
-- readable); chunks and vectors live in the knowledge store. A version is searchable only once
-- its status is 'ready', which ingestion sets in one statement after every chunk is written.
CREATE TABLE job_descriptions (
    id         TEXT PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE jd_versions (
    id                TEXT PRIMARY KEY NOT NULL,
    jd_id             TEXT NOT NULL REFERENCES job_descriptions(id),
    version           BIGINT NOT NULL,
    title             TEXT NOT NULL,
    source            TEXT NOT NULL,
    body              TEXT NOT NULL,
    requirements_json TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'ingesting', 'ready', 'failed', 'deleted')),
    error             TEXT,
    chunks_done       BIGINT NOT NULL DEFAULT 0,
    chunks_total      BIGINT NOT NULL DEFAULT 0,
    embedded          BIGINT NOT NULL DEFAULT 0,
    cached            BIGINT NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (jd_id, version)
);
CREATE INDEX jd_versions_jd ON jd_versions(jd_id, version);

-- Interviewer answers about the role carry their citations; an answer that failed the
-- grounding check is held (not shown to the candidate) with its reasons.
ALTER TABLE interview_messages ADD COLUMN citations_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE interview_messages ADD COLUMN held BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interview_messages ADD COLUMN flags_json TEXT NOT NULL DEFAULT '[]';

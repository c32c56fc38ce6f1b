-- Interviews and their messages (the candidate's are committed before any model call).
CREATE TABLE interviews (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_slug      TEXT NOT NULL,
    role_title     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    difficulty     TEXT NOT NULL,
    config_json    TEXT NOT NULL,
    plan_json      TEXT NOT NULL,
    phase_json     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'paused', 'done')),
    pause_reason   TEXT,
    report_json    TEXT,
    overall_tenths BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX interviews_user ON interviews(user_id, created_at);

CREATE TABLE interview_messages (
    id              TEXT PRIMARY KEY NOT NULL,
    interview_id    TEXT NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    author          TEXT NOT NULL CHECK (author IN ('candidate', 'interviewer')),
    content         TEXT NOT NULL,
    requirement_id  TEXT,
    idempotency_key TEXT,
    call_id         TEXT,
    created_at      BIGINT NOT NULL,
    UNIQUE (interview_id, seq),
    UNIQUE (interview_id, idempotency_key)
);

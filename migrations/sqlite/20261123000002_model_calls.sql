-- Every model call (the trace), the spend ledger behind the cost ceilings, and the ceilings
-- admins have set. Money is integer nano-dollars.
CREATE TABLE model_calls (
    id                 TEXT PRIMARY KEY NOT NULL,
    started_at         BIGINT NOT NULL,
    user_id            TEXT,
    interview_id       TEXT,
    step               TEXT NOT NULL,
    provider           TEXT NOT NULL,
    model              TEXT NOT NULL,
    prompt_version     TEXT,
    request_json       TEXT NOT NULL,
    context_ids        TEXT NOT NULL DEFAULT '[]',
    output             TEXT NOT NULL DEFAULT '',
    tool_calls_json    TEXT NOT NULL DEFAULT '[]',
    refused_tools_json TEXT NOT NULL DEFAULT '[]',
    ttft_ms            BIGINT,
    latency_ms         BIGINT,
    prompt_tokens      BIGINT NOT NULL DEFAULT 0,
    completion_tokens  BIGINT NOT NULL DEFAULT 0,
    cost_nanos         BIGINT NOT NULL DEFAULT 0,
    status             TEXT NOT NULL,
    error              TEXT
);
CREATE INDEX model_calls_started ON model_calls(started_at);
CREATE INDEX model_calls_interview ON model_calls(interview_id, started_at);

CREATE TABLE spend (
    call_id        TEXT PRIMARY KEY NOT NULL,
    day            TEXT NOT NULL,
    user_id        TEXT,
    interview_id   TEXT,
    reserved_nanos BIGINT NOT NULL,
    charged_nanos  BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX spend_day ON spend(day);
CREATE INDEX spend_user_day ON spend(user_id, day);
CREATE INDEX spend_interview ON spend(interview_id);

CREATE TABLE budget_ceilings (
    scope       TEXT PRIMARY KEY NOT NULL CHECK (scope IN ('interview', 'user_day', 'global_day')),
    limit_nanos BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT
);

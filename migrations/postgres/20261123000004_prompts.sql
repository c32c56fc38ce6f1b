-- Versioned prompt templates; one active version per name; interviews pin the versions they
-- started with.
CREATE TABLE prompt_versions (
    name       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    PRIMARY KEY (name, version)
);

CREATE TABLE prompt_active (
    name       TEXT PRIMARY KEY NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);

ALTER TABLE interviews ADD COLUMN prompt_pins TEXT NOT NULL DEFAULT '{}';

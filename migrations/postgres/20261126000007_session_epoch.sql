-- A per-account session epoch. Every signed-in session records the epoch it began in; raising
-- the account's epoch ends all of its sessions at once (sessions themselves are opaque records
-- in the session store, so they cannot be found by account).
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- Folded repeats in the audit log (SQLite dialect). Events anyone can cause anonymously (refused
-- OAuth callbacks, throttled sign-ins) keep a few rows per kind, reason, IP and window; later
-- repeats only raise `occurrences` on one row whose `window_key` ends in `#more`. Rows of a
-- window carry its key (unique), so concurrent requests never take the same slot twice.
ALTER TABLE audit_events ADD COLUMN window_key TEXT;
ALTER TABLE audit_events ADD COLUMN occurrences BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN last_at BIGINT;
CREATE UNIQUE INDEX audit_events_window ON audit_events(window_key);

-- Still append-only: the only update allowed raises the count (and the time of the latest
-- repeat) of a windowed row. Every other column stays as written; deletes stay refused.
DROP TRIGGER audit_events_no_update;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN OLD.window_key IS NULL
    OR NEW.window_key IS NOT OLD.window_key
    OR NEW.id IS NOT OLD.id
    OR NEW.at IS NOT OLD.at
    OR NEW.kind IS NOT OLD.kind
    OR NEW.actor_user_id IS NOT OLD.actor_user_id
    OR NEW.actor_email IS NOT OLD.actor_email
    OR NEW.subject_user_id IS NOT OLD.subject_user_id
    OR NEW.subject_email IS NOT OLD.subject_email
    OR NEW.ip IS NOT OLD.ip
    OR NEW.detail IS NOT OLD.detail
    OR NEW.occurrences < OLD.occurrences
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

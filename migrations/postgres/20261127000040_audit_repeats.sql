-- Folded repeats in the audit log (PostgreSQL dialect). Events anyone can cause anonymously
-- (refused OAuth callbacks, throttled sign-ins) keep a few rows per kind, reason, IP and window;
-- later repeats only raise `occurrences` on one row whose `window_key` ends in `#more`. Rows of a
-- window carry its key (unique), so concurrent requests never take the same slot twice.
ALTER TABLE audit_events ADD COLUMN window_key TEXT;
ALTER TABLE audit_events ADD COLUMN occurrences BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN last_at BIGINT;
CREATE UNIQUE INDEX audit_events_window ON audit_events(window_key);

-- Still append-only: the only update allowed raises the count (and the time of the latest
-- repeat) of a windowed row. Every other column, present or added later, stays as written;
-- deletes stay refused.
CREATE FUNCTION audit_events_count_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unchanged audit_events;
BEGIN
    unchanged := NEW;
    unchanged.occurrences := OLD.occurrences;
    unchanged.last_at := OLD.last_at;
    IF OLD.window_key IS NULL
        OR NEW.occurrences < OLD.occurrences
        OR to_jsonb(unchanged) IS DISTINCT FROM to_jsonb(OLD) THEN
        RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER audit_events_no_update ON audit_events;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_count_only BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_count_only();

-- Erasing an account (PostgreSQL dialect). The audit log stays append-only but keeps no address
-- of an erased account: the one more update it allows replaces `actor_email` / `subject_email`
-- with the account's pseudonym ('deleted user <id prefix>') and changes nothing else. Together
-- with the folded repeats of 20261127000040 (only `occurrences` up and `last_at` on a windowed
-- row), these are the only updates; deletes stay refused.
CREATE OR REPLACE FUNCTION audit_events_count_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unchanged audit_events;
BEGIN
    unchanged := NEW;
    IF NEW.actor_email IS DISTINCT FROM OLD.actor_email
        OR NEW.subject_email IS DISTINCT FROM OLD.subject_email THEN
        -- An erasure: each changed address becomes a pseudonym; every other column, present or
        -- added later, stays as written.
        IF (NEW.actor_email IS NOT DISTINCT FROM OLD.actor_email
                OR COALESCE(NEW.actor_email LIKE 'deleted user %', FALSE))
            AND (NEW.subject_email IS NOT DISTINCT FROM OLD.subject_email
                OR COALESCE(NEW.subject_email LIKE 'deleted user %', FALSE)) THEN
            unchanged.actor_email := OLD.actor_email;
            unchanged.subject_email := OLD.subject_email;
            IF to_jsonb(unchanged) IS NOT DISTINCT FROM to_jsonb(OLD) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    -- A folded repeat: only the count (up) and the time of the latest repeat change.
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

-- Finding an account's traces and spend when it is erased.
CREATE INDEX IF NOT EXISTS model_calls_user ON model_calls(user_id, started_at);

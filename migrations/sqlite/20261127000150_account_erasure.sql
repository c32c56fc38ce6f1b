-- Erasing an account (SQLite dialect). The audit log stays append-only but keeps no address of
-- an erased account: the one more update it allows replaces `actor_email` / `subject_email`
-- with the account's pseudonym ('deleted user <id prefix>') and changes nothing else. Together
-- with the folded repeats of 20261127000040 (only `occurrences` up and `last_at` on a windowed
-- row), these are the only updates; deletes stay refused.
DROP TRIGGER audit_events_no_update;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN NEW.id IS NOT OLD.id
    OR NEW.at IS NOT OLD.at
    OR NEW.kind IS NOT OLD.kind
    OR NEW.actor_user_id IS NOT OLD.actor_user_id
    OR NEW.subject_user_id IS NOT OLD.subject_user_id
    OR NEW.ip IS NOT OLD.ip
    OR NEW.detail IS NOT OLD.detail
    OR NEW.window_key IS NOT OLD.window_key
    OR NOT (
        -- a folded repeat: the count goes up, the time of the latest repeat moves
        (OLD.window_key IS NOT NULL
            AND NEW.occurrences >= OLD.occurrences
            AND NEW.actor_email IS OLD.actor_email
            AND NEW.subject_email IS OLD.subject_email)
        -- an erasure: an address becomes a pseudonym, counts and times stay
        OR (NEW.occurrences IS OLD.occurrences
            AND NEW.last_at IS OLD.last_at
            AND (NEW.actor_email IS OLD.actor_email
                OR (NEW.actor_email IS NOT NULL AND NEW.actor_email LIKE 'deleted user %'))
            AND (NEW.subject_email IS OLD.subject_email
                OR (NEW.subject_email IS NOT NULL AND NEW.subject_email LIKE 'deleted user %')))
    )
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

-- Finding an account's traces and spend when it is erased.
CREATE INDEX IF NOT EXISTS model_calls_user ON model_calls(user_id, started_at);

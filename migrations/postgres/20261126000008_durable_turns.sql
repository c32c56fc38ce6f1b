-- Durable turns. `last_seq` hands out message sequence numbers under the interview row's lock
-- (no read-then-insert race); `turn_seq` is the sequence number of the last candidate message
-- whose interviewer turn has completed, so a replayed turn knows it already ran.
ALTER TABLE interviews ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interviews ADD COLUMN turn_seq BIGINT NOT NULL DEFAULT 0;
UPDATE interviews SET last_seq = COALESCE(
    (SELECT MAX(seq) FROM interview_messages m WHERE m.interview_id = interviews.id), 0);
-- A candidate message followed by an interviewer message had its turn completed; one left
-- unanswered (a paused interview, a turn cut by the upgrade) stays open for resume or retry.
UPDATE interviews SET turn_seq = COALESCE((
    SELECT MAX(c.seq) FROM interview_messages c
    WHERE c.interview_id = interviews.id AND c.author = 'candidate'
      AND EXISTS (SELECT 1 FROM interview_messages r
                  WHERE r.interview_id = c.interview_id AND r.author = 'interviewer' AND r.seq > c.seq)), 0);
CREATE INDEX jobs_kind_ready ON jobs(kind, status, run_after);

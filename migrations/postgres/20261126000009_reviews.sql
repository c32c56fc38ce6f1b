-- Human review of held AI answers. One row per held message: the text as written, the reasons,
-- the reviewer's claim (a lease), the decision and the text the candidate finally reads. The
-- audit log refers to rows here by id only, so a candidate's words can be erased from here
-- while the audit log keeps its rows.
CREATE TABLE reviews (
    id            TEXT PRIMARY KEY NOT NULL,
    message_id    TEXT NOT NULL UNIQUE REFERENCES interview_messages(id) ON DELETE CASCADE,
    interview_id  TEXT NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    question      TEXT NOT NULL,
    held_text     TEXT NOT NULL,
    reasons_json  TEXT NOT NULL,
    reason_keys   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'edited', 'rejected', 'expired')),
    claimed_by    TEXT,
    claim_until   BIGINT,
    decided_by    TEXT,
    decided_at    BIGINT,
    final_text    TEXT,
    note          TEXT,
    deadline_at   BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX reviews_queue ON reviews(status, created_at);

-- Answers held before reviews existed get their review, so none stays held forever.
INSERT INTO reviews (id, message_id, interview_id, question, held_text, reasons_json, reason_keys, status, created_at)
SELECT 'legacy-' || m.id, m.id, m.interview_id,
       COALESCE((SELECT c.content FROM interview_messages c
                 WHERE c.interview_id = m.interview_id AND c.author = 'candidate' AND c.seq < m.seq
                 ORDER BY c.seq DESC LIMIT 1), ''),
       m.content,
       '[{"kind":"ungrounded","detail":"held by the grounding check before reviews existed"}]',
       ' ungrounded ', 'pending', m.created_at
FROM interview_messages m WHERE m.held = 1;

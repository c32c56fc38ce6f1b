-- Job payloads are typed JSON (one type per kind). Rewrite the pending jobs queued before, whose
-- payload was a bare id. Ids are UUIDs, so no quoting is needed inside the JSON string.
UPDATE jobs SET payload = '{"interview_id":"' || payload || '"}'
    WHERE kind = 'summarise_interview' AND payload NOT LIKE '{%';
UPDATE jobs SET payload = '{"version_id":"' || payload || '"}'
    WHERE kind = 'ingest_jd' AND payload NOT LIKE '{%';
UPDATE jobs SET payload = '{"jd_id":"' || payload || '"}'
    WHERE kind = 'purge_jd' AND payload NOT LIKE '{%';

-- Every provider attempt of a model call, in order: retries before the first token, fallbacks,
-- calls an open circuit breaker refused. `provider` and `model` now name the one that answered.
ALTER TABLE model_calls ADD COLUMN attempts_json TEXT NOT NULL DEFAULT '[]';

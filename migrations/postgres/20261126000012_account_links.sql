-- Single-use links mailed to an account's address: confirming the address and resetting the
-- password. Only the SHA-256 of a link's secret is stored, so a copy of the database holds no
-- working link. A link is spent by one conditional UPDATE (used_at set, only if unused and
-- unexpired), so two clicks on the same link can never both succeed. `email` is the address
-- the link was mailed to: a link is refused if the account's address has changed since.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose, created_at);

-- From now on a staff role needs a confirmed address. Existing staff were made by an operator
-- (`server promote`) or by an admin, who vouched for them: they keep their role.
UPDATE users SET email_verified = 1 WHERE role <> 'candidate';

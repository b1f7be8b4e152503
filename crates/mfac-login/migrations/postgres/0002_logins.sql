-- Logins under way (a challenge expires after 5 minutes and is answered
-- once), and what the remember windows read: the last verified MFA and the
-- logins let through since.
CREATE TABLE logins (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    decision     TEXT NOT NULL,
    -- The allowed factor kinds, comma-separated, as the decision said.
    allowed      TEXT NOT NULL,
    ip           TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    answered_at  TEXT
);

CREATE TABLE mfa_state (
    user_id       TEXT PRIMARY KEY,
    last_mfa_at   TEXT NOT NULL,
    last_mfa_ip   TEXT,
    logins_since  BIGINT NOT NULL
);

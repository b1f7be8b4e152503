-- WebAuthn: a credential id is registered once, to anyone; the signature
-- counter and the backup flags are kept beside the sealed passkey.
ALTER TABLE factors ADD COLUMN credential_id TEXT;
ALTER TABLE factors ADD COLUMN counter BIGINT;
ALTER TABLE factors ADD COLUMN backup_eligible BIGINT;
ALTER TABLE factors ADD COLUMN backup_state BIGINT;
CREATE UNIQUE INDEX factors_credential ON factors (credential_id) WHERE credential_id IS NOT NULL;

-- Ceremony state, server-side: sealed, single-use, expiring.
CREATE TABLE ceremonies (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    state       BYTEA NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- mfac-login state, PostgreSQL (several replicas share it). The same
-- tables as the SQLite store; secrets sealed, backup codes hashed.
CREATE TABLE factors (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    status      TEXT   NOT NULL CHECK (status IN ('pending', 'active', 'removed')),
    secret      BYTEA,
    -- The last TOTP time step accepted: a code is used at most once.
    last_step   BIGINT,
    created_at  TEXT   NOT NULL
);
CREATE INDEX factors_user ON factors (user_id, kind, status);

CREATE TABLE backup_codes (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id  TEXT NOT NULL,
    hash     TEXT NOT NULL,
    used_at  TEXT
);
CREATE INDEX backup_codes_user ON backup_codes (user_id);

CREATE TABLE throttle (
    user_id       TEXT PRIMARY KEY,
    consecutive   BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    lockouts      BIGINT NOT NULL,
    locked_until  TEXT
);

-- Append-only.
CREATE TABLE audit (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL
);

-- mfac-login state, SQLite. Secrets are sealed (mfac_login::secret) before
-- they are written; backup codes are argon2 hashes.
CREATE TABLE factors (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'removed')),
    secret      BLOB,
    -- The last TOTP time step accepted: a code is used at most once.
    last_step   INTEGER,
    created_at  TEXT    NOT NULL
);
CREATE INDEX factors_user ON factors (user_id, kind, status);

CREATE TABLE backup_codes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  TEXT NOT NULL,
    hash     TEXT NOT NULL,
    used_at  TEXT
);
CREATE INDEX backup_codes_user ON backup_codes (user_id);

CREATE TABLE throttle (
    user_id       TEXT PRIMARY KEY,
    consecutive   INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    lockouts      INTEGER NOT NULL,
    locked_until  TEXT
);

-- Append-only.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL
);

-- What the sweep deletes, by instants as numbers (nanoseconds since 1970):
-- ceremonies past their time, pending enrolments never confirmed, logins
-- past their challenge. A removed passkey frees its credential id, so its
-- owner can register the same key again.
ALTER TABLE ceremonies ADD COLUMN expires_ns BIGINT;
UPDATE ceremonies SET expires_ns = CAST(unixepoch(expires_at, 'subsec') * 1000000000 AS INTEGER);
CREATE INDEX ceremonies_expiry ON ceremonies (expires_ns);
ALTER TABLE factors ADD COLUMN created_ns BIGINT;
UPDATE factors SET created_ns = CAST(unixepoch(created_at, 'subsec') * 1000000000 AS INTEGER);
CREATE INDEX factors_pending ON factors (status, created_ns);
UPDATE logins SET expires_ns = CAST(unixepoch(expires_at, 'subsec') * 1000000000 AS INTEGER) WHERE expires_ns IS NULL;
UPDATE factors SET credential_id = NULL WHERE status = 'removed';

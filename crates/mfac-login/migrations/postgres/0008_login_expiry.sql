-- When a login's challenge expires, as a number (nanoseconds since 1970)
-- that sorts as instants do: how many challenges a user has open, and
-- which logins the sweep may delete. Logins begun before count as expired.
ALTER TABLE logins ADD COLUMN expires_ns BIGINT;
CREATE INDEX logins_open ON logins (user_id, expires_ns);
CREATE INDEX logins_expiry ON logins (expires_ns);

-- What the service lists of a factor: the label its owner gave it, and when
-- it last verified a login.
ALTER TABLE factors ADD COLUMN label TEXT;
ALTER TABLE factors ADD COLUMN last_used_at TEXT;

-- The audit is read in SQL, a page at a time: each event's instant as a
-- number (nanoseconds since 1970; RFC 3339 text with fractions does not
-- sort as instants do), and indexes for the filters. Events written before
-- get their instant from their text.
ALTER TABLE audit ADD COLUMN at_ns BIGINT;
UPDATE audit SET at_ns = (extract(epoch FROM at::timestamptz) * 1000000000)::bigint;
CREATE INDEX audit_kind ON audit (kind, id);
CREATE INDEX audit_at ON audit (at_ns);

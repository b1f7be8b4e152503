-- A backup code's lookup key (12 bits of a sha256 of the user and the
-- code, not secret): a guess is hashed only against the codes that share
-- its key. Codes issued before have none and are checked as before, until
-- the set is replaced.
ALTER TABLE backup_codes ADD COLUMN lookup TEXT;

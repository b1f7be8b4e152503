-- The audit event's fields of the HTTP contract (GET /v1/audit, docs/api.md),
-- beside its one-line detail: what a login was, how it was decided and
-- under which policy, so that an event can be found by any of them.
ALTER TABLE audit ADD COLUMN app TEXT;
ALTER TABLE audit ADD COLUMN ip TEXT;
ALTER TABLE audit ADD COLUMN decision TEXT;
ALTER TABLE audit ADD COLUMN factor TEXT;
ALTER TABLE audit ADD COLUMN result TEXT;
ALTER TABLE audit ADD COLUMN reason TEXT;
ALTER TABLE audit ADD COLUMN decision_id TEXT;
ALTER TABLE audit ADD COLUMN login_id TEXT;
ALTER TABLE audit ADD COLUMN policy_sha256 TEXT;
ALTER TABLE audit ADD COLUMN exempt TEXT;
CREATE INDEX audit_user ON audit (user_id, id);

-- A login's answer is audited with the decision and the policy it began on.
ALTER TABLE logins ADD COLUMN decision_id TEXT;
ALTER TABLE logins ADD COLUMN app TEXT;
ALTER TABLE logins ADD COLUMN policy_sha256 TEXT;

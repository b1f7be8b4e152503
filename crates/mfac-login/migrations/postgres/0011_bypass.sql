-- Helpdesk bypasses granted at run time, within the policy's `bypass max`:
-- whom, until when, why (reason and ticket), and when one was ended early.
-- Rows are kept after they end: the audit trail names them by id.
CREATE TABLE bypasses (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    until TEXT NOT NULL,
    until_ns BIGINT NOT NULL,
    reason TEXT NOT NULL,
    ticket TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX bypasses_user ON bypasses (user_id, until_ns);

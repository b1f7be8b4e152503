-- The assurance level the last verified MFA reached (NIST SP 800-63B: 2
-- for any second factor, 3 for a passkey that verified its user): what a
-- step-up login (`"step_up": true`) holds against the level it needs.
-- NULL on rows written before: read as 2, the least a verified factor is.
ALTER TABLE mfa_state ADD COLUMN last_mfa_aal BIGINT;

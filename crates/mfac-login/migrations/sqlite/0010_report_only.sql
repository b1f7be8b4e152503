-- What a login's decision would have been with the policy's report-only
-- rules enforced, where that differs from what was enforced: the question
-- `mfac audit --report-only` answers ("who would have been challenged").
ALTER TABLE audit ADD COLUMN report_only TEXT;

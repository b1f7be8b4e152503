//! What a decision and an answer read: the user's factors and last MFA,
//! the failure count, and a login under way.

use super::exec::{args, Exec};
use super::*;
use sqlx::Row;

impl Store {
    /// What a decision reads from the store, in one statement: the kinds
    /// of factor the user has active (backup codes while any is unused),
    /// the last verified MFA, and the helpdesk bypass in force at `at`.
    pub async fn login_state(&self, user: &str, at: Timestamp) -> Result<LoginState, StoreError> {
        // The bypass's columns, after the kind's and the last MFA's.
        const BYPASS: usize = 5;
        let rows = read_tx!(self, |db| {
            db.rows(super::bypass::LOGIN_STATE, args![user, nanos(at)])
                .await?
        })?;
        let mut enrolled = FactorSet::EMPTY;
        for r in &rows {
            if let Some(k) = r.get::<Option<String>>(0)? {
                enrolled = Factor::from_name(&k).map_or(enrolled, |f| enrolled.with(f));
            }
        }
        let (mut row, mut bypass) = (None, None);
        if let Some(r) = rows.first() {
            if let Some(at) = r.get::<Option<String>>(1)? {
                row = Some((
                    at,
                    r.get::<Option<String>>(2)?,
                    r.get::<i64>(3)?,
                    r.get::<Option<i64>>(4)?,
                ));
            }
            if r.get::<Option<String>>(BYPASS)?.is_some() {
                bypass = Some(super::bypass::bypass_row_at(r, BYPASS)?);
            }
        }
        let last_mfa = row
            .map(|(at, ip, logins_since, aal)| {
                Ok::<_, StoreError>(LastMfaRow {
                    at: stored_time(&at, "MFA time")?,
                    ip,
                    logins_since,
                    aal,
                })
            })
            .transpose()?;
        Ok(LoginState {
            enrolled,
            last_mfa,
            bypass,
        })
    }

    /// The user's failure count as it stands (a fresh state when none was
    /// counted): what a refusal that tried no secret reports.
    pub async fn throttle_state(&self, user: &str) -> Result<ThrottleState, StoreError> {
        const SQL: &str =
            "SELECT consecutive, total, lockouts, locked_until FROM throttle WHERE user_id = $1";
        match read_tx!(self, |db| db.optional(SQL, args![user]).await?)? {
            Some(row) => throttle_row(&row),
            None => Ok(ThrottleState::default()),
        }
    }

    /// A login, if it exists (answered or not).
    pub async fn open_login(&self, id: &str) -> Result<Option<OpenLogin>, StoreError> {
        const SQL: &str = "SELECT user_id, allowed, ip, expires_at, decision_id, app, policy_sha256, decision, answered_at FROM logins WHERE id = $1";
        let row = read_tx!(self, |db| db.optional(SQL, args![id]).await?)?;
        let row = match row {
            Some(r) => Some((
                r.get::<String>(3)?,
                OpenLogin {
                    id: id.to_string(),
                    user: r.get(0)?,
                    allowed: r.get(1)?,
                    ip: r.get(2)?,
                    expires: Timestamp::UNIX_EPOCH,
                    decision_id: r.get(4)?,
                    app: r.get(5)?,
                    policy_sha256: r.get(6)?,
                    decision: r.get(7)?,
                    answered: r.get::<Option<String>>(8)?.is_some(),
                },
            )),
            None => None,
        };
        row.map(|(expires, mut l)| {
            l.expires = stored_time(&expires, "login expiry")?;
            Ok(l)
        })
        .transpose()
    }
}

impl Store {
    /// Every user's active factor kinds (`backup_code` while any code is
    /// unused), for `mfac status` and `mfac simulate --db`: one query, not
    /// one per user.
    pub async fn enrolled_all(
        &self,
    ) -> Result<std::collections::HashMap<String, FactorSet>, StoreError> {
        const SQL: &str = "SELECT user_id, kind FROM factors WHERE status = 'active' UNION SELECT user_id, 'backup_code' FROM backup_codes WHERE used_at IS NULL";
        let rows: Vec<(String, String)> = on_pool!(self, |p| {
            sqlx::query(SQL)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        let mut out: std::collections::HashMap<String, FactorSet> = Default::default();
        for (user, kind) in rows {
            if let Some(k) = Factor::from_name(&kind) {
                let e = out.entry(user).or_default();
                *e = e.with(k);
            }
        }
        Ok(out)
    }
}

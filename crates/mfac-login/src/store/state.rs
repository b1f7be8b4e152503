//! What a decision and an answer read: the user's factors and last MFA,
//! the failure count, and a login under way.

use super::*;
use sqlx::Row;

impl Store {
    /// What a decision reads from the store, in one statement: the kinds
    /// of factor the user has active (backup codes while any is unused),
    /// the last verified MFA, and the helpdesk bypass in force at `at`.
    pub async fn login_state(&self, user: &str, at: Timestamp) -> Result<LoginState, StoreError> {
        // The bypass's columns, after the kind's and the last MFA's.
        const BYPASS: usize = 5;
        let (enrolled, row, bypass) = on_pool!(self, |p| {
            let rows = sqlx::query(super::bypass::LOGIN_STATE)
                .bind(user)
                .bind(nanos(at))
                .fetch_all(p)
                .await?;
            let mut enrolled = FactorSet::EMPTY;
            for r in &rows {
                if let Some(k) = r.try_get::<Option<String>, _>(0)? {
                    enrolled = Factor::from_name(&k).map_or(enrolled, |f| enrolled.with(f));
                }
            }
            let (mut row, mut bypass) = (None, None);
            if let Some(r) = rows.first() {
                if let Some(at) = r.try_get::<Option<String>, _>(1)? {
                    row = Some((
                        at,
                        r.try_get::<Option<String>, _>(2)?,
                        r.try_get::<i64, _>(3)?,
                        r.try_get::<Option<i64>, _>(4)?,
                    ));
                }
                if r.try_get::<Option<String>, _>(BYPASS)?.is_some() {
                    bypass = Some(super::bypass::bypass_row_at(r, BYPASS)?);
                }
            }
            (enrolled, row, bypass)
        });
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
        on_pool!(self, |p| {
            match sqlx::query(SQL).bind(user).fetch_optional(p).await? {
                Some(row) => throttle_row(&row),
                None => Ok(ThrottleState::default()),
            }
        })
    }

    /// A login, if it exists (answered or not).
    pub async fn open_login(&self, id: &str) -> Result<Option<OpenLogin>, StoreError> {
        const SQL: &str = "SELECT user_id, allowed, ip, expires_at, decision_id, app, policy_sha256, decision, answered_at FROM logins WHERE id = $1";
        let row = on_pool!(self, |p| {
            match sqlx::query(SQL).bind(id).fetch_optional(p).await? {
                Some(r) => Some((
                    r.try_get::<String, _>(3)?,
                    OpenLogin {
                        id: id.to_string(),
                        user: r.try_get(0)?,
                        allowed: r.try_get(1)?,
                        ip: r.try_get(2)?,
                        expires: Timestamp::UNIX_EPOCH,
                        decision_id: r.try_get(4)?,
                        app: r.try_get(5)?,
                        policy_sha256: r.try_get(6)?,
                        decision: r.try_get(7)?,
                        answered: r.try_get::<Option<String>, _>(8)?.is_some(),
                    },
                )),
                None => None,
            }
        });
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
